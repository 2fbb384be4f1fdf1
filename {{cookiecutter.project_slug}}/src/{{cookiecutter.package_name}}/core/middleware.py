"""Pure ASGI middleware: cheaper per request than BaseHTTPMiddleware and safe for streaming."""

import logging
import re
import time
import uuid

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.errors import internal_error_response
from {{ cookiecutter.package_name }}.core.logging import request_id_var

logger = logging.getLogger(__name__)

# A caller's id is echoed only if it is short and plain: no header or log injection.
_SANE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")


def _request_id(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"x-request-id" and _SANE_REQUEST_ID.match(value):
            return value.decode("ascii")
    return str(uuid.uuid4())


class RequestContextMiddleware:
    """Tag every response with X-Request-ID and X-Process-Time; turn crashes into JSON 500s.

    It sits outside every other layer, so the headers reach errors and CORS answers too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers["X-Process-Time"] = f"{time.perf_counter() - start:.6f}"
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


class SecurityHeadersMiddleware:
    """Add the browser-hardening headers every response should carry."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = [
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ]
        if hsts:  # only where the service is reached over HTTPS
            self.headers.append(
                ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
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
