"""Login attempts counted in Redis, so that every process counts against one limit."""

from limits import RateLimitItem, WindowStats
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from {{ cookiecutter.package_name }}.broker.client import RedisGuard
from {{ cookiecutter.package_name }}.core.config import Settings


class SharedAttemptCounter:
    """Counts each attempt in Redis and in this process's memory.

    An attempt is allowed only if both allow it. While Redis does not answer, the memory alone
    decides: limiting never fails open, and it keeps the attempts this process saw before the
    outage. Shared counting resumes with the first call after Redis returns.
    """

    def __init__(self, settings: Settings) -> None:
        timeout = settings.redis_timeout_seconds
        storage = RedisStorage(
            f"async+{settings.redis_url}",
            implementation="redispy",
            key_prefix=f"{settings.redis_key_prefix}:limits",
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
        self._shared = MovingWindowRateLimiter(storage)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._guard = RedisGuard("login limits", timeout)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        local = await self._local.hit(item, *identifiers)
        shared = await self._guard.call("rate_limit", lambda: self._shared.hit(item, *identifiers))
        return local and shared is not False

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        shared = await self._guard.call(
            "rate_limit", lambda: self._shared.get_window_stats(item, *identifiers)
        )
        return shared or await self._local.get_window_stats(item, *identifiers)
