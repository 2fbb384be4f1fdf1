import pytest
from fastapi import FastAPI
from httpx2 import ASGITransport, AsyncClient
from sqlalchemy.exc import DBAPIError


async def test_unknown_route_is_json_404(client: AsyncClient) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


async def test_wrong_method_is_json_405(client: AsyncClient) -> None:
    response = await client.put("/health")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}


async def test_broken_json_is_422(client: AsyncClient, auth_headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/items",
        content=b'{"title": ',
        headers=auth_headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "detail" in response.json()


async def test_unhandled_error_is_json_500_without_traceback(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "secret internals" not in response.text
    assert "x-request-id" in response.headers
    assert "x-process-time" in response.headers
    # The traceback goes to the log, tagged with the request id.
    assert "secret internals" in caplog.text


@pytest.mark.parametrize(
    ("statement", "status"),
    [(None, 503), ("SELECT broken", 500)],
    ids=["while-connecting", "a-bad-query"],
)
async def test_driver_errors_are_503_only_when_the_database_is_unreachable(
    app: FastAPI, statement: str | None, status: int
) -> None:
    @app.get("/driver-error")
    async def driver_error() -> None:
        raise DBAPIError(statement, None, Exception("driver says no"))

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/driver-error")
    assert response.status_code == status
    assert "driver says no" not in response.text


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"title=x", "application/x-www-form-urlencoded"),
        (b'{"title": "x"}', "text/plain"),
        (b"", ""),
    ],
    ids=["form", "text", "none"],
)
async def test_a_body_that_is_not_json_is_4xx_json(
    client: AsyncClient, auth_headers: dict[str, str], content: bytes, content_type: str
) -> None:
    headers = auth_headers | ({"Content-Type": content_type} if content_type else {})
    response = await client.post("/api/v1/items", content=content, headers=headers)
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()
