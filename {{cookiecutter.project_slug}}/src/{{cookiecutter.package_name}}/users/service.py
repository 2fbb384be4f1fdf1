"""Users: creation and look-up."""

from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.errors import ConflictError
from {{ cookiecutter.package_name }}.core.security import hash_password
from {{ cookiecutter.package_name }}.db.base import utcnow
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import UserCreate


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively: store and look them up in lower case."""
    return email.strip().lower()


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalize_email(email)))


async def create(session: AsyncSession, data: UserCreate) -> User:
    """Create a user; raise ConflictError if the email is taken."""
    user = User(
        email=normalize_email(data.email),
        hashed_password=await hash_password(data.password.get_secret_value()),
        full_name=data.full_name,
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as exc:  # the unique index decides, so concurrent sign-ups are safe
        await session.rollback()
        raise ConflictError("A user with this email already exists") from exc
    return user


class Recipient(NamedTuple):
    email: str
    full_name: str | None


async def claim_welcome(session: AsyncSession, user_id: int) -> Recipient | None:
    """Mark an active user welcomed, unless already welcomed; the row stays locked until commit."""
    row = (
        await session.execute(
            update(User)
            .where(User.id == user_id, User.welcomed_at.is_(None), User.is_active)
            .values(welcomed_at=utcnow())
            .returning(User.email, User.full_name)
        )
    ).one_or_none()
    return None if row is None else Recipient(*row)
