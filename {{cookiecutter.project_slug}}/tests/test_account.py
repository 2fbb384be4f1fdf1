"""The caller's own account: profile, email and password changes, deletion."""

import pytest
from httpx2 import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import PASSWORD, Mailbox, bearer, eventually, serve, text_of

NEW_PASSWORD = "a different passphrase"
WRONG_PASSWORD = {"detail": "The current password is wrong"}
pytestmark = pytest.mark.usefixtures("worker")


async def log_in(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": email, "password": password}
    )
    body: dict[str, str] = response.json()
    return body


def headers_of(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_change_the_full_name(client: AsyncClient, auth_headers: dict[str, str]) -> None:
    response = await client.patch(
        "/api/v1/users/me", json={"full_name": "Alice L."}, headers=auth_headers
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Alice L."
    cleared = await client.patch("/api/v1/users/me", json={"full_name": None}, headers=auth_headers)
    assert cleared.json()["full_name"] is None


async def test_change_the_email_with_the_current_password(
    client: AsyncClient, user: User, auth_headers: dict[str, str], mailbox: Mailbox
) -> None:
    response = await client.patch(
        "/api/v1/users/me",
        json={"email": "Alice.New@Example.com", "current_password": PASSWORD},
        headers=auth_headers,
    )
    assert response.status_code == 200
    assert response.json()["email"] == "alice.new@example.com"
    # The old address is told; the new one can log in, the old one no longer.
    await eventually(lambda: len(mailbox.to("alice@example.com")) == 1)
    assert "changed to alice.new@example.com" in text_of(mailbox.to("alice@example.com")[0])
    assert "access_token" in await log_in(client, "alice.new@example.com")
    assert (await log_in(client, "alice@example.com"))["error"] == "invalid_grant"


async def test_an_email_change_needs_the_right_current_password(
    client: AsyncClient, user: User, auth_headers: dict[str, str], mailbox: Mailbox
) -> None:
    url = "/api/v1/users/me"
    missing = await client.patch(url, json={"email": "x@example.com"}, headers=auth_headers)
    assert missing.status_code == 422
    assert "current_password is required" in missing.text
    wrong = await client.patch(
        url,
        json={"email": "x@example.com", "current_password": "not my password"},
        headers=auth_headers,
    )
    assert (wrong.status_code, wrong.json()) == (400, WRONG_PASSWORD)
    me = await client.get("/api/v1/users/me", headers=auth_headers)
    assert me.json()["email"] == user.email
    assert mailbox.messages == []


async def test_an_email_taken_by_another_account_is_409(
    client: AsyncClient, auth_headers: dict[str, str], other_user: User
) -> None:
    response = await client.patch(
        "/api/v1/users/me",
        json={"email": other_user.email.upper(), "current_password": PASSWORD},
        headers=auth_headers,
    )
    assert response.status_code == 409


async def test_changing_the_password_ends_every_other_session(
    client: AsyncClient, user: User, mailbox: Mailbox
) -> None:
    this, other = await log_in(client, user.email), await log_in(client, user.email)
    response = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=headers_of(this),
    )
    assert response.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=headers_of(this))).status_code == 200
    assert (await client.get("/api/v1/users/me", headers=headers_of(other))).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": other["refresh_token"]},
    )
    assert refresh.status_code == 400
    assert "access_token" in await log_in(client, user.email, NEW_PASSWORD)
    assert (await log_in(client, user.email))["error"] == "invalid_grant"
    await eventually(lambda: len(mailbox.to(user.email)) == 1)
    [notice] = mailbox.to(user.email)
    assert "password of your" in text_of(notice)
    assert NEW_PASSWORD not in notice.as_string()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"current_password": "wrong password", "new_password": NEW_PASSWORD}, 400),
        ({"current_password": PASSWORD, "new_password": "short"}, 422),
        ({"current_password": PASSWORD, "new_password": "x" * 129}, 422),
        ({"new_password": NEW_PASSWORD}, 422),
    ],
    ids=["wrong-current", "too-short", "too-long", "no-current"],
)
async def test_a_refused_password_change_changes_nothing(
    client: AsyncClient,
    user: User,
    auth_headers: dict[str, str],
    mailbox: Mailbox,
    body: dict[str, str],
    status: int,
) -> None:
    response = await client.post("/api/v1/users/me/password", json=body, headers=auth_headers)
    assert response.status_code == status
    if status == 400:
        assert response.json() == WRONG_PASSWORD
    assert "access_token" in await log_in(client, user.email)
    assert mailbox.messages == []


async def test_password_guesses_are_rate_limited(
    settings: Settings, session: AsyncSession, user: User
) -> None:
    limited = settings.model_copy(update={"login_rate_limit": "2/minute"})
    headers = await bearer(session, user, limited)
    body = {"current_password": "guess", "new_password": NEW_PASSWORD}
    async with serve(limited) as client:
        statuses = [
            (await client.post("/api/v1/users/me/password", json=body, headers=headers)).status_code
            for _ in range(3)
        ]
    assert statuses == [400, 400, 429]


async def test_deleting_your_account_deletes_your_items_and_tokens(
    client: AsyncClient, user: User, other_user: User, session: AsyncSession
) -> None:
    tokens = await log_in(client, user.email)
    headers = headers_of(tokens)
    assert (
        await client.post("/api/v1/items", json={"title": "t"}, headers=headers)
    ).status_code == 201
    response = await client.delete("/api/v1/users/me", headers=headers)
    assert response.status_code == 204
    assert await session.scalar(select(func.count()).select_from(Item)) == 0
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 401
    assert (await client.get("/api/v1/items", headers=headers)).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refresh.json()["error"] == "invalid_grant"
    assert (await log_in(client, user.email))["error"] == "invalid_grant"
    assert "access_token" in await log_in(client, other_user.email)


async def test_the_last_superuser_cannot_delete_themselves(
    client: AsyncClient, user: User, session: AsyncSession, settings: Settings
) -> None:
    user.is_superuser = True
    await session.commit()
    response = await client.delete(
        "/api/v1/users/me", headers=await bearer(session, user, settings)
    )
    assert response.status_code == 409
