"""Items: every query is scoped to its owner."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.items.pagination import Page, encode_cursor
from {{ cookiecutter.package_name }}.items.schemas import ItemCreate, ItemUpdate


async def create(session: AsyncSession, *, owner_id: int, data: ItemCreate) -> Item:
    item = Item(owner_id=owner_id, **data.model_dump())
    session.add(item)
    await session.commit()
    return item


async def get_for_owner(session: AsyncSession, *, item_id: int, owner_id: int) -> Item | None:
    return await session.scalar(select(Item).where(Item.id == item_id, Item.owner_id == owner_id))


async def list_for_owner(
    session: AsyncSession, *, owner_id: int, page: Page
) -> tuple[list[Item], str | None]:
    """Return one page of the owner's items, newest first, and the cursor of the next page."""
    query = select(Item).where(Item.owner_id == owner_id)
    if page.after_id is not None:
        query = query.where(Item.id < page.after_id)
    # One row more than asked tells whether another page exists, without a COUNT.
    rows = list(await session.scalars(query.order_by(Item.id.desc()).limit(page.limit + 1)))
    if len(rows) > page.limit:
        return rows[: page.limit], encode_cursor(rows[page.limit - 1].id)
    return rows, None


async def update(session: AsyncSession, item: Item, data: ItemUpdate) -> Item:
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    await session.commit()
    return item


async def delete(session: AsyncSession, item: Item) -> None:
    await session.delete(item)
    await session.commit()
