"""Item changes, fanned out to their owner's WebSocket subscribers.

`ItemEvents` reaches the sockets of this process only, which is all there is with broker=none
(the service refuses to start several processes then). broker=redis publishes through Redis
(broker/events.py), so that a change made on any process reaches the owner's sockets on all.
"""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from {{ cookiecutter.package_name }}.items.schemas import ItemEvent

# Tells a client to fetch its items again: it may have missed events.
RESYNC = '{"type":"resync"}'
# A subscriber that falls this far behind is dropped from delivery rather than grow memory.
_QUEUE_SIZE = 100


class ItemEvents:
    """Queues of JSON text, one per socket: each event is serialised once, not once per socket."""

    def __init__(self) -> None:
        self._queues: defaultdict[int, set[asyncio.Queue[str]]] = defaultdict(set)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """What delivery needs while the app runs: nothing, within one process."""
        yield

    @contextmanager
    def subscribe(self, owner_id: int) -> Iterator[asyncio.Queue[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self._queues[owner_id].add(queue)
        try:
            yield queue
        finally:
            self._queues[owner_id].discard(queue)
            if not self._queues[owner_id]:
                del self._queues[owner_id]

    async def publish(self, owner_id: int, event: ItemEvent) -> None:
        """Call once the change has committed."""
        self.deliver(owner_id, event.model_dump_json())

    def deliver(self, owner_id: int, message: str) -> None:
        for queue in self._queues.get(owner_id, ()):
            if not queue.full():
                queue.put_nowait(message)

    def deliver_to_all(self, message: str) -> None:
        for owner_id in list(self._queues):
            self.deliver(owner_id, message)


async def get_item_events(connection: HTTPConnection) -> ItemEvents:
    events: ItemEvents = connection.app.state.item_events
    return events


ItemEventsDep = Annotated[ItemEvents, Depends(get_item_events)]
