"""Attacks and abuse: forged tokens, oversized bodies, password guessing, unsafe production settings."""

import base64
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx2 import ASGITransport, AsyncClient
from jose import jwt
from pydantic import SecretStr, ValidationError
from starlette.types import Message, Scope

from {{ cookiecutter.package_name }}.core import security
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import PASSWORD, serve


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def claims(user_id: int) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=5)}


FORGED_TOKENS: dict[str, Callable[[Settings, int], str]] = {
    "alg-none": lambda s, uid: f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': str(uid)})}.",
    "alg-none-signed": lambda s, uid: (
        f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': str(uid)})}.c2lnbmF0dXJl"
    ),
    "other-algorithm": lambda s, uid: str(
        jwt.encode(claims(uid), s.secret_key.get_secret_value(), algorithm="HS512")
    ),
    "non-base64": lambda s, uid: "!!!.@@@.###",
    "four-segments": lambda s, uid: "a.b.c.d",
    "empty": lambda s, uid: "",
}


@pytest.mark.parametrize("forge", FORGED_TOKENS.values(), ids=FORGED_TOKENS.keys())
async def test_forged_tokens_are_401(
    client: AsyncClient, user: User, settings: Settings, forge: Callable[[Settings, int], str]
) -> None:
    response = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {forge(settings, user.id)}"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] in {"Could not validate credentials", "Not authenticated"}


async def test_unknown_email_and_wrong_password_cost_one_hash_check_each(
    client: AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing user is checked against a dummy hash, so both answers take the same time."""
    calls: list[str] = []
    verify = security.password_hash.verify

    def counting_verify(password: str, hashed: str) -> bool:
        calls.append(hashed)
        return verify(password, hashed)

    monkeypatch.setattr(security.password_hash, "verify", counting_verify)
    for username in (user.email, "nobody@example.com"):
        response = await client.post(
            "/api/v1/auth/token", data={"username": username, "password": "wrong password"}
        )
        assert response.status_code == 400
    assert len(calls) == 2
    assert calls[0] == user.hashed_password
    assert calls[1] != user.hashed_password


async def test_passwords_and_hashes_stay_out_of_logs_and_responses(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Everything the service logs at its most verbose, and everything else from INFO up.
    # (Drivers' own DEBUG logs print query parameters: keep them off in production.)
    with (
        caplog.at_level(logging.INFO),
        caplog.at_level(logging.DEBUG, "{{ cookiecutter.package_name }}"),
    ):
        signup = await client.post(
            "/api/v1/users", json={"email": "eve@example.com", "password": PASSWORD}
        )
        login = await client.post(
            "/api/v1/auth/token", data={"username": "eve@example.com", "password": PASSWORD}
        )
    assert signup.status_code == 201
    assert login.status_code == 200
    for text in (caplog.text, signup.text, login.text):
        assert PASSWORD not in text
        assert "$argon2" not in text


@pytest.mark.parametrize("path", ["/health", "/nowhere", "/api/v1/users/me", "/docs", "/"], ids=str)
async def test_security_headers_on_every_response(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in response.headers


async def test_hsts_in_production_over_https_only(settings: Settings) -> None:
    """RFC 6797 section 7.2: never over plain HTTP (see test_logs for X-Forwarded-Proto)."""
    production = settings.model_copy(
        update={"environment": "production", "secret_key": SecretStr("p" * 48)}
    )
    async with serve(production, base_url="https://test") as client:
        secure = await client.get("/health")
    async with serve(production) as client:
        plain = await client.get("/health")
    assert secure.headers["strict-transport-security"].startswith("max-age=")
    assert "strict-transport-security" not in plain.headers


async def test_oversized_declared_body_is_413(
    client: AsyncClient, auth_headers: dict[str, str], settings: Settings
) -> None:
    body = json.dumps({"title": "x", "description": "y" * settings.max_body_bytes}).encode()
    response = await client.post(
        "/api/v1/items", content=body, headers=auth_headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}
    assert "x-request-id" in response.headers


async def test_oversized_declared_body_is_refused_before_reading(
    app: FastAPI, auth_headers: dict[str, str], settings: Settings
) -> None:
    """Straight through the ASGI interface: the app never asks the server for the body."""
    reads = 0

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b'{"title": "x"}', "more_body": False}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    headers = {
        "content-type": "application/json",
        "content-length": str(settings.max_body_bytes + 1),
    }
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/items",
        "raw_path": b"/api/v1/items",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (name.lower().encode(), value.encode())
            for name, value in (headers | auth_headers).items()
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert reads == 0


async def test_oversized_streamed_body_is_413(
    client: AsyncClient, auth_headers: dict[str, str], settings: Settings
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b" " * 65536

    response = await client.post(
        "/api/v1/items",
        content=chunks(),
        headers=auth_headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "Request body too large"


async def test_body_under_the_limit_is_accepted(
    client: AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/items", json={"title": "x", "description": "y" * 9_000}, headers=auth_headers
    )
    assert response.status_code == 201


@pytest.fixture
async def limited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"login_rate_limit": "3/minute"}))
    async with LifespanManager(app):
        yield app


def client_from(app: FastAPI, address: str) -> AsyncClient:
    transport = ASGITransport(app=app, client=(address, 50000))
    return AsyncClient(transport=transport, base_url="http://test")


async def test_logins_are_limited_per_client(limited_app: FastAPI, user: User) -> None:
    async with client_from(limited_app, "203.0.113.7") as client:
        for email in ("a@example.com", "b@example.com", user.email):
            response = await client.post(
                "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
            )
            assert response.status_code != 429
        # A correct password does not lift the limit: every attempt counts.
        blocked = await client.post(
            "/api/v1/auth/token", data={"username": user.email, "password": PASSWORD}
        )
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 60
    assert "detail" in blocked.json()


async def test_logins_are_limited_per_account(limited_app: FastAPI, user: User) -> None:
    for index in range(3):
        async with client_from(limited_app, f"198.51.100.{index}") as client:
            response = await client.post(
                "/api/v1/auth/token", data={"username": user.email, "password": "guess"}
            )
            assert response.status_code == 400
    async with client_from(limited_app, "198.51.100.99") as client:
        blocked = await client.post(
            "/api/v1/auth/token", data={"username": user.email.upper(), "password": PASSWORD}
        )
        assert blocked.status_code == 429
        other_account = await client.post(
            "/api/v1/auth/token", data={"username": "someone@example.com", "password": "guess"}
        )
        assert other_account.status_code == 400


def production(**values: object) -> Settings:
    base: dict[str, object] = {
        "environment": "production",
        "secret_key": SecretStr("s" * 48),
        "email_enabled": False,
    }
    return Settings(_env_file=None, **(base | values))  # type: ignore[arg-type]


def test_production_refuses_wildcard_cors_with_credentials() -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        production(cors_origins=["*"], cors_allow_credentials=True)
    assert production(cors_origins=["*"]).cors_origins == ["*"]
    assert production(cors_origins=["https://a.example"], cors_allow_credentials=True)


def test_a_bad_rate_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="login_rate_limit"):
        Settings(_env_file=None, login_rate_limit="often")
