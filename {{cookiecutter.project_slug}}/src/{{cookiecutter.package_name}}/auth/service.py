"""Logins, sessions and their tokens (password changes and resets: auth.passwords)."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.models import RefreshToken, UserSession
from {{ cookiecutter.package_name }}.auth.schemas import Token
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import (
    AuthenticationError,
    InvalidGrantError,
)
from {{ cookiecutter.package_name }}.core.security import (
    AccessClaims,
    InvalidTokenError,
    create_access_token,
    decode_access_token,
    hash_opaque_token,
    new_opaque_token,
    verify_dummy_password,
    verify_password,
)
from {{ cookiecutter.package_name }}.db.base import utcnow
from {{ cookiecutter.package_name }}.users import service as users
from {{ cookiecutter.package_name }}.users.models import User

logger = logging.getLogger(__name__)

REFRESH_REFUSED = "Invalid or expired refresh token"

# The request's session is live and its user active. Queries that load what a request needs add
# this condition (parameters `user_id` and `session_id`), so the check costs no round trip.
SIGNED_IN = and_(
    UserSession.id == bindparam("session_id"),
    UserSession.user_id == bindparam("user_id"),
    UserSession.ended_at.is_(None),
    User.id == UserSession.user_id,
    User.is_active,
)
_SIGNED_IN_USER = select(User).join(UserSession, UserSession.user_id == User.id).where(SIGNED_IN)
_REFRESH = (
    select(RefreshToken, UserSession, User)
    .join(UserSession, UserSession.id == RefreshToken.session_id)
    .join(User, User.id == UserSession.user_id)
    .where(RefreshToken.token_hash == bindparam("token_hash"))
)
_SESSION_OF_TOKEN = select(RefreshToken.session_id).where(
    RefreshToken.token_hash == bindparam("token_hash")
)


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User:
    """Return the active user with these credentials, or raise InvalidGrantError."""
    user = await users.get_by_email(session, email)
    if user is None:
        await verify_dummy_password(password)
        raise InvalidGrantError
    if not await verify_password(password, user.hashed_password) or not user.is_active:
        raise InvalidGrantError
    return user


async def start_session(session: AsyncSession, user: User, settings: Settings) -> Token:
    """Log `user` in: a new session, and its first access and refresh tokens."""
    now = utcnow()
    # The user's sessions that can no longer refresh go, with their tokens (by cascade), so the
    # table holds about the live sessions: a token of theirs gets the same answer, unknown.
    idle_since = now - timedelta(minutes=settings.session_idle_timeout_minutes)
    await session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(
                UserSession.ended_at.is_not(None),
                UserSession.expires_at <= now,
                UserSession.last_used_at <= idle_since,
            ),
        )
    )
    user_session = UserSession(
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(minutes=settings.session_lifetime_minutes),
    )
    session.add(user_session)
    await session.flush()  # its id, for the refresh token's row and the access token
    return await _issue(session, user_session, settings)


async def _issue(session: AsyncSession, user_session: UserSession, settings: Settings) -> Token:
    """Commit a new refresh token of `user_session`; return it with a new access token.

    The access token expires with the session at the latest.
    """
    refresh_token = new_opaque_token()
    session.add(
        RefreshToken(session_id=user_session.id, token_hash=hash_opaque_token(refresh_token))
    )
    await session.commit()
    now = utcnow()
    expires_at = min(
        now + timedelta(minutes=settings.access_token_expire_minutes), user_session.expires_at
    )
    access_token = create_access_token(
        AccessClaims(user_session.user_id, user_session.id),
        secret_key=settings.secret_key.get_secret_value(),
        expires_at=expires_at,
    )
    return Token(
        access_token=access_token,
        expires_in=int((expires_at - now).total_seconds()),
        refresh_token=refresh_token,
    )


async def refresh(session: AsyncSession, refresh_token: str, settings: Settings) -> Token:
    """Exchange a refresh token for new tokens, retiring it (RFC 9700 section 4.14.2).

    A retired token presented again was copied: whoever holds the session's newest token may not
    be its user, so the whole session ends. Raise InvalidGrantError for any token that does not
    refresh.
    """
    row = (
        await session.execute(_REFRESH, {"token_hash": hash_opaque_token(refresh_token)})
    ).one_or_none()
    if row is None:
        raise InvalidGrantError(REFRESH_REFUSED)
    token, user_session, user = row
    now = utcnow()
    if user_session.ended_at is not None or not user.is_active:
        raise InvalidGrantError(REFRESH_REFUSED)
    if token.used_at is not None or not await _retire(session, token, now):
        logger.warning("Session %d ended: a retired refresh token was used again", user_session.id)
        await _end(session, user_session, now)
        raise InvalidGrantError(REFRESH_REFUSED)
    idle_since = now - timedelta(minutes=settings.session_idle_timeout_minutes)
    if now >= user_session.expires_at or user_session.last_used_at <= idle_since:
        await _end(session, user_session, now)
        raise InvalidGrantError(REFRESH_REFUSED)
    user_session.last_used_at = now
    return await _issue(session, user_session, settings)


async def _retire(session: AsyncSession, token: RefreshToken, now: datetime) -> bool:
    """Mark the token used, unless a concurrent refresh did first: one of two wins."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _end(session: AsyncSession, user_session: UserSession, now: datetime) -> None:
    user_session.ended_at = now
    await session.commit()


async def revoke(session: AsyncSession, token: str, settings: Settings) -> None:
    """End the session of a refresh or access token (RFC 7009); an unknown token ends nothing."""
    session_id = await session.scalar(_SESSION_OF_TOKEN, {"token_hash": hash_opaque_token(token)})
    if session_id is None:
        try:
            secret_key = settings.secret_key.get_secret_value()
            session_id = decode_access_token(token, secret_key=secret_key).session_id
        except InvalidTokenError:
            return
    await _end_sessions(session, UserSession.id == session_id)


async def end_user_sessions(
    session: AsyncSession, user_id: int, *, keep_session_id: int | None = None
) -> None:
    """End every session of a user, except `keep_session_id` (the caller's own) if given; commit."""
    await _end_sessions(
        session, UserSession.user_id == user_id, UserSession.id != (keep_session_id or 0)
    )


async def _end_sessions(session: AsyncSession, *where: ColumnElement[bool]) -> None:
    await session.execute(
        update(UserSession).where(UserSession.ended_at.is_(None), *where).values(ended_at=utcnow())
    )
    await session.commit()


def claims_from_token(token: str, settings: Settings) -> AccessClaims:
    """Return the user and session a valid token was issued for, or raise AuthenticationError.

    This checks the token only; whether the session is live and the user active is a query.
    """
    try:
        return decode_access_token(token, secret_key=settings.secret_key.get_secret_value())
    except InvalidTokenError as exc:
        raise AuthenticationError from exc


async def get_signed_in_user(session: AsyncSession, claims: AccessClaims) -> User:
    """Return the token's user if active and the session live, or raise AuthenticationError."""
    user = await session.scalar(_SIGNED_IN_USER, claims._asdict())
    if user is None:
        raise AuthenticationError
    return user
