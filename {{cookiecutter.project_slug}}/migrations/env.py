"""Alembic environment: migrates through the service's own async engine and settings."""

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.db.base import UTCDateTime
from {{ cookiecutter.package_name }}.db.models import Base
from {{ cookiecutter.package_name }}.db.session import create_engine

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def database_url() -> str:
    """A URL given by the caller (tests do) wins over DATABASE_URL."""
    url = config.attributes.get("database_url")
    return str(url) if url else Settings().database_url


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as plain SQLAlchemy ones, so migrations never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(connection: Connection | None = None, url: str | None = None) -> None:
    dialect = connection.dialect.name if connection is not None else (url or "").split(":")[0]
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        # SQLite cannot ALTER most things in place: batch mode recreates the table instead.
        render_as_batch=dialect.startswith("sqlite"),
        literal_binds=connection is None,
    )


def run_sync_migrations(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_sync_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    configure(url=database_url())
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_async_migrations())
