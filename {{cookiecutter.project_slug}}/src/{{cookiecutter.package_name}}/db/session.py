"""The engine, the session factory and the `SessionDep` dependency."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.requests import HTTPConnection

# A writer waits for SQLite's lock as long as a request waits for a pooled connection
# (SQLAlchemy's 30 s): a burst of writers on a busy machine can queue for more than 5 s.
BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL lets readers work while one writer writes; the busy timeout makes writers queue
    # instead of failing with "database is locked"; SQLite leaves foreign keys off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# Connections kept open for one worker's concurrent requests. SQLAlchemy's default (5, and up to
# 10 more that are closed as soon as they are returned) makes a busy worker open and close a
# connection for most requests, which costs more than the query.
POOL_SIZE = 20
# Younger than the idle timeouts of servers and proxies, so a connection is rarely found dead.
POOL_RECYCLE_SECONDS = 1800


def create_engine(database_url: str) -> AsyncEngine:
    """Create the app's engine; it connects lazily, on first use.

    No pre-ping, which would cost every request a round trip: a connection the server dropped
    fails its request with a 503 (see core.errors), and SQLAlchemy then replaces every pooled
    connection of that age, so the next request gets a fresh one.
    """
    engine = create_async_engine(
        database_url,
        pool_size=POOL_SIZE,
        pool_recycle=POOL_RECYCLE_SECONDS,
        # Errors (and so logs) show the SQL without its parameters: emails, password hashes.
        hide_parameters=True,
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit: with async IO there is no lazy refresh.
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """One session per request, closed (and rolled back if uncommitted) at the end."""
    factory: async_sessionmaker[AsyncSession] = connection.app.state.session_factory
    async with factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
