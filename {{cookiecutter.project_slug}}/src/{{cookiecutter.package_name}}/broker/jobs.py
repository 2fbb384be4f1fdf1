"""Jobs on a Redis Stream: acknowledged once they have run, redelivered when a worker dies."""

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import suppress
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from taskiq import AckableMessage, BrokerMessage
from taskiq_redis import RedisStreamBroker

from {{ cookiecutter.package_name }}.broker.client import (
    COOLDOWN_SECONDS,
    RedisGuard,
    connection_options,
)
from {{ cookiecutter.package_name }}.core.config import Settings

logger = logging.getLogger(__name__)

_Entries = list[tuple[bytes, dict[bytes, bytes]]]
_Streams = list[tuple[bytes, _Entries]]

# How long a worker blocks waiting for new jobs; its reads time out a second after that, so a
# busy Redis is not taken for a dead one.
BLOCK_MS = 1000
READ_TIMEOUT_SECONDS = BLOCK_MS / 1000 + 1


class StreamBroker(RedisStreamBroker):
    """taskiq-redis' stream broker, made to enqueue within the request's timeouts and to take
    over a dead worker's jobs even while no new job arrives (upstream only looks for them
    after reading new ones)."""

    def __init__(self, settings: Settings, *, worker: bool) -> None:
        timeout = settings.redis_timeout_seconds
        options = connection_options(timeout)
        if worker:
            options["socket_timeout"] = READ_TIMEOUT_SECONDS
        super().__init__(
            settings.redis_url,
            queue_name=f"{settings.redis_key_prefix}:jobs",
            consumer_group_name="workers",
            consumer_id="0",  # a group created after jobs were enqueued still gets them
            xread_block=BLOCK_MS,
            idle_timeout=int(settings.job_redelivery_seconds * 1000),
            **options,
        )
        self._guard = RedisGuard("jobs", timeout)
        self._fetch_guard = RedisGuard("the worker", READ_TIMEOUT_SECONDS)

    async def kick(self, message: BrokerMessage) -> None:
        async def enqueue() -> bool:
            await super(StreamBroker, self).kick(message)
            return True

        if await self._guard.call("enqueue_job", enqueue) is None:
            logger.error(
                "Job %s (%s) was not enqueued: Redis is unavailable",
                message.task_name,
                message.task_id,
            )

    async def listen(self) -> AsyncGenerator[AckableMessage{% if cookiecutter.python_version != "3.13" %}, None{% endif %}]:
        """Jobs as they come; while Redis is away the worker waits for it, and never exits."""
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                entries = await self._fetch_guard.call("fetch_jobs", lambda: self._fetch(redis))
                if entries is None:
                    await asyncio.sleep(COOLDOWN_SECONDS)
                    continue
                for entry_id, fields in entries:
                    yield AckableMessage(
                        data=fields[b"data"],
                        ack=self._acknowledgement(entry_id),
                    )

    def _acknowledgement(self, entry_id: bytes) -> Callable[[], Awaitable[None]]:
        async def acknowledge() -> None:
            try:
                async with Redis(connection_pool=self.connection_pool) as redis:
                    await redis.xack(self.queue_name, self.consumer_group_name, entry_id)
            except (RedisError, OSError) as error:
                # Jobs are idempotent: running it again when it is redelivered does no harm.
                logger.warning(
                    "Job delivery %s not acknowledged (%s): it runs again in %.0f s",
                    entry_id.decode(),
                    type(error).__name__,
                    self.idle_timeout / 1000,
                )

        return acknowledge

    async def _fetch(self, redis: Redis) -> _Entries:
        # Deliveries left unacknowledged longer than idle_timeout: their worker died. XAUTOCLAIM
        # hands each to one caller only.
        try:
            _, claimed, _ = await redis.xautoclaim(
                self.queue_name,
                self.consumer_group_name,
                self.consumer_name,
                min_idle_time=self.idle_timeout,
                count=self.unacknowledged_batch_size,
            )
        except ResponseError as error:
            if not str(error).startswith("NOGROUP"):
                raise
            # Redis lost the stream and its group (a restart without persistence): make them
            # again, from the stream's first entry, which enqueues since then have added.
            logger.warning("The job stream's consumer group is gone; creating it again")
            with suppress(ResponseError):  # another worker was quicker
                await redis.xgroup_create(
                    self.queue_name, self.consumer_group_name, id="0", mkstream=True
                )
            return []
        fetched = await redis.xreadgroup(
            self.consumer_group_name,
            self.consumer_name,
            {self.queue_name: ">"},
            block=self.block,
            count=self.count,
        )
        return [*claimed, *(entry for _, entries in cast("_Streams", fetched) for entry in entries)]
