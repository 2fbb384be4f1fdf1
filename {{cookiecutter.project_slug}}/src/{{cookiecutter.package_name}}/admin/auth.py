"""Who may use the admin: active superusers, signed in with the service's own accounts."""

import hashlib
import hmac

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette import status
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette_admin.auth import AdminUser, AuthProvider, LoginFailed

from {{ cookiecutter.package_name }}.auth import service as auth
from {{ cookiecutter.package_name }}.auth.rate_limit import LoginRateLimiter, client_address
from {{ cookiecutter.package_name }}.auth.schemas import TokenRequest
from {{ cookiecutter.package_name }}.core.errors import InvalidGrantError, RateLimitedError
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.service import normalize_email

# One answer for a wrong email, a wrong password, and an account that is not an active
# superuser: the login page tells nobody which accounts exist or which are administrators.
REFUSED = "Incorrect email or password, or not an administrator"


class SuperuserAuth(AuthProvider):
    """Login with the checks of `POST /api/v1/auth/token`; the account is read on every request.

    The admin session (a signed cookie) holds the user's id and a stamp of their password hash:
    a deactivation, a demotion or a password change ends it at the next request.
    """

    def __init__(self, limiter: LoginRateLimiter, secret: bytes) -> None:
        super().__init__()
        self._limiter = limiter
        self._secret = secret

    def _stamp(self, user: User) -> str:
        return hmac.new(self._secret, user.hashed_password.encode(), hashlib.sha256).hexdigest()

    async def login(
        self, username: str, password: str, remember_me: bool, request: Request
    ) -> Response | None:
        try:  # the token endpoint's form: a NUL in the email is refused before any query
            grant = TokenRequest(username=username, password=password)
        except ValidationError:
            raise LoginFailed(REFUSED) from None
        # Counted with the token endpoint's logins: one limit, whichever way they come.
        await self._limiter.hit(
            "login", client=client_address(request), account=normalize_email(grant.username)
        )
        session: AsyncSession = request.state.session
        try:
            user = await auth.authenticate(session, email=grant.username, password=grant.password)
        except InvalidGrantError:
            raise LoginFailed(REFUSED) from None
        if not user.is_superuser:
            raise LoginFailed(REFUSED)
        request.session.clear()
        request.session.update(user_id=user.id, stamp=self._stamp(user))
        return None

    async def logout(self, request: Request) -> Response | None:
        request.session.clear()
        return None

    async def authenticate(self, request: Request) -> AdminUser | None:
        """The signed-in superuser, read afresh; None (and the session ended) otherwise."""
        user_id = request.session.get("user_id")
        if not isinstance(user_id, int):
            return None
        session: AsyncSession = request.state.session
        user = await session.get(User, user_id)
        if (
            user is None
            or not (user.is_active and user.is_superuser)
            or not hmac.compare_digest(str(request.session.get("stamp")), self._stamp(user))
        ):
            request.session.clear()
            return None
        return AdminUser(username=user.email)

    async def render_login(self, request: Request, templates: Jinja2Templates) -> Response:
        """The login page; after a refusal, the page again with its message.

        A refused login answers 200, as a form shown again does: browsers report a page that
        loads with 400 as an error. Over the login rate limit: 429 and Retry-After.
        """
        try:
            response = await super().render_login(request, templates)
        except RateLimitedError as exc:
            return templates.TemplateResponse(
                request,
                "login.html",
                {"error": exc.detail},
                status_code=exc.status_code,
                headers=exc.headers,
            )
        if response.status_code == status.HTTP_400_BAD_REQUEST:
            response.status_code = status.HTTP_200_OK
        return response
