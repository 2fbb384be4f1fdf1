"""Administration commands: `python -m {{ cookiecutter.package_name }} create-superuser EMAIL`."""

import argparse
import asyncio
import getpass
import os
import sys

from pydantic import EmailStr, SecretStr, TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import CommonPasswordError
from {{ cookiecutter.package_name }}.db.session import create_engine, create_session_factory
from {{ cookiecutter.package_name }}.users import service as users
from {{ cookiecutter.package_name }}.users.schemas import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    UserCreate,
)

# The exit status of a command refused for its input, as argparse exits on bad usage.
USAGE_ERROR = 2


class CommandError(Exception):
    """Input the command cannot act on: its message is printed, and the command exits with 2."""


def read_password() -> str:
    """SUPERUSER_PASSWORD, else a prompt (twice) on a terminal."""
    password = os.environ.get("SUPERUSER_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise CommandError("set SUPERUSER_PASSWORD, or run the command in a terminal to be asked")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise CommandError("the passwords do not match")
    return password


async def create_superuser(email: str) -> str:
    """Promote the account with this email, or create it; return what was done."""
    try:
        email = TypeAdapter(EmailStr).validate_python(email)
    except ValidationError as exc:
        raise CommandError(f"{email!r} is not a valid email address") from exc
    settings = Settings()
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            user = await users.get_by_email(session, email)
            if user is not None:
                was = "already" if user.is_superuser and user.is_active else "now"
                await users.promote(session, user)
                return f"{user.email} is {was} a superuser"
            try:
                data = UserCreate(email=email, password=SecretStr(read_password()))
            except ValidationError as exc:  # the email is valid: the password is not
                raise CommandError(
                    f"the password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} "
                    "characters"
                ) from exc
            try:
                users.check_new_password(data.password, "password", settings)
            except CommonPasswordError as exc:
                raise CommandError("the password is one of the most used: choose another") from exc
            user = await users.create(session, data)
            await users.promote(session, user)
            return f"created the superuser {user.email}"
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m {{ cookiecutter.package_name }}")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create-superuser",
        help="create a superuser, or promote an existing account",
        description="Create a superuser, or promote the account with this email. The password "
        "of a new account comes from SUPERUSER_PASSWORD, else from a prompt.",
    )
    create.add_argument("email")
    args = parser.parse_args(argv)
    try:
        print(asyncio.run(create_superuser(args.email)))
    except CommandError as exc:
        print(f"{parser.prog} {args.command}: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except DBAPIError as exc:
        print(
            f"{parser.prog} {args.command}: the database refused the command (is it up, and "
            f"migrated with `alembic upgrade head`?): {exc.orig}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
