"""Pure ASGI middleware: cheaper per request than BaseHTTPMiddleware and safe for streaming.

Both read and write the raw ASGI header lists; Starlette's Headers helpers would cost more per
request than the rest of what they do.
"""

import logging
import re
import time

import uuid_utils
from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.errors import internal_error_response
from {{ cookiecutter.package_name }}.core.logging import request_id_var

logger = logging.getLogger(__name__)

# A caller's id is echoed only if it is short and plain: no header or log injection.
_SANE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
# Only where the service is reached over HTTPS, which production is.
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


def _request_id(scope: Scope) -> bytes:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"x-request-id" and _SANE_REQUEST_ID.match(value):
            return value
    # uuid_utils: the standard library's uuid4 costs more than the rest of this middleware.
    return str(uuid_utils.uuid4()).encode()


class RequestContextMiddleware:
    """Give every response X-Request-ID, X-Process-Time and the browser-hardening headers; turn
    crashes into JSON 500s.

    It sits outside every other layer, so errors and CORS answers get the headers too. A route
    may set a hardening header itself; its value is kept.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.security_headers = [*_SECURITY_HEADERS, _HSTS] if hsts else _SECURITY_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()
        request_id = _request_id(scope)
        token = request_id_var.set(request_id.decode())
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = list(message.get("headers", ()))
                present = {name for name, _ in headers}  # ASGI header names are lowercase
                headers += [h for h in self.security_headers if h[0] not in present]
                headers.append((b"x-request-id", request_id))
                headers.append((b"x-process-time", b"%.6f" % (time.perf_counter() - start)))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("Unhandled error in %s %s", scope["method"], scope["path"])
            if response_started:
                raise
            await internal_error_response()(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)


class BodySizeLimitMiddleware:
    """Answer 413 to a request body over `max_bytes`, before the app reads it.

    A declared Content-Length is checked up front; a streamed body is counted as it arrives.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _too_large()(scope, receive, send)
                return

        received = 0

        async def receive_with_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, _TOO_LARGE)
            return message

        await self.app(scope, receive_with_limit, send)


_TOO_LARGE = "Request body too large"


def _too_large() -> JSONResponse:
    return JSONResponse({"detail": _TOO_LARGE}, status_code=status.HTTP_413_CONTENT_TOO_LARGE)
