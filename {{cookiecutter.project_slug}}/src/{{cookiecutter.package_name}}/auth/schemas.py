from typing import Literal

from pydantic import BaseModel

from {{ cookiecutter.package_name }}.core.types import PlainText


class PasswordGrant(BaseModel):
    """The OAuth2 password grant's form (RFC 6749 section 4.3.2); `username` is the email.

    Text that reaches the database is NUL-free: PostgreSQL cannot store NUL (a 500 otherwise).
    """

    grant_type: Literal["password"] | None = None
    username: PlainText
    password: str
    scope: str = ""


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int  # seconds


class OAuthError(BaseModel):
    """RFC 6749 section 5.2 error body."""

    error: str
    error_description: str
    detail: str
