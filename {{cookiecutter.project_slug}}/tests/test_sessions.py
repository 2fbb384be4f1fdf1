"""Sessions: refresh tokens that rotate, reuse that ends the session, revocation, lifetimes."""

import asyncio
import json
import logging
from datetime import timedelta

import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from httpx2 import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from {{ cookiecutter.package_name }}.auth.models import RefreshToken, UserSession
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.db.base import utcnow
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import PASSWORD, process_env, serve, server

TOKEN_URL = "/api/v1/auth/token"
REVOKE_URL = "/api/v1/auth/revoke"
INVALID_REFRESH = {
    "error": "invalid_grant",
    "error_description": "Invalid or expired refresh token",
    "detail": "Invalid or expired refresh token",
}


async def log_in(client: AsyncClient, user: User) -> dict[str, str]:
    response = await client.post(TOKEN_URL, data={"username": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def refresh(client: AsyncClient, refresh_token: str) -> tuple[int, dict[str, str]]:
    response = await client.post(
        TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
    return response.status_code, response.json()


async def me(client: AsyncClient, tokens: dict[str, str]) -> int:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    return (await client.get("/api/v1/users/me", headers=headers)).status_code


async def test_a_refresh_token_is_exchanged_once_for_new_tokens(
    client: AsyncClient, user: User, session: AsyncSession
) -> None:
    response = await client.post(TOKEN_URL, data={"username": user.email, "password": PASSWORD})
    assert response.headers["cache-control"] == "no-store"
    first = response.json()
    status, second = await refresh(client, first["refresh_token"])
    assert status == 200
    assert second["token_type"] == "bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert await me(client, second) == 200
    status, third = await refresh(client, second["refresh_token"])
    assert status == 200
    assert await me(client, third) == 200
    # Only hashes are stored.
    stored = set(await session.scalars(select(RefreshToken.token_hash)))
    assert len(stored) == 3
    assert not stored & {first["refresh_token"], second["refresh_token"], third["refresh_token"]}


async def test_reuse_of_a_retired_refresh_token_ends_the_session(
    client: AsyncClient, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    first = await log_in(client, user)
    _, second = await refresh(client, first["refresh_token"])
    other_session = await log_in(client, user)
    with caplog.at_level(logging.INFO):
        assert await refresh(client, first["refresh_token"]) == (400, INVALID_REFRESH)
    assert "a retired refresh token was used again" in caplog.text
    assert first["refresh_token"] not in caplog.text
    # The newest token of that session stops working too, and so do its access tokens.
    assert await refresh(client, second["refresh_token"]) == (400, INVALID_REFRESH)
    assert await me(client, second) == 401
    # Other sessions of the user go on.
    assert await me(client, other_session) == 200


async def test_one_of_two_concurrent_refreshes_wins(client: AsyncClient, user: User) -> None:
    tokens = await log_in(client, user)
    results = await asyncio.gather(*(refresh(client, tokens["refresh_token"]) for _ in range(2)))
    assert sorted(status for status, _ in results) == [200, 400]


@pytest.mark.parametrize(
    "refresh_token", ["", "not-a-token", "\x00"], ids=["empty", "unknown", "nul"]
)
async def test_unknown_refresh_tokens_are_invalid_grant(
    client: AsyncClient, refresh_token: str
) -> None:
    status, body = await refresh(client, refresh_token)
    if refresh_token:
        assert (status, body) == (400, INVALID_REFRESH)
    else:
        assert status == 422


async def test_an_idle_session_ends(
    client: AsyncClient, user: User, session: AsyncSession, settings: Settings
) -> None:
    tokens = await log_in(client, user)
    idle = timedelta(minutes=settings.session_idle_timeout_minutes, seconds=1)
    await session.execute(update(UserSession).values(last_used_at=utcnow() - idle))
    await session.commit()
    assert await refresh(client, tokens["refresh_token"]) == (400, INVALID_REFRESH)


async def test_a_session_ends_at_its_lifetime_whatever_the_refreshes(
    client: AsyncClient, user: User, session: AsyncSession
) -> None:
    tokens = await log_in(client, user)
    await session.execute(update(UserSession).values(expires_at=utcnow()))
    await session.commit()
    assert await refresh(client, tokens["refresh_token"]) == (400, INVALID_REFRESH)


async def test_access_tokens_expire_with_their_session(settings: Settings, user: User) -> None:
    short = settings.model_copy(update={"session_lifetime_minutes": 1})
    async with serve(short) as client:
        tokens = await log_in(client, user)
    assert 0 < int(tokens["expires_in"]) <= 60


async def test_a_login_clears_the_users_dead_sessions(
    client: AsyncClient, user: User, other_user: User, session: AsyncSession
) -> None:
    revoked = await log_in(client, user)
    assert (await client.post(REVOKE_URL, data={"token": revoked["refresh_token"]})).is_success
    others = await log_in(client, other_user)
    assert (await client.post(REVOKE_URL, data={"token": others["refresh_token"]})).is_success
    live = await log_in(client, user)
    sessions = list(await session.scalars(select(UserSession).order_by(UserSession.id)))
    # The other user's ended session stays until they log in; the user's own is gone.
    assert [(s.user_id, s.ended_at is None) for s in sessions] == [
        (other_user.id, False),
        (user.id, True),
    ]
    assert len(list(await session.scalars(select(RefreshToken)))) == 2
    assert await me(client, live) == 200


async def test_a_deactivated_user_cannot_refresh(
    client: AsyncClient, user: User, session: AsyncSession
) -> None:
    tokens = await log_in(client, user)
    user.is_active = False
    await session.commit()
    assert await refresh(client, tokens["refresh_token"]) == (400, INVALID_REFRESH)


async def test_refreshes_are_rate_limited(settings: Settings) -> None:
    limited = settings.model_copy(update={"login_rate_limit": "2/minute"})
    async with serve(limited) as client:
        statuses = [(await refresh(client, "guess"))[0] for _ in range(3)]
    assert statuses == [400, 400, 429]


@pytest.mark.parametrize(
    "data",
    [{"grant_type": "refresh_token"}, {"grant_type": "client_credentials"}],
    ids=["no-refresh-token", "unsupported-grant"],
)
async def test_malformed_token_requests_are_422(client: AsyncClient, data: dict[str, str]) -> None:
    response = await client.post(TOKEN_URL, data=data)
    assert response.status_code == 422


async def test_revoking_a_refresh_token_ends_its_session(
    client: AsyncClient, user: User, session: AsyncSession
) -> None:
    tokens = await log_in(client, user)
    item = await client.post(
        "/api/v1/items",
        json={"title": "kept"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert item.status_code == 201
    response = await client.post(REVOKE_URL, data={"token": tokens["refresh_token"]})
    assert response.status_code == 200
    assert response.content == b""
    assert await refresh(client, tokens["refresh_token"]) == (400, INVALID_REFRESH)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    # Every route checks the session, including those that load it with their data.
    assert await me(client, tokens) == 401
    assert (await client.get("/api/v1/items", headers=headers)).status_code == 401
    url = f"/api/v1/items/{item.json()['id']}"
    assert (await client.get(url, headers=headers)).status_code == 401
    assert (await session.scalar(select(UserSession.ended_at))) is not None


async def test_revoking_an_access_token_ends_its_session(client: AsyncClient, user: User) -> None:
    tokens = await log_in(client, user)
    response = await client.post(
        REVOKE_URL, data={"token": tokens["access_token"], "token_type_hint": "access_token"}
    )
    assert response.status_code == 200
    assert await me(client, tokens) == 401
    assert await refresh(client, tokens["refresh_token"]) == (400, INVALID_REFRESH)


async def test_revoking_an_unknown_token_is_200(client: AsyncClient, user: User) -> None:
    tokens = await log_in(client, user)
    for token in ("unknown", tokens["access_token"][:-4] + "AAAA"):
        response = await client.post(REVOKE_URL, data={"token": token})
        assert response.status_code == 200
    assert await me(client, tokens) == 200
    assert (await client.post(REVOKE_URL, data={})).status_code == 422


async def test_a_real_oauth2_client_logs_in_refreshes_and_revokes(
    settings: Settings, user: User
) -> None:
    """authlib's OAuth2 client, against the service running in uvicorn."""
    async with server(process_env(settings)) as (client, _):
        base_url = str(client.base_url)
        async with AsyncOAuth2Client(
            client_id="cli", token_endpoint_auth_method="none", base_url=base_url
        ) as oauth:
            token = await oauth.fetch_token(
                base_url + TOKEN_URL, username=user.email, password=PASSWORD
            )
            assert (await oauth.get("/api/v1/users/me")).json()["email"] == user.email
            refreshed = await oauth.refresh_token(
                base_url + TOKEN_URL, refresh_token=token["refresh_token"]
            )
            assert refreshed["refresh_token"] != token["refresh_token"]
            assert (await oauth.get("/api/v1/users/me")).status_code == 200
            revoked = await oauth.revoke_token(  # type: ignore[no-untyped-call]
                base_url + REVOKE_URL,
                token=refreshed["refresh_token"],
                token_type_hint="refresh_token",
            )
            assert revoked.status_code == 200
            assert (await oauth.get("/api/v1/users/me")).status_code == 401


async def test_an_open_websocket_is_closed_once_its_session_ends(
    settings: Settings, user: User
) -> None:
    """The socket of a revoked session closes with 1008; the same user's other session's stays."""
    async with server(process_env(settings, WEBSOCKET_SESSION_CHECK_SECONDS="0.2")) as (client, _):
        ended, kept = await log_in(client, user), await log_in(client, user)
        url = f"{client.base_url}/api/v1/items/events".replace("http", "ws", 1)

        async def receive(socket: ClientConnection) -> object:
            return json.loads(await asyncio.wait_for(socket.recv(), 10))

        def bearer(tokens: dict[str, str]) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens['access_token']}"}

        async with (
            connect(url, additional_headers=bearer(ended)) as ended_socket,
            connect(url, additional_headers=bearer(kept)) as kept_socket,
        ):
{%- if cookiecutter.broker == "redis" %}
            for socket in (ended_socket, kept_socket):  # subscribed: nothing is missed from now on
                assert await receive(socket) == {"type": "resync"}
{%- endif %}
            revoked = await client.post(REVOKE_URL, data={"token": ended["refresh_token"]})
            assert revoked.status_code == 200
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ended_socket)
            assert closed.value.rcvd is not None
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "session ended")
            created = await client.post("/api/v1/items", json={"title": "x"}, headers=bearer(kept))
            assert await receive(kept_socket) == {"type": "item.created", "item": created.json()}
