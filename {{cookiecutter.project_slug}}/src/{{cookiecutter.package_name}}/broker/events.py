"""Item events through Redis pub/sub: a change made on any process reaches its owner's sockets
on every process. Each process holds one subscription, to every owner's channel."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from {{ cookiecutter.package_name }}.broker.client import RedisGuard, create_redis
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.items.events import RESYNC, ItemEvents
from {{ cookiecutter.package_name }}.items.schemas import ItemEvent

logger = logging.getLogger(__name__)

# An idle subscription is pinged this often; one that hears nothing for two rounds is replaced
# (a Redis that stopped answering does not always close the connection).
PING_SECONDS = 1.0
RECONNECT_SECONDS = 1.0


class RedisItemEvents(ItemEvents):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._timeout = settings.redis_timeout_seconds
        self._publisher = create_redis(settings)
        # The subscription waits for messages as long as it takes: no read timeout on it.
        self._subscriber = Redis.from_url(settings.redis_url, socket_connect_timeout=self._timeout)
        self._channels = f"{settings.redis_key_prefix}:item-events:"
        self._guard = RedisGuard("item events", self._timeout)
        self._live = False
        self._first_subscription = asyncio.Event()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        relay = asyncio.create_task(self._relay_forever())
        # Serve with the subscription live if Redis answers soon; without Redis, serve anyway.
        with suppress(TimeoutError):
            async with asyncio.timeout(self._timeout * 4):
                await self._first_subscription.wait()
        try:
            yield
        finally:
            relay.cancel()
            with suppress(asyncio.CancelledError):
                await relay
            await self._publisher.aclose()
            await self._subscriber.aclose()

    @contextmanager
    def subscribe(self, owner_id: int) -> Iterator[asyncio.Queue[str]]:
        with super().subscribe(owner_id) as queue:
            if self._live:  # from now on nothing is missed: the client can fetch its items
                queue.put_nowait(RESYNC)
            yield queue

    async def publish(self, owner_id: int, event: ItemEvent) -> None:
        message = event.model_dump_json()
        sent = await self._guard.call(
            "publish_event",
            lambda: self._publisher.publish(f"{self._channels}{owner_id}", message),
        )
        if sent is None:  # Redis is down: at least this process's sockets hear of it
            logger.warning("Item event for owner %d not published: Redis is unavailable", owner_id)
            self.deliver(owner_id, message)

    async def _relay_forever(self) -> None:
        while True:
            try:
                async with self._subscriber.pubsub() as pubsub:
                    await self._relay(pubsub)
            except (RedisError, OSError, TimeoutError) as error:
                if self._live:
                    logger.error("Item events lost Redis (%s); retrying", type(error).__name__)
                self._live = False
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _relay(self, pubsub: PubSub) -> None:
        async with asyncio.timeout(self._timeout * 4):
            await pubsub.psubscribe(f"{self._channels}*")
            while await pubsub.get_message(timeout=self._timeout) is None:
                pass  # the subscription's confirmation
        self._live = True
        self._first_subscription.set()
        logger.info("Item events: subscribed through Redis")
        # Whatever was published while this process was not subscribed is lost to its sockets.
        self.deliver_to_all(RESYNC)
        heard = time.monotonic()
        while True:
            message = await pubsub.get_message(timeout=PING_SECONDS)
            if message is not None:
                heard = time.monotonic()
                if message["type"] == "pmessage":
                    owner_id = int(message["channel"].rsplit(b":", 1)[1])
                    self.deliver(owner_id, message["data"].decode())
            elif time.monotonic() - heard > 2 * PING_SECONDS:
                raise TimeoutError("the subscription went silent")
            else:
                await pubsub.ping()
