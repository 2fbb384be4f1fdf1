"""The service's HTTP middleware: one pure-ASGI layer, outside every other.

One layer rather than one per concern: each layer costs every request coroutines of its own,
which is a measurable share of a fast endpoint's time. For the same reason it reads and writes the
raw ASGI header lists; Starlette's Headers helpers would cost more than the rest of its work.
"""

# Postponed annotations: the request's two closures would otherwise build theirs on every request.
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from time import perf_counter

from fastapi import HTTPException, status
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uuid_utils import uuid4

from {{ cookiecutter.package_name }}.core import metrics
from {{ cookiecutter.package_name }}.core.errors import internal_error_response
from {{ cookiecutter.package_name }}.core.logging import request_id_var

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("{{ cookiecutter.package_name }}.access")

# A caller's id is echoed only if it is short and plain: no header or log injection.
_SANE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")

_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)
# RFC 6797 section 7.2: never over plain HTTP. Behind a TLS proxy, uvicorn sets the scheme from
# X-Forwarded-Proto when the proxy is trusted (--proxy-headers --forwarded-allow-ips).
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")

_TOO_LARGE = "Request body too large"
# The route label of a request no route matched: never the raw path, which is unbounded.
UNMATCHED_ROUTE = "<unmatched>"


def route_of(scope: Scope, root_path: str) -> str:
    """The template of the route that served the request, such as `/api/v1/items/{item_id}`.

    The router sets `scope["route"]` on a match. An included router's route keeps the path it
    was declared with (`/items/{item_id}`), whose segments are the request path's last ones:
    the prefixes it was included under are the rest. A mounted app (static files) is known by
    the root path it was given, longer than the one the request came in with; its paths are
    unbounded, so its label is the mount's, also where its router recorded the Mount as route.
    """
    route = scope.get("route")
    if route is None or isinstance(route, Mount):
        mounted_at: str = scope.get("root_path", "")
        return mounted_at + "/{path}" if mounted_at != root_path else UNMATCHED_ROUTE
    template: str = route.path
    prefix: str = scope["path"].rsplit("/", template.count("/"))[0]
    return prefix + template


def _record(scope: Scope, root_path: str, method: str, status_code: int, start: float) -> None:
    """Count the request in the metrics and write its access line."""
    duration = perf_counter() - start
    route = route_of(scope, root_path)
    method = metrics.method_label(method)
    metrics.record_request(method, route, status_code, duration)
    if not access_logger.isEnabledFor(logging.INFO):
        return
    # Never the query string: browsers put tokens there.
    client = scope.get("client")
    path = scope["path"]
    duration_ms = round(duration * 1000, 2)
    extra = {
        "method": method,
        "route": route,
        "path": path,
        "status": status_code,
        "duration_ms": duration_ms,
        "client": client[0] if client else None,
    }
    # The record is made directly: Logger.info would walk the stack for the caller's file and
    # line, a tenth of the line's cost, for fields no format prints. The fields are added as
    # logging.makeLogRecord adds them: makeRecord(extra=) would check each against the record's
    # own attributes, which these fixed names never are, for a tenth of the line's cost again.
    args = (method, path, status_code, duration_ms)
    record = access_logger.makeRecord(
        access_logger.name, logging.INFO, __file__, 0, "%s %s %s %.2fms", args, None
    )
    record.__dict__.update(extra)
    access_logger.handle(record)


class ServiceMiddleware:
    """What every HTTP response of the service gets, errors and CORS answers included:

    - `X-Request-ID` (also on every log record of the request) and `X-Process-Time`;
    - the browser-hardening headers, and HSTS over HTTPS when `hsts` is on;
    - 413 for a body over `max_body_bytes` before the app reads it: a declared Content-Length is
      checked before the first byte, a streamed body is counted as it arrives;
    - a JSON 500, logged with its traceback, instead of a crash;
    - its metrics (counts, durations, requests in progress, open WebSockets) and one access line
      per request and per WebSocket session.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, hsts: bool) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.https_headers = (*_SECURITY_HEADERS, _HSTS) if hsts else _SECURITY_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = perf_counter()
        root_path = scope.get("root_path", "")
        request_id, declared_length = b"", 0
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                if _SANE_REQUEST_ID.match(value):
                    request_id = value
            elif name == b"content-length" and value.isdigit():
                declared_length = int(value)
        # uuid_utils: the standard library's uuid4 costs more than the rest of this middleware.
        request_id = request_id or str(uuid4()).encode()
        token = request_id_var.set(request_id.decode())
        limit = self.max_body_bytes
        security_headers = self.https_headers if scope["scheme"] == "https" else _SECURITY_HEADERS
        status_code = 0
        received = 0
        metrics.request_started()

        # Raised where the app reads the body, so the answer goes through the app's exception
        # handlers and CORS like any other error.
        async def receive_with_limit() -> Message:
            nonlocal received
            if declared_length <= limit:  # a larger declared body is never read
                message = await receive()
                received += len(message.get("body", b""))
                if received <= limit:
                    return message
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, _TOO_LARGE)

        # A plain function handing back send's awaitable: no coroutine of its own per message.
        def send_with_headers(message: Message) -> Awaitable[None]:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    *security_headers,
                    (b"x-request-id", request_id),
                    (b"x-process-time", b"%.6f" % (perf_counter() - start)),
                ]
            return send(message)

        try:
            await self.app(scope, receive_with_limit, send_with_headers)
        except Exception:
            logger.exception("Unhandled error in %s %s", scope["method"], scope["path"])
            if status_code:
                raise
            await internal_error_response()(scope, receive, send_with_headers)
        finally:
            metrics.request_finished()
            _record(scope, root_path, scope["method"], status_code or 500, start)
            request_id_var.reset(token)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Log the session once it ends: 101 if it was accepted, 403 if it was refused."""
        start = perf_counter()
        root_path = scope.get("root_path", "")
        token = request_id_var.set(str(uuid4()))
        accepted = False

        def watch(message: Message) -> Awaitable[None]:
            nonlocal accepted
            if message["type"] == "websocket.accept":
                accepted = True
                metrics.WEBSOCKETS_OPEN.inc()
            return send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if accepted:
                metrics.WEBSOCKETS_OPEN.dec()
            _record(scope, root_path, "WEBSOCKET", 101 if accepted else 403, start)
            request_id_var.reset(token)
