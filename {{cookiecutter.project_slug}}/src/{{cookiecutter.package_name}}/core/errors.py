"""Domain exceptions and the one place that maps them to HTTP responses."""

import logging
import socket
from typing import ClassVar

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

logger = logging.getLogger(__name__)


class AppError(Exception):
    """An error the client can act on; subclasses set the status and default detail."""

    status_code: ClassVar[int] = status.HTTP_400_BAD_REQUEST
    default_detail: ClassVar[str] = "Bad request"
    default_headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.detail = detail or self.default_detail
        self.headers = headers or self.default_headers
        super().__init__(self.detail)

    def body(self) -> dict[str, object]:
        return {"detail": self.detail}


class NotFoundError(AppError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found"


class ForbiddenError(AppError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Not allowed"


class ConflictError(AppError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict"


class AuthenticationError(AppError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Could not validate credentials"
    default_headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class InvalidGrantError(AppError):
    """RFC 6749 section 5.2: the same answer for an unknown user and a wrong password."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Incorrect email or password"

    def body(self) -> dict[str, object]:
        return {"error": "invalid_grant", "error_description": self.detail, "detail": self.detail}


class WrongPasswordError(AppError):
    """The current password, asked for before a sensitive change, is wrong."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The current password is wrong"


class CommonPasswordError(AppError):
    """A new password that is one of the most used: a 422 shaped like pydantic's, for its field."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    default_detail = "This password is one of the most used ones: choose another"

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field

    def body(self) -> dict[str, object]:
        error = {"type": "password_too_common", "loc": ["body", self.field], "msg": self.detail}
        return {"detail": [error]}


class InvalidResetTokenError(AppError):
    """One answer for a used, expired, superseded or unknown reset token: none says which."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid or expired reset token"


class RateLimitedError(AppError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many attempts; try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})


class ServiceUnavailableError(AppError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Service unavailable"


# How an unreachable database shows up, depending on the driver and the moment it goes.
_UNREACHABLE = (OperationalError, InterfaceError, ConnectionError, TimeoutError, socket.gaierror)


def _database_unreachable(exc: Exception) -> bool:
    if isinstance(exc, _UNREACHABLE):
        return True
    # A driver error with no statement happened while connecting; an invalidated one, mid-query.
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or exc.statement is None)


async def _error_response(request: Request, exc: Exception) -> JSONResponse:
    """Answer a domain error; an unreachable database becomes a 503, so clients retry."""
    if not isinstance(exc, AppError):
        if not _database_unreachable(exc):
            raise exc  # a bug: the middleware logs it and answers 500
        logger.error("Database unavailable: %s", exc)
        exc = ServiceUnavailableError("Database unavailable")
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, without the `input` it would echo back: a rejected password is a password."""
    errors = [
        {key: value for key, value in error.items() if key != "input"} for error in exc.errors()
    ]
    return JSONResponse(
        {"detail": jsonable_encoder(errors)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


def internal_error_response() -> JSONResponse:
    """The body of every unhandled error: no traceback, no internals."""
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def register_exception_handlers(app: FastAPI) -> None:
    """Map domain and database errors to JSON responses (unhandled ones: see middleware)."""
    for error in (AppError, DBAPIError, ConnectionError, TimeoutError, socket.gaierror):
        app.add_exception_handler(error, _error_response)
    app.exception_handler(RequestValidationError)(_invalid_request)
