"""Password hashing and access tokens."""

from datetime import UTC, datetime, timedelta
from functools import cache

from anyio import to_thread
from jose import JWTError, jwt
from pwdlib import PasswordHash

# One pinned algorithm: tokens signed any other way (including "none") are rejected.
ALGORITHM = "HS256"

password_hash = PasswordHash.recommended()  # Argon2id


class InvalidTokenError(Exception):
    """The token is malformed, expired, tampered with or missing its subject."""


async def hash_password(password: str) -> str:
    """Hash off the event loop: Argon2 is deliberately slow."""
    return await to_thread.run_sync(password_hash.hash, password)


async def verify_password(password: str, hashed: str) -> bool:
    return await to_thread.run_sync(password_hash.verify, password, hashed)


@cache
def _dummy_hash() -> str:
    return password_hash.hash("dummy password, never matches")


async def verify_dummy_password(password: str) -> None:
    """Spend the time a real check takes, so a missing user cannot be told by timing."""
    await verify_password(password, _dummy_hash())


def create_access_token(subject: str, *, secret_key: str, expires_in: timedelta) -> str:
    now = datetime.now(UTC)
    claims = {"sub": subject, "iat": now, "nbf": now, "exp": now + expires_in}
    return str(jwt.encode(claims, secret_key, algorithm=ALGORITHM))


def decode_access_token(token: str, *, secret_key: str) -> str:
    """Return the token's subject, or raise InvalidTokenError."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            options={"require_exp": True, "require_sub": True},
        )
    except JWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    subject = claims.get("sub")
    if not isinstance(subject, str):
        raise InvalidTokenError("Token subject is not a string")
    return subject
