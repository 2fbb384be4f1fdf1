"""Password hashing, access tokens and opaque (refresh, reset) tokens."""

import hashlib
import secrets
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import NamedTuple

from anyio import to_thread
from jose import JWTError, jwk, jwt
from jose.backends.base import Key
from pwdlib import PasswordHash

# One pinned algorithm: tokens signed any other way (including "none") are rejected.
ALGORITHM = "HS256"

password_hash = PasswordHash.recommended()  # Argon2id


class InvalidTokenError(Exception):
    """The token is malformed, expired, tampered with or missing its subject or session."""


class AccessClaims(NamedTuple):
    """Whom an access token was issued to, in which session."""

    user_id: int
    session_id: int


async def hash_password(password: str) -> str:
    """Hash off the event loop: Argon2 is deliberately slow."""
    return await to_thread.run_sync(password_hash.hash, password)


async def verify_password(password: str, hashed: str) -> bool:
    return await to_thread.run_sync(password_hash.verify, password, hashed)


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most used passwords (11,611 of 8 characters or more), lower-cased.

    Imported on first use, not with this module: the lists are 0.8 MB of Python that only
    REJECT_COMMON_PASSWORDS needs (the app's lifespan loads them then, off the event loop).
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common_password(password: str) -> bool:
    """Whether it is among the passwords tried first by anyone guessing (OWASP ASVS 6.2.4)."""
    return password.lower() in common_passwords()


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


def create_access_token(claims: AccessClaims, *, secret_key: str, expires_at: datetime) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id),
        "sid": claims.session_id,
        "iat": now,
        "nbf": now,
        "exp": expires_at,
    }
    return str(jwt.encode(payload, _signing_key(secret_key), algorithm=ALGORITHM))


def decode_access_token(token: str, *, secret_key: str) -> AccessClaims:
    """Return the token's user and session, or raise InvalidTokenError."""
    try:
        payload = jwt.decode(
            token,
            _signing_key(secret_key),
            algorithms=[ALGORITHM],
            options={"require_exp": True, "require_sub": True},
        )
        subject, session_id = payload["sub"], payload.get("sid")
        if not isinstance(session_id, int) or isinstance(session_id, bool):
            raise InvalidTokenError("Token has no session")
        return AccessClaims(int(subject), session_id)
    except (JWTError, ValueError) as exc:  # ValueError: a subject that is not a user id
        raise InvalidTokenError(str(exc)) from exc


def new_opaque_token() -> str:
    """A token that means nothing but itself: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    """What the database keeps of an opaque token: random tokens need no salt or stretching."""
    return hashlib.sha256(token.encode()).hexdigest()
