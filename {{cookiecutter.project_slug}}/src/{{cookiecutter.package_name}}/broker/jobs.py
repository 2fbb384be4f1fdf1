"""Jobs on a Redis Stream: acknowledged once they have run, redelivered when a worker dies."""

import logging
from collections.abc import AsyncGenerator
from typing import cast

from redis.asyncio import Redis
from taskiq import AckableMessage, BrokerMessage
from taskiq_redis import RedisStreamBroker

from {{ cookiecutter.package_name }}.broker.client import RedisGuard, connection_options
from {{ cookiecutter.package_name }}.core.config import Settings

logger = logging.getLogger(__name__)

_Streams = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]

# How long a worker blocks waiting for new jobs; its read timeout must be longer.
BLOCK_MS = 1000


class StreamBroker(RedisStreamBroker):
    """taskiq-redis' stream broker, made to enqueue within the request's timeouts and to take
    over a dead worker's jobs even while no new job arrives (upstream only looks for them
    after reading new ones)."""

    def __init__(self, settings: Settings, *, worker: bool) -> None:
        timeout = settings.redis_timeout_seconds
        options = connection_options(timeout)
        if worker:
            options["socket_timeout"] = BLOCK_MS / 1000 + timeout
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
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                # Deliveries left unacknowledged longer than idle_timeout: their worker died.
                # XAUTOCLAIM hands each to one caller only.
                _, claimed, _ = await redis.xautoclaim(
                    self.queue_name,
                    self.consumer_group_name,
                    self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=self.unacknowledged_batch_size,
                )
                fetched = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=self.block,
                    count=self.count,
                )
                new = [entry for _, entries in cast("_Streams", fetched) for entry in entries]
                for entry_id, fields in [*claimed, *new]:
                    yield AckableMessage(
                        data=fields[b"data"],
                        ack=self._ack_generator(id=entry_id, queue_name=self.queue_name),
                    )
