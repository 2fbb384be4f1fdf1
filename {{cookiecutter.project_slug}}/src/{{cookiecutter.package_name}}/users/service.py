"""Users: sign-up, look-up and administration."""

from typing import NamedTuple

from pydantic import SecretStr
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import (
    CommonPasswordError,
    ConflictError,
    WrongPasswordError,
)
from {{ cookiecutter.package_name }}.core.pagination import Page, next_cursor
from {{ cookiecutter.package_name }}.core.security import (
    hash_password,
    is_common_password,
    verify_password,
)
from {{ cookiecutter.package_name }}.db.base import utcnow
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import UserAdminUpdate, UserCreate, UserUpdate

# Every user, newest first (the keyset pages of GET /users).
_PAGE = select(User).order_by(User.id.desc()).limit(bindparam("limit"))
_PAGE_AFTER = _PAGE.where(User.id < bindparam("after_id"))
# The active superusers, locked until commit: two superusers demoting each other at once are
# taken one after the other, so the second sees that the first is no longer one.
_ACTIVE_SUPERUSERS = (
    select(User.id).where(User.is_superuser, User.is_active).order_by(User.id).with_for_update()
)


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively: store and look them up in lower case."""
    return email.strip().lower()


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalize_email(email)))


def check_new_password(password: SecretStr, field: str, settings: Settings) -> None:
    """Raise CommonPasswordError for one of the most used passwords, if the settings refuse them."""
    if settings.reject_common_passwords and is_common_password(password.get_secret_value()):
        raise CommonPasswordError(field)


async def create(session: AsyncSession, data: UserCreate) -> User:
    """Create a user; raise ConflictError if the email is taken."""
    user = User(
        email=normalize_email(data.email),
        hashed_password=await hash_password(data.password.get_secret_value()),
        full_name=data.full_name,
    )
    session.add(user)
    await _commit_email(session)
    return user


async def _commit_email(session: AsyncSession) -> None:
    """Commit a new or changed email; raise ConflictError if another account has it."""
    try:
        await session.commit()
    except IntegrityError as exc:  # the unique index decides, so concurrent requests are safe
        await session.rollback()
        raise ConflictError("A user with this email already exists") from exc


async def update_profile(session: AsyncSession, user: User, data: UserUpdate) -> str | None:
    """Apply the caller's changes to their account; return the old email if it changed.

    Raise WrongPasswordError if a new email comes with a wrong current password.
    """
    changes = data.model_dump(exclude={"current_password"})
    new_email = normalize_email(changes.pop("email", user.email))
    old_email = None
    if new_email != user.email:
        password = data.current_password  # UserUpdate requires it with an email
        if not (
            isinstance(password, SecretStr)
            and await verify_password(password.get_secret_value(), user.hashed_password)
        ):
            raise WrongPasswordError
        old_email, user.email = user.email, new_email
    for field, value in changes.items():
        setattr(user, field, value)
    await _commit_email(session)
    return old_email


async def list_page(session: AsyncSession, page: Page) -> tuple[list[User], str | None]:
    """Return one page of every user, newest first, and the cursor of the next page."""
    if page.after_id is None:
        rows = list(await session.scalars(_PAGE, {"limit": page.fetch}))
    else:
        rows = list(
            await session.scalars(_PAGE_AFTER, {"limit": page.fetch, "after_id": page.after_id})
        )
    return rows[: page.limit], next_cursor(rows, page)


async def _keep_a_superuser(session: AsyncSession, user: User) -> None:
    """Raise ConflictError if `user` is the last active superuser, who is about to stop being one."""
    if not (user.is_superuser and user.is_active):
        return
    superusers = set(await session.scalars(_ACTIVE_SUPERUSERS))
    if not superusers - {user.id}:
        raise ConflictError("The last active superuser cannot be removed, demoted or deactivated")


async def administer(session: AsyncSession, user: User, data: UserAdminUpdate) -> User:
    """Apply a superuser's changes to an account; the last active superuser stays one."""
    changes = data.model_dump()
    if changes.get("is_active") is False or changes.get("is_superuser") is False:
        await _keep_a_superuser(session, user)
    for field, value in changes.items():
        setattr(user, field, value)
    await session.commit()
    return user


async def delete(session: AsyncSession, user: User) -> None:
    """Delete an account and, by cascade, everything it owns; never the last active superuser."""
    await _keep_a_superuser(session, user)
    await session.delete(user)
    await session.commit()


async def promote(session: AsyncSession, user: User) -> None:
    """Make `user` an active superuser (idempotent)."""
    user.is_superuser = True
    user.is_active = True
    await session.commit()


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
