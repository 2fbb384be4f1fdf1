import pytest
from httpx2 import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.pagination import encode_cursor
from {{ cookiecutter.package_name }}.users.models import User

pytestmark = pytest.mark.usefixtures("user")


async def create(
    client: AsyncClient, headers: dict[str, str], title: str = "Buy milk"
) -> dict[str, object]:
    response = await client.post(
        "/api/v1/items", json={"title": title, "description": "2 litres"}, headers=headers
    )
    assert response.status_code == 201
    body: dict[str, object] = response.json()
    return body


async def test_create_item(client: AsyncClient, user: User, auth_headers: dict[str, str]) -> None:
    item = await create(client, auth_headers)
    assert item["title"] == "Buy milk"
    assert item["description"] == "2 litres"
    assert item["owner_id"] == user.id
    assert {"id", "created_at", "updated_at"} <= item.keys()


async def test_read_item(client: AsyncClient, auth_headers: dict[str, str]) -> None:
    item = await create(client, auth_headers)
    response = await client.get(f"/api/v1/items/{item['id']}", headers=auth_headers)
    assert response.status_code == 200
    assert response.json() == item


async def test_update_item_changes_only_what_is_sent(
    client: AsyncClient, auth_headers: dict[str, str]
) -> None:
    item = await create(client, auth_headers)
    response = await client.patch(
        f"/api/v1/items/{item['id']}", json={"title": "Buy oat milk"}, headers=auth_headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Buy oat milk"
    assert body["description"] == "2 litres"
    assert body["updated_at"] >= body["created_at"]


async def test_delete_item(client: AsyncClient, auth_headers: dict[str, str]) -> None:
    item = await create(client, auth_headers)
    response = await client.delete(f"/api/v1/items/{item['id']}", headers=auth_headers)
    assert response.status_code == 204
    assert response.content == b""
    assert (
        await client.get(f"/api/v1/items/{item['id']}", headers=auth_headers)
    ).status_code == 404


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_someone_elses_item_is_404(
    client: AsyncClient, auth_headers: dict[str, str], other_headers: dict[str, str], method: str
) -> None:
    item = await create(client, auth_headers)
    response = await client.request(
        method, f"/api/v1/items/{item['id']}", json={}, headers=other_headers
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}
    assert (
        await client.get(f"/api/v1/items/{item['id']}", headers=auth_headers)
    ).status_code == 200


@pytest.mark.parametrize("item_id", ["999999", "0", "-1", "99999999999999999999", "abc"])
async def test_missing_or_invalid_item_id(
    client: AsyncClient, auth_headers: dict[str, str], item_id: str
) -> None:
    response = await client.get(f"/api/v1/items/{item_id}", headers=auth_headers)
    assert response.status_code == (404 if item_id == "999999" else 422)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": ""},
        {"title": "x" * 201},
        {"title": 5},
        {"title": "ok", "owner_id": 1},
        {"title": "nul\u0000byte"},
    ],
    ids=["missing-title", "empty-title", "long-title", "wrong-type", "unknown-field", "nul-char"],
)
async def test_create_invalid_item_is_422(
    client: AsyncClient, auth_headers: dict[str, str], payload: dict[str, object]
) -> None:
    response = await client.post("/api/v1/items", json=payload, headers=auth_headers)
    assert response.status_code == 422


async def test_update_invalid_item_is_422(
    client: AsyncClient, auth_headers: dict[str, str]
) -> None:
    item = await create(client, auth_headers)
    response = await client.patch(
        f"/api/v1/items/{item['id']}", json={"title": ""}, headers=auth_headers
    )
    assert response.status_code == 422


async def test_update_with_a_null_title_is_422(
    client: AsyncClient, auth_headers: dict[str, str]
) -> None:
    """A title may be left out of a PATCH, but the column is required: null is invalid input."""
    item = await create(client, auth_headers)
    path = f"/api/v1/items/{item['id']}"
    response = await client.patch(path, json={"title": None}, headers=auth_headers)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "title"]]
    cleared = await client.patch(path, json={"description": None}, headers=auth_headers)
    assert cleared.status_code == 200
    assert (cleared.json()["title"], cleared.json()["description"]) == (item["title"], None)


async def test_update_schema_says_title_is_never_null(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["ItemUpdate"]
    assert schema["properties"]["title"]["type"] == "string"
    assert "default" not in schema["properties"]["title"]
    assert {"type": "null"} in schema["properties"]["description"]["anyOf"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/items"),
        ("POST", "/api/v1/items"),
        ("GET", "/api/v1/items/1"),
        ("DELETE", "/api/v1/items/1"),
    ],
)
async def test_items_require_a_token(client: AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={"title": "x"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_list_pages_through_own_items_newest_first(
    client: AsyncClient, auth_headers: dict[str, str], other_headers: dict[str, str]
) -> None:
    created = [await create(client, auth_headers, title=f"item {n}") for n in range(5)]
    await create(client, other_headers, title="not mine")

    seen: list[object] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/api/v1/items", params=params, headers=auth_headers)
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [item["title"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [item["title"] for item in reversed(created)]
    assert pages == 3


async def test_list_defaults(client: AsyncClient, auth_headers: dict[str, str]) -> None:
    response = await client.get("/api/v1/items", headers=auth_headers)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"cursor": "!!!"},
        {"cursor": "Zm9v"},
        {"cursor": "Ð=ñ"},
    ],
    ids=[
        "limit-0",
        "limit-101",
        "limit-text",
        "cursor-garbage",
        "cursor-foreign",
        "cursor-non-ascii",
    ],
)
async def test_list_rejects_bad_limit_or_cursor(
    client: AsyncClient, auth_headers: dict[str, str], params: dict[str, str | int]
) -> None:
    response = await client.get("/api/v1/items", params=params, headers=auth_headers)
    assert response.status_code == 422
    assert "detail" in response.json()


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_a_deactivated_owner_gets_401_on_their_item(
    client: AsyncClient,
    user: User,
    session: AsyncSession,
    auth_headers: dict[str, str],
    method: str,
) -> None:
    item = await create(client, auth_headers)
    user.is_active = False
    await session.commit()
    response = await client.request(
        method, f"/api/v1/items/{item['id']}", json={}, headers=auth_headers
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("items", [0, 1], ids=["without items", "with items"])
async def test_a_deactivated_owner_gets_401_on_their_list(
    client: AsyncClient,
    user: User,
    session: AsyncSession,
    auth_headers: dict[str, str],
    items: int,
) -> None:
    for _ in range(items):
        await create(client, auth_headers)
    user.is_active = False
    await session.commit()
    response = await client.get("/api/v1/items", headers=auth_headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_page_past_the_oldest_item_is_empty(
    client: AsyncClient, auth_headers: dict[str, str]
) -> None:
    await create(client, auth_headers)
    first = (await client.get("/api/v1/items", params={"limit": 1}, headers=auth_headers)).json()
    oldest = first["items"][0]["id"]
    response = await client.get(
        "/api/v1/items", params={"cursor": encode_cursor(oldest)}, headers=auth_headers
    )
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
