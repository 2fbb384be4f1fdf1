"""The service's Prometheus metrics, and the text a scrape of `/metrics` gets.

With several worker processes, set `PROMETHEUS_MULTIPROC_DIR` to an empty folder shared by
them (prometheus-client's multiprocess mode): every process then writes its values there, and
a scrape answered by any one of them adds up all of them.
"""

import os
from collections.abc import Callable
from functools import cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "CONTENT_TYPE_LATEST",
    "latest",
    "record_pool",
    "record_request",
    "request_finished",
    "request_started",
]

# Read as prometheus-client reads it when imported: it then keeps every value in those files.
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ

# Labels hold route templates and known methods only: a raw path or id would make a series per
# request and exhaust Prometheus' memory.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "WEBSOCKET"})

HTTP_REQUESTS = Counter("http_requests", "HTTP requests answered.", ["method", "route", "status"])
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to its response's end.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_REQUESTS_IN_PROGRESS = Gauge(
    "http_requests_in_progress", "HTTP requests being served.", multiprocess_mode="livesum"
)
WEBSOCKETS_OPEN = Gauge(
    "websocket_connections_open", "WebSocket connections open.", multiprocess_mode="livesum"
)
DB_POOL_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)


# Requests in progress, in one process: a plain int the gauge reads when scraped. The gauge's own
# inc and dec check its labels and take its lock, twice a request (the event loop's one thread is
# the only writer). Several processes write the gauge itself: a scrape adds up their files.
_in_progress = 0


def _started() -> None:
    global _in_progress
    _in_progress += 1


def _finished() -> None:
    global _in_progress
    _in_progress -= 1


request_started: Callable[[], None]
request_finished: Callable[[], None]
if MULTIPROCESS:
    request_started, request_finished = HTTP_REQUESTS_IN_PROGRESS.inc, HTTP_REQUESTS_IN_PROGRESS.dec
else:
    request_started, request_finished = _started, _finished
    HTTP_REQUESTS_IN_PROGRESS.set_function(lambda: _in_progress)


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "OTHER"


@cache
def _request_series(
    method: str, route: str, status: int
) -> tuple[Callable[[], None], Callable[[float], None]]:
    # Looked up once per label set: `.labels()` checks and converts its values on every call.
    # The label sets are bounded (see KNOWN_METHODS), so this cache is too.
    return (
        HTTP_REQUESTS.labels(method, route, status).inc,
        HTTP_REQUEST_DURATION.labels(method, route).observe,
    )


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    count, observe = _request_series(method, route, status)
    count()
    observe(seconds)


def record_pool(engine: AsyncEngine) -> None:
    """Keep DB_POOL_IN_USE up to date as the engine's pool hands out and takes back connections."""
    pool = engine.sync_engine.pool
    event.listen(pool, "checkout", lambda *_: DB_POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_: DB_POOL_IN_USE.dec())


def latest() -> bytes:
    """Every metric in Prometheus' text format, summed over processes in multiprocess mode."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
