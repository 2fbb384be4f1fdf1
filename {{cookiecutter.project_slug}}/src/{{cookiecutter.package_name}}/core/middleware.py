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
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uuid_utils import uuid4

from {{ cookiecutter.package_name }}.core.errors import internal_error_response
from {{ cookiecutter.package_name }}.core.logging import request_id_var

logger = logging.getLogger(__name__)

# A caller's id is echoed only if it is short and plain: no header or log injection.
_SANE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")

_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)
# Only where the service is reached over HTTPS, which production is.
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")

_TOO_LARGE = "Request body too large"


class ServiceMiddleware:
    """What every HTTP response of the service gets, errors and CORS answers included:

    - `X-Request-ID` (also on every log record of the request) and `X-Process-Time`;
    - the browser-hardening headers;
    - 413 for a body over `max_body_bytes` before the app reads it: a declared Content-Length is
      checked before the first byte, a streamed body is counted as it arrives;
    - a JSON 500, logged with its traceback, instead of a crash.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, hsts: bool) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.security_headers = (*_SECURITY_HEADERS, _HSTS) if hsts else _SECURITY_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = perf_counter()
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
        limit, security_headers = self.max_body_bytes, self.security_headers
        response_started = False
        received = 0

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
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
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
            if response_started:
                raise
            await internal_error_response()(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)
