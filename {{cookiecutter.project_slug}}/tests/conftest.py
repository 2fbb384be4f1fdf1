"""Fixtures: one database per test session, emptied before each test; the app, a client, a user."""

{% if cookiecutter.broker == "redis" -%}
import asyncio
{% endif -%}
{% if cookiecutter.database == "postgresql" or cookiecutter.broker == "redis" -%}
import os
import uuid
{% endif -%}
from collections.abc import AsyncIterator, Iterator
{%- if cookiecutter.broker == "redis" %}
from concurrent.futures import ThreadPoolExecutor
{%- endif %}
from pathlib import Path

import pytest
{%- if cookiecutter.broker == "redis" %}
import redis
{%- endif %}
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx2 import ASGITransport, AsyncClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import SecretStr
{%- if cookiecutter.database == "postgresql" %}
from sqlalchemy import make_url, text
{%- endif %}
from sqlalchemy.ext.asyncio import AsyncSession
{%- if cookiecutter.broker == "redis" %}
from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver
{%- endif %}

from {{ cookiecutter.package_name }}.core import security
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.db.models import Base
from {{ cookiecutter.package_name }}.db.session import create_engine
{%- if cookiecutter.broker == "redis" %}
from {{ cookiecutter.package_name }}.emails.notifier import Notifier
{%- endif %}
{%- if cookiecutter.broker == "redis" %}
from {{ cookiecutter.package_name }}.jobs.context import JobContext
from {{ cookiecutter.package_name }}.jobs.queue import create_jobs
{%- endif %}
from {{ cookiecutter.package_name }}.main import create_app
{%- if cookiecutter.ml_serving %}
from {{ cookiecutter.package_name }}.predictions import train
{%- endif %}
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import Mailbox, bearer, free_port, make_user
{%- if cookiecutter.database == "postgresql" %}


async def _create_postgres_database() -> str | None:
    """Create a throwaway database on the server DATABASE_URL points at; None if none answers."""
    server_url = make_url(Settings().database_url)
    name = f"{server_url.database or 'app'}_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url.set(database="postgres").render_as_string(hide_password=False))
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OSError:
        return None
    finally:
        await admin.dispose()
    return server_url.set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres").render_as_string(hide_password=False))
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(
                text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            )
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
async def database_url(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> AsyncIterator[str]:
    """A throwaway PostgreSQL database, or SQLite when no server answers (unless REQUIRE_POSTGRES=1)."""
    url = await _create_postgres_database()
    if url is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(
                f"REQUIRE_POSTGRES=1 but no PostgreSQL server answers at {Settings().database_url}"
            )
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    pytestconfig.stash[DATABASE_KEY] = url
    await _create_schema(url)
    yield url
    if url.startswith("postgresql"):
        await _drop_postgres_database(url)


@pytest.fixture
async def empty_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """Another throwaway database, with no tables, of the same kind as `database_url`."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    url = await _create_postgres_database()
    assert url is not None
    yield url
    await _drop_postgres_database(url)
{%- else %}


@pytest.fixture(scope="session")
async def database_url(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> str:
    """A SQLite database file for the whole test session."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    pytestconfig.stash[DATABASE_KEY] = url
    await _create_schema(url)
    return url


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """Another database, with no tables."""
    return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
{%- endif %}


DATABASE_KEY = pytest.StashKey[str]()


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    """Argon2 at its cheapest: these tests check behaviour, not the cost of hashing."""
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "password_hash", cheap)
        yield


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say which database the tests ran against."""
    url = config.stash.get(DATABASE_KEY, None)
    if url is not None:
        terminalreporter.write_line(f"database: {make_safe(url)}")


def make_safe(url: str) -> str:
    """The URL without credentials."""
    return url.split("@")[-1]


async def _create_schema(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()


{%- if cookiecutter.ml_serving %}


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The genre classifier, trained once for the session (about a second)."""
    path = tmp_path_factory.mktemp("model") / "genre-classifier.skops"
    train.build(path, version="test")
    return path
{%- endif %}


{%- if cookiecutter.broker == "redis" %}


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis at REDIS_URL: the tests skip without one, and fail when REQUIRE_REDIS=1."""
    url = Settings(_env_file=None).redis_url
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            client.ping()
    except redis.RedisError as error:
        reason = f"no Redis answers at {url} ({type(error).__name__})"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {reason}")
        pytest.skip(reason)
    return url
{%- endif %}


# Where the tests' SMTP server listens: every app the tests start sends its email there.
SMTP_HOST, SMTP_PORT = "127.0.0.1", free_port()


@pytest.fixture(autouse=True, scope="session")
def smtp_server() -> Iterator[Controller]:
    """A real SMTP server (aiosmtpd) for the whole test session."""
    controller = Controller(Mailbox(), hostname=SMTP_HOST, port=SMTP_PORT)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: Controller) -> Mailbox:
    """The SMTP server's messages, emptied before each test."""
    mailbox: Mailbox = smtp_server.handler
    mailbox.messages.clear()
    mailbox.refusals = 0
    return mailbox


@pytest.fixture
async def settings(database_url: str{% if cookiecutter.ml_serving %}, model_path: Path{% endif %}{% if cookiecutter.broker == "redis" %}, redis_url: str{% endif %}) -> Settings:
    """Test settings on an emptied database."""
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())
    await engine.dispose()
    return Settings(
        _env_file=None,
        environment="test",
        database_url=database_url,
        secret_key=SecretStr("test-secret-key-that-is-long-enough-0123456789"),
        smtp_host=SMTP_HOST,
        smtp_port=SMTP_PORT,
        smtp_security="none",
        password_reset_url="https://app.example.com/reset-password",
{%- if cookiecutter.broker == "redis" %}
        redis_url=redis_url,
        redis_key_prefix=f"test-{uuid.uuid4().hex[:12]}",  # each test its own channels and keys
{%- endif %}
{%- if cookiecutter.ml_serving %}
        model_path=str(model_path),
{%- endif %}
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with LifespanManager(app):
        yield app


{%- if cookiecutter.broker == "redis" %}


@pytest.fixture
async def worker(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """A job worker in this process, with the app's database and email."""
    jobs = create_jobs(settings, worker=True)
    jobs.use(JobContext(app.state.session_factory, Notifier(settings), settings))
    jobs.broker.is_worker_process = True
    stop = asyncio.Event()
    with ThreadPoolExecutor(1) as executor:
        receiver = Receiver(jobs.broker, executor, ack_type=AcknowledgeType.WHEN_EXECUTED)
        listening = asyncio.create_task(receiver.listen(stop))
        yield
        stop.set()
        await listening
    await jobs.broker.shutdown()
{%- else %}


@pytest.fixture
def worker() -> None:
    """Jobs run in the process that enqueues them (broker=none): there is no worker to start."""
{%- endif %}


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
async def session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    async with app.state.session_factory() as session:
        yield session


@pytest.fixture
async def user(session: AsyncSession) -> User:
    return await make_user(session)


@pytest.fixture
async def auth_headers(session: AsyncSession, user: User, settings: Settings) -> dict[str, str]:
    return await bearer(session, user, settings)


@pytest.fixture
async def other_user(session: AsyncSession) -> User:
    return await make_user(session, email="bob@example.com")


@pytest.fixture
async def other_headers(
    session: AsyncSession, other_user: User, settings: Settings
) -> dict[str, str]:
    return await bearer(session, other_user, settings)
