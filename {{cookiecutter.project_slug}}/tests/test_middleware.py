import uuid

import pytest
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings

from tests.helpers import serve


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health", 200),
        ("GET", "/nowhere", 404),
        ("DELETE", "/health", 405),
        ("GET", "/api/v1/users/me", 401),
    ],
)
async def test_every_response_has_request_id_and_process_time(
    client: AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert uuid.UUID(response.headers["x-request-id"])
    assert float(response.headers["x-process-time"]) >= 0


async def test_a_sane_caller_request_id_is_echoed(client: AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123.def_4"})
    assert response.headers["x-request-id"] == "abc-123.def_4"


@pytest.mark.parametrize("bad", ["x" * 200, "has space", "semi;colon", ""])
async def test_an_insane_request_id_is_replaced(client: AsyncClient, bad: str) -> None:
    response = await client.get("/health", headers={"X-Request-ID": bad})
    assert response.headers["x-request-id"] != bad
    assert uuid.UUID(response.headers["x-request-id"])


async def test_cors_allows_configured_origins_only(settings: Settings) -> None:
    allowed = settings.model_copy(update={"cors_origins": ["https://app.example.com"]})
    async with serve(allowed) as client:
        ok = await client.get("/health", headers={"Origin": "https://app.example.com"})
        assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
        denied = await client.get("/health", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in denied.headers

        preflight = await client.options(
            "/api/v1/items",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
        assert "x-request-id" in preflight.headers


async def test_a_413_carries_cors_headers(settings: Settings) -> None:
    """A browser can read why its upload was refused."""
    allowed = settings.model_copy(update={"cors_origins": ["https://app.example.com"]})
    too_large = b"x" * (settings.max_body_bytes + 1)
    async with serve(allowed) as client:
        response = await client.post(
            "/api/v1/users", content=too_large, headers={"Origin": "https://app.example.com"}
        )
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "x-request-id" in response.headers


async def test_cors_allows_nothing_by_default(client: AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in response.headers
