"""Password hashing and access tokens."""

from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache

from anyio import to_thread
from jose import JWTError, jwk, jwt
from jose.backends.base import Key
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


@lru_cache(maxsize=4)
def _signing_key(secret_key: str) -> Key:
    """Built once per secret: given the plain string, jose parses and builds it on every token."""
    return jwk.construct(secret_key, ALGORITHM)


def create_access_token(subject: str, *, secret_key: str, expires_in: timedelta) -> str:
    now = datetime.now(UTC)
    claims = {"sub": subject, "iat": now, "nbf": now, "exp": now + expires_in}
    return str(jwt.encode(claims, _signing_key(secret_key), algorithm=ALGORITHM))


def decode_access_token(token: str, *, secret_key: str) -> str:
    """Return the token's subject, or raise InvalidTokenError."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(secret_key),
            algorithms=[ALGORITHM],
            options={"require_exp": True, "require_sub": True},
        )
    except JWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    subject = claims.get("sub")
    if not isinstance(subject, str):
        raise InvalidTokenError("Token subject is not a string")
    return subject
