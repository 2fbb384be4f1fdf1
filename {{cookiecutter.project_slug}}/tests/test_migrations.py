"""The migrations build exactly the schema the models describe, and undo it."""

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from {{ cookiecutter.package_name }}.db.models import Base
from {{ cookiecutter.package_name }}.db.session import create_engine

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config(database_url: str) -> Config:
    config = Config(ALEMBIC_INI)
    config.attributes["database_url"] = database_url
    return config


def schema_differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def inspect_database(database_url: str, check: Callable[[Connection], object]) -> object:
    async def run() -> object:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(check)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_upgrade_matches_the_models_and_downgrade_undoes_it(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "head")
    assert inspect_database(empty_database_url, schema_differences) == []
    command.downgrade(alembic_config(empty_database_url), "base")
    assert inspect_database(empty_database_url, table_names) == {"alembic_version"}
