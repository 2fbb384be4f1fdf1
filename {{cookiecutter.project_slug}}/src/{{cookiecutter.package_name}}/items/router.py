import asyncio
from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Response, WebSocket, WebSocketDisconnect, status

from {{ cookiecutter.package_name }}.auth.dependencies import (
    CurrentUser,
    TokenClaims,
    WebSocketClaims,
    WebSocketUser,
    until_signed_out,
)
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.pagination import PageDep
from {{ cookiecutter.package_name }}.core.security import AccessClaims
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.items import service
from {{ cookiecutter.package_name }}.items.dependencies import OwnedItem
from {{ cookiecutter.package_name }}.items.events import ItemEventsDep
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.items.schemas import (
    ItemCreate,
    ItemEvent,
    ItemPage,
    ItemRead,
    ItemUpdate,
)

router = APIRouter(prefix="/items", tags=["items"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"description": "No such item among the caller's"}
}


@router.get("", response_model=ItemPage)
async def list_items(caller: TokenClaims, session: SessionDep, page: PageDep) -> ItemPage:
    """The caller's items, newest first, one page at a time."""
    items, next_cursor = await service.list_for_owner(session, caller=caller, page=page)
    return ItemPage(
        items=[ItemRead.model_validate(item) for item in items], next_cursor=next_cursor
    )


@router.post("", response_model=ItemRead, status_code=status.HTTP_201_CREATED)
async def create_item(
    data: ItemCreate, user: CurrentUser, session: SessionDep, events: ItemEventsDep
) -> Item:
    item = await service.create(session, owner_id=user.id, data=data)
    await events.publish(
        user.id, ItemEvent(type="item.created", item=ItemRead.model_validate(item))
    )
    return item


@router.get("/{item_id}", response_model=ItemRead, responses=NOT_FOUND)
async def read_item(item: OwnedItem) -> Item:
    return item


@router.patch("/{item_id}", response_model=ItemRead, responses=NOT_FOUND)
async def update_item(
    item: OwnedItem, data: ItemUpdate, session: SessionDep, events: ItemEventsDep
) -> Item:
    item = await service.update(session, item, data)
    await events.publish(
        item.owner_id, ItemEvent(type="item.updated", item=ItemRead.model_validate(item))
    )
    return item


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_item(item: OwnedItem, session: SessionDep, events: ItemEventsDep) -> Response:
    snapshot = ItemRead.model_validate(item)
    await service.delete(session, item)
    await events.publish(item.owner_id, ItemEvent(type="item.deleted", item=snapshot))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.websocket("/events")
async def item_events(
    websocket: WebSocket,
    user: WebSocketUser,
    claims: WebSocketClaims,
    events: ItemEventsDep,
    settings: SettingsDep,
) -> None:
    """Push an event for each change to the caller's items.

    Each message is `{"type": "item.created" | "item.updated" | "item.deleted", "item": {...}}`,
    or `{"type": "resync"}`: events may have been missed, fetch the items again.
    Authenticate with an `Authorization: Bearer <access token>` header or, from a browser,
    `?token=<access token>`; a missing or bad token is refused with code 1008. The socket is
    closed with 1008 once its session ends (logout, password change, deactivation...), within
    `WEBSOCKET_SESSION_CHECK_SECONDS`.
    """
    await websocket.accept()
    with events.subscribe(user.id) as queue:
        forward = asyncio.create_task(_forward(websocket, queue))
        every = settings.websocket_session_check_seconds
        watch = asyncio.create_task(_close_once_signed_out(websocket, claims, every))
        try:
            # Client messages are ignored; receiving is how a disconnect is noticed (also the one
            # that follows our close).
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            forward.cancel()
            watch.cancel()


async def _forward(websocket: WebSocket, queue: "asyncio.Queue[str]") -> None:
    with suppress(WebSocketDisconnect):  # the client left: the receive loop sees it too
        while True:
            await websocket.send_text(await queue.get())


async def _close_once_signed_out(websocket: WebSocket, claims: AccessClaims, every: float) -> None:
    await until_signed_out(websocket, claims, every)
    with suppress(WebSocketDisconnect):  # the client left meanwhile
        await websocket.close(status.WS_1008_POLICY_VIOLATION, "session ended")
