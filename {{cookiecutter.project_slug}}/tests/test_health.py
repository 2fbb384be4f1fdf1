{% if cookiecutter.database == "postgresql" -%}
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from httpx2 import AsyncClient
from sqlalchemy import make_url, text

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.db.session import create_engine

from tests.helpers import serve

UNREACHABLE_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/unreachable"
{%- else -%}
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings

from tests.helpers import serve

UNREACHABLE_DATABASE_URL = "sqlite+aiosqlite:////nonexistent-dir/unreachable.db"
{%- endif %}


async def test_liveness(client: AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_when_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_database_down_fails_readiness_not_liveness(settings: Settings) -> None:
    unreachable = settings.model_copy(update={"database_url": UNREACHABLE_DATABASE_URL})
    async with serve(unreachable) as client:
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json() == {"detail": "Database unavailable"}
        # Endpoints that need the database answer 503 JSON too, not a traceback.
        signup = await client.post(
            "/api/v1/users", json={"email": "a@example.com", "password": "long enough"}
        )
        assert signup.status_code == 503
        assert signup.json() == {"detail": "Database unavailable"}
{%- if cookiecutter.database == "postgresql" %}


@asynccontextmanager
async def database_outage(database_url: str) -> AsyncIterator[None]:
    """Refuse new connections to the database and cut the open ones, for real, then restore."""
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres").render_as_string(hide_password=False))
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false'))
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        )
        try:
            yield
        finally:
            await connection.execute(
                text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true')
            )
    await admin.dispose()


@pytest.mark.usefixtures("user")
async def test_the_service_rides_out_a_database_outage(
    client: AsyncClient, settings: Settings, auth_headers: dict[str, str]
) -> None:
    assert (await client.get("/api/v1/items", headers=auth_headers)).status_code == 200
    async with database_outage(settings.database_url):
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json() == {"detail": "Database unavailable"}
        items = await client.get("/api/v1/items", headers=auth_headers)
        assert items.status_code == 503
        assert items.json() == {"detail": "Database unavailable"}
    # Back without a restart: stale pooled connections are noticed and replaced.
    assert (await client.get("/health/ready")).status_code == 200
    assert (await client.get("/api/v1/items", headers=auth_headers)).status_code == 200
{%- endif %}
