from fastapi import APIRouter, BackgroundTasks, status

from {{ cookiecutter.package_name }}.auth.dependencies import CurrentUser
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.jobs.queue import JobsDep
from {{ cookiecutter.package_name }}.users import service
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import UserCreate, UserRead

router = APIRouter(prefix="/users", tags=["users"])


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
