"""In-process fan-out of item changes to their owner's WebSocket subscribers.

This reaches sockets served by the same process only. With several workers or instances,
publish through a broker (Redis pub/sub, PostgreSQL LISTEN/NOTIFY) instead.
"""

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from {{ cookiecutter.package_name }}.items.schemas import ItemEvent

# A subscriber that falls this far behind is dropped from delivery rather than grow memory.
_QUEUE_SIZE = 100


class ItemEvents:
    def __init__(self) -> None:
        self._queues: defaultdict[int, set[asyncio.Queue[ItemEvent]]] = defaultdict(set)

    @contextmanager
    def subscribe(self, owner_id: int) -> Iterator[asyncio.Queue[ItemEvent]]:
        queue: asyncio.Queue[ItemEvent] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self._queues[owner_id].add(queue)
        try:
            yield queue
        finally:
            self._queues[owner_id].discard(queue)
            if not self._queues[owner_id]:
                del self._queues[owner_id]

    def publish(self, owner_id: int, event: ItemEvent) -> None:
        for queue in self._queues.get(owner_id, ()):
            if not queue.full():
                queue.put_nowait(event)


async def get_item_events(connection: HTTPConnection) -> ItemEvents:
    events: ItemEvents = connection.app.state.item_events
    return events


ItemEventsDep = Annotated[ItemEvents, Depends(get_item_events)]
