from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings

from tests.helpers import serve
{% if cookiecutter.database == "postgresql" %}
UNREACHABLE_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/unreachable"
{%- else %}
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
