"""Login and token checks."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.schemas import Token
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import (
    AuthenticationError,
    InvalidGrantError,
)
from {{ cookiecutter.package_name }}.core.security import (
    InvalidTokenError,
    create_access_token,
    decode_access_token,
    verify_dummy_password,
    verify_password,
)
from {{ cookiecutter.package_name }}.users import service as users
from {{ cookiecutter.package_name }}.users.models import User


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User:
    """Return the active user with these credentials, or raise InvalidGrantError."""
    user = await users.get_by_email(session, email)
    if user is None:
        await verify_dummy_password(password)
        raise InvalidGrantError
    if not await verify_password(password, user.hashed_password) or not user.is_active:
        raise InvalidGrantError
    return user


def issue_token(user: User, settings: Settings) -> Token:
    expires_in = timedelta(minutes=settings.access_token_expire_minutes)
    token = create_access_token(
        str(user.id), secret_key=settings.secret_key.get_secret_value(), expires_in=expires_in
    )
    return Token(access_token=token, expires_in=int(expires_in.total_seconds()))


def user_id_from_token(token: str, settings: Settings) -> int:
    """Return the id of the user a valid token was issued to, or raise AuthenticationError.

    This checks the token only; whether that user still exists and is active is a query.
    """
    try:
        subject = decode_access_token(token, secret_key=settings.secret_key.get_secret_value())
        return int(subject)
    except (InvalidTokenError, ValueError) as exc:
        raise AuthenticationError from exc


async def get_active_user(session: AsyncSession, user_id: int) -> User:
    """Return the user with this id if it exists and is active, or raise AuthenticationError."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise AuthenticationError
    return user


async def user_from_token(session: AsyncSession, token: str, settings: Settings) -> User:
    """Return the active user a token was issued to, or raise AuthenticationError."""
    return await get_active_user(session, user_id_from_token(token, settings))
