"""Who a request comes from: `CurrentUser`, `CurrentSuperuser` and the token's `TokenClaims`."""

import asyncio
import logging
from typing import Annotated

from fastapi import Depends, WebSocket, WebSocketException, status
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.auth import service
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.errors import AuthenticationError, ForbiddenError
from {{ cookiecutter.package_name }}.core.security import AccessClaims
from {{ cookiecutter.package_name }}.db.session import SessionDep
from {{ cookiecutter.package_name }}.users.models import User

logger = logging.getLogger(__name__)

# auto_error=False: a missing token gets the same 401 as a bad one, from one place.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_token_claims(
    token: Annotated[str | None, Depends(oauth2_scheme)], settings: SettingsDep
) -> AccessClaims:
    """The user and session a valid bearer token carries; checking them is the caller's job."""
    if token is None:
        raise AuthenticationError("Not authenticated")
    return service.claims_from_token(token, settings)


# For a route that checks the session in a query of its own (see items.dependencies.OwnedItem).
TokenClaims = Annotated[AccessClaims, Depends(get_token_claims)]


async def get_current_user(claims: TokenClaims, session: SessionDep) -> User:
    """The token's user, if active and the token's session live: one query, on every request."""
    return await service.get_signed_in_user(session, claims)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    """The caller, if a superuser; CurrentUser reads the account on every request, so a demotion
    counts from the demoted user's next request on.
    """
    if not user.is_superuser:
        raise ForbiddenError("Superusers only")
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]


async def get_websocket_claims(
    websocket: WebSocket, settings: SettingsDep, token: str = ""
) -> AccessClaims:
    """A WebSocket's token claims; refuse the socket with 1008 when the token is missing or bad.

    Non-browser clients send `Authorization: Bearer <token>`; browsers cannot set headers on a
    WebSocket, so they pass `?token=<token>` (never logged: access lines carry no query string).
    """
    scheme, credentials = get_authorization_scheme_param(websocket.headers.get("authorization"))
    if scheme.lower() == "bearer" and credentials:
        token = credentials
    try:
        return service.claims_from_token(token, settings)
    except AuthenticationError as exc:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION) from exc


WebSocketClaims = Annotated[AccessClaims, Depends(get_websocket_claims)]


async def get_websocket_user(websocket: WebSocket, claims: WebSocketClaims) -> User:
    """The socket's user, if active and signed in; else the socket is refused with 1008.

    The database session is closed before the socket starts, so an idle socket holds no
    connection (see `until_signed_out` for what happens when the session ends later).
    """
    async with websocket.app.state.session_factory() as session:
        try:
            return await service.get_signed_in_user(session, claims)
        except AuthenticationError as exc:
            raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION) from exc


WebSocketUser = Annotated[User, Depends(get_websocket_user)]


async def until_signed_out(websocket: WebSocket, claims: AccessClaims, every: float) -> None:
    """Return once the socket's session has ended or its user may no longer sign in.

    Checked every `every` seconds, with the query every request makes; a database that fails
    to answer ends nothing.
    """
    factory: async_sessionmaker[AsyncSession] = websocket.app.state.session_factory
    while True:
        await asyncio.sleep(every)
        async with factory() as session:
            try:
                await service.get_signed_in_user(session, claims)
            except AuthenticationError:
                return
            except (SQLAlchemyError, OSError) as error:
                logger.warning("Could not check a WebSocket's session (%s)", type(error).__name__)
