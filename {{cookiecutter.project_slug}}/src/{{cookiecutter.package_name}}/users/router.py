from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response, status
from pydantic import MISSING

from {{ cookiecutter.package_name }}.auth import passwords
from {{ cookiecutter.package_name }}.auth.dependencies import (
    CurrentSuperuser,
    CurrentUser,
    TokenClaims,
)
from {{ cookiecutter.package_name }}.auth.rate_limit import LoginRateLimiterDep, client_address
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.pagination import PageDep
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.jobs.queue import JobsDep
from {{ cookiecutter.package_name }}.users import service
from {{ cookiecutter.package_name }}.users.dependencies import AdministeredUser
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import (
    PasswordChange,
    UserAdminUpdate,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/users", tags=["users"])

NEEDS_TOKEN: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {"description": "Missing or invalid token"}
}
SUPERUSERS_ONLY: dict[int | str, dict[str, Any]] = NEEDS_TOKEN | {
    status.HTTP_403_FORBIDDEN: {"description": "The caller is not a superuser"}
}
WRONG_PASSWORD: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"description": "The current password is wrong"},
    status.HTTP_429_TOO_MANY_REQUESTS: {"description": "Too many attempts; see Retry-After"},
}
ONE_USER: dict[int | str, dict[str, Any]] = SUPERUSERS_ONLY | {
    status.HTTP_404_NOT_FOUND: {"description": "No such user"}
}
LAST_SUPERUSER: dict[int | str, dict[str, Any]] = {
    status.HTTP_409_CONFLICT: {"description": "The last active superuser would be lost"}
}


@router.post(
    "",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses={status.HTTP_409_CONFLICT: {"description": "Email already registered"}},
)
async def create_user(
    data: UserCreate,
    session: SessionDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background_tasks: BackgroundTasks,
) -> User:
    """Sign up; the welcome notification is enqueued as a job after the response."""
    service.check_new_password(data.password, "password", settings)
    user = await service.create(session, data)
    background_tasks.add_task(jobs.send_welcome.kiq, user.id)
    return user


@router.get("/me", response_model=UserRead, responses=NEEDS_TOKEN)
async def read_me(user: CurrentUser) -> User:
    """Return the signed-in user."""
    return user


@router.patch(
    "/me",
    response_model=UserRead,
    responses=NEEDS_TOKEN
    | WRONG_PASSWORD
    | {status.HTTP_409_CONFLICT: {"description": "Email already registered"}},
)
async def update_me(
    data: UserUpdate,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    limiter: LoginRateLimiterDep,
    jobs: JobsDep,
    background_tasks: BackgroundTasks,
) -> User:
    """Change your name, or your email (with `current_password`): the old address is told."""
    if data.current_password is not MISSING:  # a password guess, limited like logins
        await limiter.hit("password", client=client_address(request), account=str(user.id))
    old_email = await service.update_profile(session, user, data)
    if old_email is not None:
        background_tasks.add_task(jobs.send_email_changed.kiq, old_email, user.email)
    return user


@router.post(
    "/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=NEEDS_TOKEN | WRONG_PASSWORD
)
async def change_password(
    data: PasswordChange,
    user: CurrentUser,
    claims: TokenClaims,
    session: SessionDep,
    request: Request,
    limiter: LoginRateLimiterDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background_tasks: BackgroundTasks,
) -> Response:
    """Change your password: your other sessions end, and you are told by email."""
    service.check_new_password(data.new_password, "new_password", settings)
    await limiter.hit("password", client=client_address(request), account=str(user.id))
    await passwords.change_password(
        session,
        user,
        current=data.current_password.get_secret_value(),
        new=data.new_password.get_secret_value(),
        keep_session_id=claims.session_id,
    )
    background_tasks.add_task(jobs.send_password_changed.kiq, user.email, user.full_name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/me", status_code=status.HTTP_204_NO_CONTENT, responses=NEEDS_TOKEN | LAST_SUPERUSER
)
async def delete_me(user: CurrentUser, session: SessionDep) -> Response:
    """Delete your account and your items; every token of yours stops working."""
    await service.delete(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("", response_model=UserPage, responses=SUPERUSERS_ONLY)
async def list_users(_: CurrentSuperuser, session: SessionDep, page: PageDep) -> UserPage:
    """Every user, newest first, one page at a time (superusers only)."""
    users, next_cursor = await service.list_page(session, page)
    return UserPage(
        items=[UserRead.model_validate(user) for user in users], next_cursor=next_cursor
    )


@router.get("/{user_id}", response_model=UserRead, responses=ONE_USER)
async def read_user(user: AdministeredUser) -> User:
    """One user (superusers only)."""
    return user


@router.patch("/{user_id}", response_model=UserRead, responses=ONE_USER | LAST_SUPERUSER)
async def update_user(user: AdministeredUser, data: UserAdminUpdate, session: SessionDep) -> User:
    """Change a user's name, or activate, deactivate, promote or demote them (superusers only)."""
    return await service.administer(session, user, data)


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ONE_USER | LAST_SUPERUSER
)
async def delete_user(user: AdministeredUser, session: SessionDep) -> Response:
    """Delete a user and everything they own (superusers only)."""
    await service.delete(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
