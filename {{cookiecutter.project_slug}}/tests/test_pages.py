import re

import pytest
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.core.config import PROJECT_NAME, Settings

from tests.helpers import serve


async def test_landing_page(client: AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for text in (
        PROJECT_NAME,
        __version__,
        "test",
        'href="/docs"',
        'href="/redoc"',
        'href="/health"',
    ):
        assert text in response.text
    stylesheet = re.search(r'href="([^"]+\.css)"', response.text)
    assert stylesheet is not None
    assert (await client.get(stylesheet.group(1))).status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_load_every_asset_from_the_service(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by the service"
        assert (await client.get(asset)).status_code == 200


async def test_openapi_schema(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["info"]["title"] == PROJECT_NAME
    assert "/api/v1/items/{item_id}" in schema["paths"]
    assert schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"][
        "tokenUrl"
    ] == ("/api/v1/auth/token")


async def test_swagger_oauth2_redirect_page(client: AsyncClient) -> None:
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_docs_can_be_disabled(settings: Settings, path: str) -> None:
    async with serve(settings.model_copy(update={"docs_enabled": False})) as client:
        response = await client.get(path)
        assert response.status_code == 404
        assert (await client.get("/")).status_code == 200
