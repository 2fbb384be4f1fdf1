"""Checks on the admin's requests before starlette-admin sees them."""

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_CROSS_ORIGIN = JSONResponse({"detail": "Cross-origin request refused"}, status_code=403)
_NUL_IN_QUERY = JSONResponse({"detail": "NUL characters are not allowed"}, status_code=400)


class SameOriginMiddleware:
    """403 for a state-changing request whose `Origin` is not the admin's own.

    Browsers send `Origin` with every cross-origin POST; a request without one (not from a
    browser page) still needs the CSRF token, which a later layer checks.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in _SAFE_METHODS:
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            own = f"{scope['scheme']}://".encode() + headers.get(b"host", b"")
            if origin is not None and origin != own:
                await _CROSS_ORIGIN(scope, receive, send)
                return
        await self.app(scope, receive, send)


class NulFreeQueryMiddleware:
    """400 for a query string holding NUL: searches and filters end up in SQL, and PostgreSQL
    fails on NUL in text (a 500 otherwise)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"%00" in scope["query_string"]:
            await _NUL_IN_QUERY(scope, receive, send)
            return
        await self.app(scope, receive, send)
