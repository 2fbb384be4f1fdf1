"""Password changes and resets: each ends sessions, and voids a pending reset link."""

from datetime import timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.models import PasswordReset
from {{ cookiecutter.package_name }}.auth.service import end_user_sessions
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import InvalidResetTokenError, WrongPasswordError
from {{ cookiecutter.package_name }}.core.security import (
    hash_opaque_token,
    hash_password,
    new_opaque_token,
    verify_password,
)
from {{ cookiecutter.package_name }}.db.base import utcnow
from {{ cookiecutter.package_name }}.users import service as users
from {{ cookiecutter.package_name }}.users.models import User

_RESET = (
    select(PasswordReset, User)
    .join(User, User.id == PasswordReset.user_id)
    .where(PasswordReset.token_hash == bindparam("token_hash"))
)


async def change_password(
    session: AsyncSession, user: User, *, current: str, new: str, keep_session_id: int
) -> None:
    """Set a new password, given the current one; every other session of the user ends.

    Raise WrongPasswordError if `current` is wrong.
    """
    if not await verify_password(current, user.hashed_password):
        raise WrongPasswordError
    await _set_password(session, user, new)
    await end_user_sessions(session, user.id, keep_session_id=keep_session_id)


async def _set_password(session: AsyncSession, user: User, password: str) -> None:
    """Change the hash; a pending reset link no longer works (it was for the old password)."""
    user.hashed_password = await hash_password(password)
    await session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))


async def start_password_reset(
    session: AsyncSession, email: str, request_id: str, settings: Settings
) -> tuple[User, str] | None:
    """A reset token for the active account with this email, superseding older ones; None if
    there is no such account, or this request has its token already.

    Stored as a hash, uncommitted: the caller commits once the email is sent.
    """
    user = await users.get_by_email(session, email)
    if user is None or not user.is_active:
        return None
    # Writes first, so that two deliveries of one request queue: on SQLite the delete waits for
    # the other's write lock, on PostgreSQL the insert waits on the other's uncommitted row; the
    # second keeps the first's token and fails on the one-reset-a-user key. It sends nothing.
    await session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.request_id != request_id
        )
    )
    token = new_opaque_token()
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=hash_opaque_token(token),
            request_id=request_id,
            expires_at=utcnow() + timedelta(minutes=settings.password_reset_expire_minutes),
        )
    )
    try:
        await session.flush()
    except IntegrityError:  # this request's token, or a concurrent request's, is pending
        await session.rollback()
        return None
    return user, token


async def reset_password(session: AsyncSession, token: str, new_password: str) -> User:
    """Set a new password with a reset token, which is then used up; every session ends.

    Raise InvalidResetTokenError for a used, superseded, expired or unknown token.
    """
    token_hash = hash_opaque_token(token)
    row = (await session.execute(_RESET, {"token_hash": token_hash})).one_or_none()
    if row is None:
        raise InvalidResetTokenError
    reset, user = row
    if reset.expires_at <= utcnow() or not user.is_active:
        raise InvalidResetTokenError
    # Deleted only if still there: of two requests with one token, one resets.
    used = await session.execute(
        delete(PasswordReset).where(PasswordReset.token_hash == token_hash)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        raise InvalidResetTokenError
    await _set_password(session, user, new_password)
    await end_user_sessions(session, user.id)
    return user
