"""Login attempts, limited per client address and per account with the `limits` library.

The default storage lives in the process: with several workers or instances, point
`RATE_LIMIT_STORAGE_URL` at a shared store (for example `async+redis://host:6379`).
"""

import math
import time
from typing import Annotated

from fastapi import Depends
from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import HTTPConnection

from {{ cookiecutter.package_name }}.core.errors import RateLimitedError


class LoginRateLimiter:
    def __init__(self, rate: str, storage_url: str) -> None:
        self._rate = parse(rate)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    async def hit(self, *, client: str, account: str) -> None:
        """Count one attempt, failed or not; raise RateLimitedError once either is over the rate."""
        for key in (f"client:{client}", f"account:{account}"):
            if not await self._limiter.hit(self._rate, "login", key):
                window = await self._limiter.get_window_stats(self._rate, "login", key)
                raise RateLimitedError(
                    retry_after=max(1, math.ceil(window.reset_time - time.time()))
                )


async def get_login_rate_limiter(connection: HTTPConnection) -> LoginRateLimiter:
    limiter: LoginRateLimiter = connection.app.state.login_rate_limiter
    return limiter


LoginRateLimiterDep = Annotated[LoginRateLimiter, Depends(get_login_rate_limiter)]
