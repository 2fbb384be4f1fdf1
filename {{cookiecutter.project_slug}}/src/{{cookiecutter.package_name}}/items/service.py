"""Items: every query is scoped to its owner."""

from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.models import UserSession
from {{ cookiecutter.package_name }}.auth.service import SIGNED_IN
from {{ cookiecutter.package_name }}.core.errors import AuthenticationError
from {{ cookiecutter.package_name }}.core.pagination import Page, next_cursor
from {{ cookiecutter.package_name }}.core.security import AccessClaims
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.items.schemas import ItemCreate, ItemUpdate
from {{ cookiecutter.package_name }}.users.models import User

# The read queries are built once, with bound parameters. SQLAlchemy finds a query's compiled SQL
# by a key it works out from the statement and keeps on it, so running the same statement object
# again skips building the query and working out that key: a good part of a request's cost.
# Each checks the caller's session and account (SIGNED_IN) too, which would otherwise cost a
# round trip of its own.
_OWNED_ITEM = (
    select(UserSession.id, Item)
    .join(User, User.id == UserSession.user_id)
    .outerjoin(Item, (Item.owner_id == User.id) & (Item.id == bindparam("item_id")))
    .where(SIGNED_IN)
)
# Uncorrelated, so databases evaluate it once per query.
_SIGNED_IN = exists().where(SIGNED_IN)
_IS_SIGNED_IN = select(_SIGNED_IN)
# The caller's items, newest first, from the (owner_id, id) index.
_PAGE = (
    select(Item)
    .where(Item.owner_id == bindparam("user_id"), _SIGNED_IN)
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
    session: AsyncSession, *, item_id: int, caller: AccessClaims
) -> Item | None:
    """The caller's item with this id, if any; raise AuthenticationError unless signed in.

    One round trip checks the session and finds the item.
    """
    params = {"item_id": item_id, **caller._asdict()}
    row = (await session.execute(_OWNED_ITEM, params)).one_or_none()
    if row is None:
        raise AuthenticationError
    return row[1]


async def list_for_owner(
    session: AsyncSession, *, caller: AccessClaims, page: Page
) -> tuple[list[Item], str | None]:
    """Return one page of the caller's items, newest first, and the cursor of the next page.

    The caller's session is checked by the same query; only an empty page costs a second one, to
    tell a caller with nothing (more) to list from one no longer signed in, which raises
    AuthenticationError.
    """
    params: dict[str, Any] = {"limit": page.fetch, **caller._asdict()}
    query = _PAGE
    if page.after_id is not None:
        query = _PAGE_AFTER
        params["after_id"] = page.after_id
    rows = list(await session.scalars(query, params))
    if not rows and not await session.scalar(_IS_SIGNED_IN, caller._asdict()):
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
