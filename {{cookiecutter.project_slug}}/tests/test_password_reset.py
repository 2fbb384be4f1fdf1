"""Password reset by email: no enumeration, links from settings, single-use tokens."""

import asyncio
import logging
import re
from email.message import EmailMessage

import pytest
from fastapi import FastAPI
from httpx2 import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.models import PasswordReset
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.db.base import utcnow
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import PASSWORD, Mailbox, bearer, eventually, serve, text_of

REQUEST_URL = "/api/v1/auth/password-reset"
CONFIRM_URL = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "a brand new passphrase"
ACCEPTED = {"detail": "If an account has this email, a reset link is on its way"}
INVALID_TOKEN = {"detail": "Invalid or expired reset token"}
pytestmark = pytest.mark.usefixtures("worker")


def link_in(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+", text_of(message))
    assert found is not None
    return found.group()


def token_in(message: EmailMessage) -> str:
    found = re.search(r"[?&]token=([\w-]+)", link_in(message))
    assert found is not None
    return found.group(1)


async def reset_email(
    client: AsyncClient, mailbox: Mailbox, email: str, count: int = 1
) -> EmailMessage:
    """Ask for a reset of `email`; the `count`th email it got."""
    response = await client.post(REQUEST_URL, json={"email": email})
    assert (response.status_code, response.json()) == (202, ACCEPTED)
    await eventually(lambda: len(mailbox.to(email)) == count)
    return mailbox.to(email)[-1]


async def confirm(
    client: AsyncClient, token: str, password: str = NEW_PASSWORD
) -> tuple[int, object]:
    response = await client.post(CONFIRM_URL, json={"token": token, "new_password": password})
    return response.status_code, response.json() if response.content else None


async def test_an_account_gets_one_email_and_a_stranger_none(
    client: AsyncClient, user: User, mailbox: Mailbox
) -> None:
    """Both get the same answer; only the account gets an email."""
    unknown = await client.post(REQUEST_URL, json={"email": "nobody@example.com"})
    known = await client.post(REQUEST_URL, json={"email": user.email.upper()})
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert (known.status_code, known.json()) == (202, ACCEPTED)
    await eventually(lambda: len(mailbox.messages) == 1)
    await asyncio.sleep(0.3)
    assert [message["To"] for message in mailbox.messages] == [user.email]
    assert PASSWORD not in mailbox.messages[0].as_string()


async def test_the_account_is_looked_up_after_the_response(
    app: FastAPI, client: AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route only enqueues: the same job, with the email as given, for anyone."""
    enqueued: list[str] = []

    async def enqueue(email: str, request_id: str) -> None:
        enqueued.append(email)

    monkeypatch.setattr(app.state.jobs.send_password_reset, "kiq", enqueue)
    for email in (user.email, "nobody@example.com"):
        assert (await client.post(REQUEST_URL, json={"email": email})).status_code == 202
    assert enqueued == [user.email, "nobody@example.com"]


async def test_a_reset_job_delivered_twice_sends_one_email(
    app: FastAPI, user: User, mailbox: Mailbox
) -> None:
    """With broker=redis a job whose acknowledgement was lost runs again: it finds its token."""
    await app.state.jobs.send_password_reset.kiq(user.email, "request-1")
    await eventually(lambda: len(mailbox.messages) == 1)
    await app.state.jobs.send_password_reset.kiq(user.email, "request-1")  # delivered again
    await asyncio.sleep(1)
    assert len(mailbox.messages) == 1
    await app.state.jobs.send_password_reset.kiq(user.email, "request-2")
    await eventually(lambda: len(mailbox.messages) == 2)


async def test_two_deliveries_of_a_reset_job_at_once_send_one_email(
    app: FastAPI, user: User, mailbox: Mailbox
) -> None:
    """A redelivery can overlap a slow first run: one of the two claims the request."""
    send = app.state.jobs.send_password_reset
    await asyncio.gather(*(send.kiq(user.email, "request-1") for _ in range(2)))
    await eventually(lambda: len(mailbox.messages) >= 1)
    await asyncio.sleep(1)
    assert len(mailbox.messages) == 1


async def test_an_inactive_account_gets_no_email(
    client: AsyncClient, user: User, session: AsyncSession, mailbox: Mailbox
) -> None:
    user.is_active = False
    await session.commit()
    assert (await client.post(REQUEST_URL, json={"email": user.email})).status_code == 202
    await asyncio.sleep(0.3)
    assert mailbox.messages == []


async def test_the_link_comes_from_settings_whatever_the_host_header(
    client: AsyncClient, user: User, mailbox: Mailbox, settings: Settings
) -> None:
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = await client.post(REQUEST_URL, json={"email": user.email}, headers=forged)
    assert response.status_code == 202
    await eventually(lambda: len(mailbox.messages) == 1)
    link = link_in(mailbox.messages[0])
    assert link.startswith(f"{settings.password_reset_url}?token=")
    assert "evil.example" not in mailbox.messages[0].as_string()


async def test_a_reset_sets_the_password_once_and_ends_every_session(
    client: AsyncClient,
    user: User,
    mailbox: Mailbox,
    session: AsyncSession,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = await bearer(session, user, settings)
    with caplog.at_level(logging.DEBUG):
        token = token_in(await reset_email(client, mailbox, user.email))
        assert await confirm(client, token) == (204, None)
    assert token not in caplog.text  # nor in any log line
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 401
    login = await client.post(
        "/api/v1/auth/token", data={"username": user.email, "password": NEW_PASSWORD}
    )
    assert login.status_code == 200
    # Used: refused, and the password stays.
    assert await confirm(client, token, "yet another passphrase") == (400, INVALID_TOKEN)
    # The user is told the password changed.
    await eventually(lambda: len(mailbox.to(user.email)) == 2)
    assert "password of your" in text_of(mailbox.to(user.email)[1])
    assert await session.scalar(select(PasswordReset)) is None


async def test_a_newer_reset_supersedes_an_older_one(
    client: AsyncClient, user: User, mailbox: Mailbox
) -> None:
    first = token_in(await reset_email(client, mailbox, user.email))
    second = token_in(await reset_email(client, mailbox, user.email, count=2))
    assert await confirm(client, first) == (400, INVALID_TOKEN)
    assert await confirm(client, second) == (204, None)


async def test_an_expired_token_is_refused(
    client: AsyncClient, user: User, mailbox: Mailbox, session: AsyncSession
) -> None:
    token = token_in(await reset_email(client, mailbox, user.email))
    await session.execute(update(PasswordReset).values(expires_at=utcnow()))
    await session.commit()
    assert await confirm(client, token) == (400, INVALID_TOKEN)


async def test_a_password_change_voids_a_pending_reset(
    client: AsyncClient, user: User, mailbox: Mailbox, auth_headers: dict[str, str]
) -> None:
    token = token_in(await reset_email(client, mailbox, user.email))
    changed = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=auth_headers,
    )
    assert changed.status_code == 204
    assert await confirm(client, token) == (400, INVALID_TOKEN)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"token": "unknown", "new_password": NEW_PASSWORD}, 400),
        ({"token": "unknown", "new_password": "short"}, 422),
        ({"new_password": NEW_PASSWORD}, 422),
        ({"token": "x" * 101, "new_password": NEW_PASSWORD}, 422),
    ],
    ids=["unknown-token", "short-password", "no-token", "long-token"],
)
async def test_bad_confirmations(client: AsyncClient, body: dict[str, str], status: int) -> None:
    response = await client.post(CONFIRM_URL, json=body)
    assert response.status_code == status
    if status == 400:
        assert response.json() == INVALID_TOKEN


@pytest.mark.parametrize(
    "body", [{}, {"email": "not-an-email"}, {"email": "a@example.com", "x": 1}]
)
async def test_bad_reset_requests_are_422(client: AsyncClient, body: dict[str, object]) -> None:
    assert (await client.post(REQUEST_URL, json=body)).status_code == 422


async def test_resets_are_rate_limited(settings: Settings) -> None:
    limited = settings.model_copy(update={"login_rate_limit": "2/minute"})
    async with serve(limited) as client:
        requests = [
            (await client.post(REQUEST_URL, json={"email": "a@example.com"})).status_code
            for _ in range(3)
        ]
        confirmations = [(await confirm(client, "guess"))[0] for _ in range(3)]
    assert requests == [202, 202, 429]
    assert confirmations == [400, 400, 429]
