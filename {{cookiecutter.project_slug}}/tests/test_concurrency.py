"""Many requests at once through the real ASGI app: nothing lost, nothing duplicated."""

import asyncio

from httpx2 import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.items.models import Item

from tests.helpers import PASSWORD, bearer, make_user


async def test_concurrent_item_creation_keeps_every_row(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    users = [await make_user(session, email=f"user{n}@example.com") for n in range(10)]
    headers = [await bearer(session, user, settings) for user in users]

    async def create(n: int) -> int:
        response = await client.post(
            "/api/v1/items", json={"title": f"item {n}"}, headers=headers[n % len(users)]
        )
        assert response.status_code == 201, response.text
        return int(response.json()["owner_id"])

    owners = await asyncio.gather(*(create(n) for n in range(200)))

    rows = (
        await session.execute(select(Item.owner_id, func.count()).group_by(Item.owner_id))
    ).all()
    assert sum(count for _, count in rows) == 200
    assert dict(rows) == {user.id: 20 for user in users}
    assert sorted(owners) == sorted(user.id for user in users for _ in range(20))


async def test_concurrent_signups_with_one_email_create_one_user(client: AsyncClient) -> None:
    async def sign_up() -> int:
        response = await client.post(
            "/api/v1/users", json={"email": "race@example.com", "password": PASSWORD}
        )
        return response.status_code

    statuses = await asyncio.gather(*(sign_up() for _ in range(20)))
    assert sorted(statuses) == [201] + [409] * 19
