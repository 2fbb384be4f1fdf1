from typing import Annotated

from fastapi import Depends

from {{ cookiecutter.package_name }}.auth.dependencies import CurrentSuperuser
from {{ cookiecutter.package_name }}.core.errors import NotFoundError
from {{ cookiecutter.package_name }}.core.types import PathId
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.users.models import User


async def get_administered_user(
    user_id: PathId, superuser: CurrentSuperuser, session: SessionDep
) -> User:
    """The account a superuser asks for; anyone else gets 403 before the id is even looked up."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFoundError("User not found")
    return user


AdministeredUser = Annotated[User, Depends(get_administered_user)]
