from typing import Annotated

from fastapi import APIRouter, Form, Request, status

from {{ cookiecutter.package_name }}.auth import service
from {{ cookiecutter.package_name }}.auth.rate_limit import LoginRateLimiterDep
from {{ cookiecutter.package_name }}.auth.schemas import OAuthError, PasswordGrant, Token
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.users.service import normalize_email

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    responses={
        status.HTTP_400_BAD_REQUEST: {
            "model": OAuthError,
            "description": "Wrong email or password",
        },
        status.HTTP_429_TOO_MANY_REQUESTS: {"description": "Too many attempts; see Retry-After"},
    },
)
async def login(
    form: Annotated[PasswordGrant, Form()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LoginRateLimiterDep,
) -> Token:
    """OAuth2 password flow: `username` is the email. Returns a bearer token."""
    client = request.client.host if request.client else "unknown"
    await limiter.hit(client=client, account=normalize_email(form.username))
    user = await service.authenticate(session, email=form.username, password=form.password)
    return service.issue_token(user, settings)
