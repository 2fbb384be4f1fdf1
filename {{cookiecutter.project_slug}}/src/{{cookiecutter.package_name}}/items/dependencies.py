from typing import Annotated

from fastapi import Depends

from {{ cookiecutter.package_name }}.auth.dependencies import TokenClaims
from {{ cookiecutter.package_name }}.core.errors import NotFoundError
from {{ cookiecutter.package_name }}.core.types import PathId
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.items import service
from {{ cookiecutter.package_name }}.items.models import Item


async def get_owned_item(item_id: PathId, caller: TokenClaims, session: SessionDep) -> Item:
    """The caller's item; someone else's answers 404 too, so ids leak nothing.

    The query that fetches the item also checks the caller's session and account, which
    CurrentUser would do in a round trip of its own.
    """
    item = await service.get_for_owner(session, item_id=item_id, caller=caller)
    if item is None:
        raise NotFoundError("Item not found")
    return item


OwnedItem = Annotated[Item, Depends(get_owned_item)]
