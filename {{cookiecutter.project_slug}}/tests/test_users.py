import asyncio
import json

import pytest
from fastapi import FastAPI
from httpx2 import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message

from {{ cookiecutter.package_name }}.core.config import PROJECT_NAME, Settings
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import PASSWORD, Mailbox, bearer, eventually, serve, text_of

SIGNUP = {"email": "New.User@Example.com", "password": PASSWORD, "full_name": "New User"}


async def test_signup_returns_the_user_without_password(client: AsyncClient) -> None:
    response = await client.post("/api/v1/users", json=SIGNUP)
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new.user@example.com"
    assert body["full_name"] == "New User"
    assert body["is_active"] is True
    assert isinstance(body["id"], int)
    assert not any("password" in key for key in body)
    assert PASSWORD not in response.text


async def test_signup_duplicate_email_is_409(client: AsyncClient, user: User) -> None:
    response = await client.post(
        "/api/v1/users", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "A user with this email already exists"}


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "a@example.com", "password": "short"},
        {"email": "a@example.com"},
        {"password": PASSWORD},
        {"email": "a@example.com", "password": PASSWORD, "is_admin": True},
        {"email": "a@example.com", "password": 12345678},
    ],
    ids=["bad-email", "short-password", "no-password", "no-email", "unknown-field", "wrong-type"],
)
async def test_signup_invalid_is_422(client: AsyncClient, payload: dict[str, object]) -> None:
    response = await client.post("/api/v1/users", json=payload)
    assert response.status_code == 422
    assert "detail" in response.json()


async def test_the_most_used_passwords_are_refused_where_the_settings_say_so(
    settings: Settings, session: AsyncSession, user: User
) -> None:
    """OWASP ASVS 6.2.4, on by default in production: sign-up, change and reset, in any case."""
    strict = settings.model_copy(update={"reject_common_passwords": True})
    headers = await bearer(session, user, strict)
    attempts = [
        ("/api/v1/users", {"email": "a@example.com", "password": "baseball"}, "password"),
        ("/api/v1/users", {"email": "a@example.com", "password": "Password1"}, "password"),
        ("/api/v1/users", {"email": "a@example.com", "password": "QWERTYUIOP"}, "password"),
        (
            "/api/v1/users/me/password",
            {"current_password": PASSWORD, "new_password": "iloveyou2"},
            "new_password",
        ),
        (
            "/api/v1/auth/password-reset/confirm",
            {"token": "unknown", "new_password": "trustno1"},
            "new_password",
        ),
    ]
    async with serve(strict) as client:
        for path, body, field in attempts:
            response = await client.post(path, json=body, headers=headers)
            assert response.status_code == 422, (path, response.text)
            assert response.json()["detail"] == [
                {
                    "type": "password_too_common",
                    "loc": ["body", field],
                    "msg": "This password is one of the most used ones: choose another",
                }
            ]
        allowed = {"email": "a@example.com", "password": "Baseball Season 1987"}
        assert (await client.post("/api/v1/users", json=allowed)).status_code == 201
    async with serve(settings) as client:  # off: development and tests take sample passwords
        sample = {"email": "b@example.com", "password": "Password1"}
        assert (await client.post("/api/v1/users", json=sample)).status_code == 201


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/users", {"email": "a@example.com", "password": "shortpw"}),
        ("/api/v1/users", {"email": "not-an-email", "password": "shortpw", "x": 1}),
        ("/api/v1/auth/password-reset/confirm", {"token": "t", "new_password": "shortpw"}),
    ],
)
async def test_a_422_never_echoes_a_password(
    client: AsyncClient, path: str, body: dict[str, object]
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert errors  # names what is wrong...
    assert all("input" not in error for error in errors)
    assert str(body.get("password", body.get("new_password"))) not in response.text  # ...not it


async def test_a_password_form_without_a_username_is_422_without_the_password(
    client: AsyncClient,
) -> None:
    response = await client.post("/api/v1/auth/token", data={"password": "my secret pw"})
    assert response.status_code == 422
    assert "my secret pw" not in response.text


async def test_signup_welcomes_the_user_once(
    client: AsyncClient, mailbox: Mailbox, worker: None, app: FastAPI
) -> None:
    response = await client.post("/api/v1/users", json=SIGNUP)
    assert response.status_code == 201
    await eventually(lambda: len(mailbox.messages) == 1)
    [welcome] = mailbox.to("new.user@example.com")
    assert welcome["Subject"] == f"{PROJECT_NAME}: Welcome"
    assert "Hello New User," in text_of(welcome)
    assert PASSWORD not in welcome.as_string()
    # A redelivered job finds the welcome recorded and sends nothing.
    await app.state.jobs.send_welcome.kiq(response.json()["id"])
    await asyncio.sleep(0.2)
    assert len(mailbox.messages) == 1


async def test_a_failed_welcome_is_retried(
    client: AsyncClient, mailbox: Mailbox, worker: None
) -> None:
    """The SMTP server refuses once: the job runs again after a backoff, and the welcome goes out."""
    mailbox.refusals = 1
    response = await client.post("/api/v1/users", json=SIGNUP)
    assert response.status_code == 201
    await eventually(lambda: len(mailbox.to("new.user@example.com")) == 1, within=10)
    assert mailbox.refusals == 0


async def test_welcome_job_is_enqueued_after_the_response(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drive the ASGI app directly and record the order: response first, job after."""
    events: list[str] = []

    async def enqueue(user_id: int) -> None:
        events.append("enqueued")

    monkeypatch.setattr(app.state.jobs.send_welcome, "kiq", enqueue)
    body = json.dumps(SIGNUP).encode()
    sent_request = False

    async def receive() -> Message:
        nonlocal sent_request
        if sent_request:
            return {"type": "http.disconnect"}
        sent_request = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        events.append(message["type"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/users",
        "raw_path": b"/api/v1/users",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
        "client": ("127.0.0.1", 1234),
        "server": ("test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    assert events.index("enqueued") > events.index("http.response.body")


async def test_me_returns_the_current_user(
    client: AsyncClient, user: User, auth_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/users/me", headers=auth_headers)
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert "hashed_password" not in response.json()


async def test_me_without_token_is_401(client: AsyncClient) -> None:
    response = await client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "Not authenticated"}


async def test_user_repr_hides_the_hash(user: User) -> None:
    assert user.hashed_password not in repr(user)
