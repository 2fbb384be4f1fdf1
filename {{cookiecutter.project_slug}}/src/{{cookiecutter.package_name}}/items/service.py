"""Items: every query is scoped to its owner."""

from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.errors import AuthenticationError
from {{ cookiecutter.package_name }}.core.pagination import Page, next_cursor
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.items.schemas import ItemCreate, ItemUpdate
from {{ cookiecutter.package_name }}.users.models import User

# The read queries are built once, with bound parameters. SQLAlchemy finds a query's compiled SQL
# by a key it works out from the statement and keeps on it, so running the same statement object
# again skips building the query and working out that key: a good part of a request's cost.
_OWNED_ITEM = (
    select(User.is_active, Item)
    .outerjoin(Item, (Item.owner_id == User.id) & (Item.id == bindparam("item_id")))
    .where(User.id == bindparam("owner_id"))
)
# Whether the owner is an active user: uncorrelated, so databases evaluate it once per query.
_ACTIVE_OWNER = exists().where(User.id == bindparam("owner_id"), User.is_active)
_IS_ACTIVE_OWNER = select(_ACTIVE_OWNER)
# An active owner's items, newest first, from the (owner_id, id) index.
_PAGE = (
    select(Item)
    .where(Item.owner_id == bindparam("owner_id"), _ACTIVE_OWNER)
    .order_by(Item.id.desc())
    .limit(bindparam("limit"))
)
_PAGE_AFTER = _PAGE.where(Item.id < bindparam("after_id"))


async def create(session: AsyncSession, *, owner_id: int, data: ItemCreate) -> Item:
    item = Item(owner_id=owner_id, **data.model_dump())
    session.add(item)
    await session.commit()
    return item


async def get_for_owner(
    session: AsyncSession, *, item_id: int, owner_id: int
) -> tuple[bool, Item | None]:
    """Whether the owner is an active user, and their item with this id, in one round trip."""
    params = {"item_id": item_id, "owner_id": owner_id}
    row = (await session.execute(_OWNED_ITEM, params)).one_or_none()
    if row is None:
        return False, None
    return row[0], row[1]


async def list_for_owner(
    session: AsyncSession, *, owner_id: int, page: Page
) -> tuple[list[Item], str | None]:
    """Return one page of the owner's items, newest first, and the cursor of the next page.

    The owner's account is checked by the same query; only an empty page costs a second one, to
    tell an owner with nothing (more) to list from a missing or deactivated one, which raises
    AuthenticationError.
    """
    params: dict[str, Any] = {"owner_id": owner_id, "limit": page.fetch}
    query = _PAGE
    if page.after_id is not None:
        query = _PAGE_AFTER
        params["after_id"] = page.after_id
    rows = list(await session.scalars(query, params))
    if not rows and not await session.scalar(_IS_ACTIVE_OWNER, {"owner_id": owner_id}):
        raise AuthenticationError
    return rows[: page.limit], next_cursor(rows, page)


async def update(session: AsyncSession, item: Item, data: ItemUpdate) -> Item:
    for field, value in data.model_dump().items():
        setattr(item, field, value)
    await session.commit()
    return item


async def delete(session: AsyncSession, item: Item) -> None:
    await session.delete(item)
    await session.commit()
