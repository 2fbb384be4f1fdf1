"""The admin's refusal of state-changing requests that another site's page sent."""

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORBIDDEN = JSONResponse({"detail": "Cross-origin request refused"}, status_code=403)


class SameOriginMiddleware:
    """403 for a state-changing request whose `Origin` is not the admin's own.

    Browsers send `Origin` with every cross-origin POST; a request without one (not from a
    browser page) still needs the CSRF token, which the next layer checks.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in _SAFE_METHODS:
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            own = f"{scope['scheme']}://".encode() + headers.get(b"host", b"")
            if origin is not None and origin != own:
                await _FORBIDDEN(scope, receive, send)
                return
        await self.app(scope, receive, send)
