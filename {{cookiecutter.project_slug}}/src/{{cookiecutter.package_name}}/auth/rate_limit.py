"""Logins, refreshes and resets, limited per client address and per account with `limits`.

With broker=none attempts are counted in the process's memory, which is all there is; with
broker=redis in Redis, shared by every process (broker/limits.py).
"""

import math
import time
from typing import Annotated, Protocol

from fastapi import Depends
from limits import RateLimitItem, WindowStats, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection, Request

from {{ cookiecutter.package_name }}.core.errors import RateLimitedError


class AttemptCounter(Protocol):
    """What LoginRateLimiter needs of a `limits` rate limiter."""

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class LoginRateLimiter:
    """LOGIN_RATE_LIMIT per kind of attempt (its `action`), each counted apart."""

    def __init__(self, rate: str, counter: AttemptCounter | None = None) -> None:
        self._rate = parse(rate)
        self._counter = counter or MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, action: str, *, client: str, account: str) -> None:
        """Count one attempt, failed or not; raise RateLimitedError once either is over the rate."""
        for key in (f"client:{client}", f"account:{account}"):
            if not await self._counter.hit(self._rate, action, key):
                window = await self._counter.get_window_stats(self._rate, action, key)
                raise RateLimitedError(
                    retry_after=max(1, math.ceil(window.reset_time - time.time()))
                )


def client_address(request: Request) -> str:
    """The caller's address (the proxy's, unless uvicorn runs with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


async def get_login_rate_limiter(connection: HTTPConnection) -> LoginRateLimiter:
    limiter: LoginRateLimiter = connection.app.state.login_rate_limiter
    return limiter


LoginRateLimiterDep = Annotated[LoginRateLimiter, Depends(get_login_rate_limiter)]
