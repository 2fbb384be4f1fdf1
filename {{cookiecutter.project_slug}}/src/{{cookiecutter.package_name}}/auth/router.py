from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from {{ cookiecutter.package_name }}.auth import service
from {{ cookiecutter.package_name }}.auth.schemas import OAuthError, Token
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.db.session import SessionDep

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    responses={
        status.HTTP_400_BAD_REQUEST: {"model": OAuthError, "description": "Wrong email or password"}
    },
)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """OAuth2 password flow: `username` is the email. Returns a bearer token."""
    user = await service.authenticate(session, email=form.username, password=form.password)
    return service.issue_token(user, settings)
