import secrets
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request, Response, status

from {{ cookiecutter.package_name }}.auth import passwords, service
from {{ cookiecutter.package_name }}.auth.rate_limit import LoginRateLimiterDep, client_address
from {{ cookiecutter.package_name }}.auth.schemas import (
    Accepted,
    OAuthError,
    PasswordResetConfirm,
    PasswordResetRequest,
    RevocationRequest,
    Token,
    TokenRequest,
)
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.security import hash_opaque_token
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.jobs.queue import JobsDep
from {{ cookiecutter.package_name }}.users.service import check_new_password, normalize_email

router = APIRouter(prefix="/auth", tags=["auth"])

REFUSED_GRANT: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {
        "model": OAuthError,
        "description": "Wrong email or password; an unknown, expired or retired refresh token",
    }
}
REFUSED_RESET_TOKEN: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"description": "A used, expired, superseded or unknown token"}
}
TOO_MANY_ATTEMPTS: dict[int | str, dict[str, Any]] = {
    status.HTTP_429_TOO_MANY_REQUESTS: {"description": "Too many attempts; see Retry-After"}
}


@router.post("/token", responses=REFUSED_GRANT | TOO_MANY_ATTEMPTS)
async def token(
    form: Annotated[TokenRequest, Form()],
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LoginRateLimiterDep,
) -> Token:
    """OAuth2 token endpoint: log in (`username` is the email) or exchange a refresh token.

    Each refresh token works once: the answer carries the next one. Presenting a used one again
    ends its session.
    """
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 section 5.1: tokens are not cached
    client = client_address(request)
    if form.grant_type == "refresh_token":
        # Limited per token too (by its hash): the account is unknown until it is looked up.
        await limiter.hit("refresh", client=client, account=hash_opaque_token(form.refresh_token))
        return await service.refresh(session, form.refresh_token, settings)
    await limiter.hit("login", client=client, account=normalize_email(form.username))
    user = await service.authenticate(session, email=form.username, password=form.password)
    return await service.start_session(session, user, settings)


@router.post(
    "/revoke",
    response_class=Response,
    responses={status.HTTP_200_OK: {"description": "The token's session, if it had one, ended"}},
)
async def revoke(
    form: Annotated[RevocationRequest, Form()], session: SessionDep, settings: SettingsDep
) -> Response:
    """Log out (RFC 7009): end the session of a refresh or access token. 200 for any token."""
    await service.revoke(session, form.token, settings)
    return Response(status_code=status.HTTP_200_OK)


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=TOO_MANY_ATTEMPTS,
)
async def request_password_reset(
    data: PasswordResetRequest,
    request: Request,
    limiter: LoginRateLimiterDep,
    jobs: JobsDep,
    background_tasks: BackgroundTasks,
) -> Accepted:
    """Email a reset link to the account with this email, if there is one.

    The same answer either way, before the account is even looked up: the look-up and the email
    are a job, after the response.
    """
    email = normalize_email(data.email)
    await limiter.hit("reset", client=client_address(request), account=email)
    background_tasks.add_task(jobs.send_password_reset.kiq, email, secrets.token_hex(16))
    return Accepted(detail="If an account has this email, a reset link is on its way")


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=REFUSED_RESET_TOKEN | TOO_MANY_ATTEMPTS,
)
async def confirm_password_reset(
    data: PasswordResetConfirm,
    request: Request,
    session: SessionDep,
    limiter: LoginRateLimiterDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background_tasks: BackgroundTasks,
) -> Response:
    """Set a new password with the token of a reset email; every session of the account ends."""
    check_new_password(data.new_password, "new_password", settings)
    await limiter.hit(
        "reset-confirm", client=client_address(request), account=hash_opaque_token(data.token)
    )
    user = await passwords.reset_password(session, data.token, data.new_password.get_secret_value())
    background_tasks.add_task(jobs.send_password_changed.kiq, user.email, user.full_name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
