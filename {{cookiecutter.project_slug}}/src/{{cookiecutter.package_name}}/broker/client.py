"""Redis clients with short timeouts, and the guard that keeps a Redis outage off the requests."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from {{ cookiecutter.package_name }}.core.config import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

REDIS_FAILURES = Counter(
    "redis_failures",
    "Redis operations that failed or were skipped while Redis was unavailable.",
    ["operation"],
)

# After a failure, Redis is left alone this long: an outage costs a request one timeout every
# few seconds per process, not one per request.
COOLDOWN_SECONDS = 3.0


def connection_options(timeout: float) -> dict[str, Any]:
    """Options for every Redis connection on a request's path: short timeouts, one retry."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), retries=1),
    }


def create_redis(settings: Settings) -> "Redis":
    return Redis.from_url(settings.redis_url, **connection_options(settings.redis_timeout_seconds))


class RedisGuard:
    """Runs Redis calls within a deadline; after a failure, skips Redis for COOLDOWN_SECONDS."""

    def __init__(self, name: str, timeout: float) -> None:
        self._name = name
        # Enough to connect and answer, not enough to slow a request down much.
        self._deadline = timeout * 2
        self._retry_at = 0.0
        self._down = False

    async def call(self, operation: str, call: Callable[[], Awaitable[T]]) -> T | None:
        """The call's result, or None when Redis failed or is being left alone (logged, counted)."""
        if time.monotonic() < self._retry_at:
            REDIS_FAILURES.labels(operation).inc()
            return None
        try:
            async with asyncio.timeout(self._deadline):
                result = await call()
        except (RedisError, OSError, TimeoutError) as error:
            REDIS_FAILURES.labels(operation).inc()
            self._retry_at = time.monotonic() + COOLDOWN_SECONDS
            if not self._down:
                self._down = True
                logger.error(
                    "Redis is unavailable to %s (%s); retrying every %.0f s",
                    self._name,
                    type(error).__name__,
                    COOLDOWN_SECONDS,
                )
            return None
        if self._down:
            self._down = False
            logger.warning("Redis is available again to %s", self._name)
        return result
