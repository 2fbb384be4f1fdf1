from datetime import UTC, datetime, timedelta

import pytest
from httpx2 import AsyncClient
from jose import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.security import ALGORITHM
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import PASSWORD

INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "Incorrect email or password",
    "detail": "Incorrect email or password",
}


async def login(client: AsyncClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    return response.status_code, response.json()


async def test_login_returns_a_bearer_token(
    client: AsyncClient, user: User, settings: Settings
) -> None:
    status, body = await login(client, user.email, PASSWORD)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_expire_minutes * 60
    claims = jwt.decode(
        str(body["access_token"]), settings.secret_key.get_secret_value(), algorithms=[ALGORITHM]
    )
    assert claims["sub"] == str(user.id)
    assert isinstance(claims["sid"], int)
    assert len(str(body["refresh_token"])) >= 43  # 256 bits, base64


async def test_login_email_is_case_insensitive(client: AsyncClient, user: User) -> None:
    status, _ = await login(client, user.email.upper(), PASSWORD)
    assert status == 200


async def test_token_opens_protected_routes(client: AsyncClient, user: User) -> None:
    _, body = await login(client, user.email, PASSWORD)
    response = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert response.status_code == 200


async def test_wrong_password_and_unknown_email_answer_the_same(
    client: AsyncClient, user: User
) -> None:
    assert await login(client, user.email, "wrong password!") == (400, INVALID_GRANT)
    assert await login(client, "nobody@example.com", PASSWORD) == (400, INVALID_GRANT)


async def test_inactive_user_cannot_log_in(
    client: AsyncClient, user: User, session: AsyncSession
) -> None:
    user.is_active = False
    await session.commit()
    assert await login(client, user.email, PASSWORD) == (400, INVALID_GRANT)


@pytest.mark.parametrize("data", [{"username": "a@example.com"}, {"password": "x"}, {}])
async def test_malformed_login_form_is_422(client: AsyncClient, data: dict[str, str]) -> None:
    response = await client.post("/api/v1/auth/token", data=data)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "data",
    [
        {"username": "\x00", "password": "\xff"},
        {"username": "alice\x00@example.com", "password": PASSWORD},
        {"username": "alice@example.com", "password": "\x00"},
    ],
    ids=["nul-username", "nul-in-email", "nul-password"],
)
async def test_nul_in_the_login_form_is_a_client_error(
    client: AsyncClient, user: User, data: dict[str, str]
) -> None:
    """PostgreSQL cannot store NUL: text bound for a query is checked before it gets there."""
    response = await client.post("/api/v1/auth/token", data=data)
    assert response.status_code in (400, 422), response.text
    assert "detail" in response.json()


async def test_raw_nul_bytes_in_the_login_body(client: AsyncClient) -> None:
    """The form as a fuzzer sends it: percent-encoded NUL and a byte that is not UTF-8."""
    response = await client.post(
        "/api/v1/auth/token",
        content=b"username=%00&password=%FF",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 422), response.text


def token(settings: Settings, user_id: int, **overrides: object) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=5)}
    claims.update(overrides)
    claims = {key: value for key, value in claims.items() if value is not None}
    return str(jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM))


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(
            lambda s, uid: token(s, uid, exp=datetime.now(UTC) - timedelta(seconds=1)), id="expired"
        ),
        pytest.param(
            lambda s, uid: token(s, uid, nbf=datetime.now(UTC) + timedelta(minutes=1)),
            id="not-yet-valid",
        ),
        pytest.param(lambda s, uid: token(s, uid, sub=None), id="no-subject"),
        pytest.param(lambda s, uid: token(s, uid, sub="not-a-number"), id="bad-subject"),
        pytest.param(lambda s, uid: token(s, 999_999, sid=1), id="unknown-user"),
        pytest.param(lambda s, uid: token(s, uid), id="no-session"),
        pytest.param(lambda s, uid: token(s, uid, sid="1"), id="session-not-a-number"),
        pytest.param(lambda s, uid: token(s, uid, sid=999_999), id="unknown-session"),
        pytest.param(
            lambda s, uid: jwt.encode(
                {"sub": str(uid)}, "another-key-another-key-another-key", algorithm=ALGORITHM
            ),
            id="other-key",
        ),
        pytest.param(lambda s, uid: token(s, uid)[:-4] + "AAAA", id="tampered-signature"),
        pytest.param(lambda s, uid: "garbage", id="garbage"),
        pytest.param(lambda s, uid: "a.b", id="two-segments"),
    ],
)
async def test_bad_tokens_are_401(
    client: AsyncClient, user: User, settings: Settings, make_token: object
) -> None:
    assert callable(make_token)
    response = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {make_token(settings, user.id)}"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "Could not validate credentials"}


async def test_token_of_deactivated_user_is_401(
    client: AsyncClient, user: User, session: AsyncSession, auth_headers: dict[str, str]
) -> None:
    user.is_active = False
    await session.commit()
    response = await client.get("/api/v1/users/me", headers=auth_headers)
    assert response.status_code == 401
