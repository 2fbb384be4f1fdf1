from typing import Any

from fastapi import APIRouter, BackgroundTasks, Response, status

from {{ cookiecutter.package_name }}.auth.dependencies import CurrentSuperuser, CurrentUser
from {{ cookiecutter.package_name }}.core.pagination import PageDep
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.jobs.queue import JobsDep
from {{ cookiecutter.package_name }}.users import service
from {{ cookiecutter.package_name }}.users.dependencies import AdministeredUser
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import (
    UserAdminUpdate,
    UserCreate,
    UserPage,
    UserRead,
)

router = APIRouter(prefix="/users", tags=["users"])

SUPERUSERS_ONLY: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {"description": "Missing or invalid token"},
    status.HTTP_403_FORBIDDEN: {"description": "The caller is not a superuser"},
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
    data: UserCreate, session: SessionDep, jobs: JobsDep, background_tasks: BackgroundTasks
) -> User:
    """Sign up; the welcome notification is enqueued as a job after the response."""
    user = await service.create(session, data)
    background_tasks.add_task(jobs.send_welcome.kiq, user.id)
    return user


@router.get("/me", response_model=UserRead)
async def read_me(user: CurrentUser) -> User:
    """Return the signed-in user."""
    return user


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
