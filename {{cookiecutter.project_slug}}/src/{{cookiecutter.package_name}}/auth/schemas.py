from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from {{ cookiecutter.package_name }}.core.types import PlainText
from {{ cookiecutter.package_name }}.users.schemas import NewPassword


class TokenRequest(BaseModel):
    """The token endpoint's form: the password grant (RFC 6749 section 4.3.2, `username` is the
    email) or a refresh (section 6, `refresh_token`). No `grant_type` means the password grant.

    Text that reaches the database is NUL-free: PostgreSQL cannot store NUL (a 500 otherwise).
    """

    grant_type: Literal["password", "refresh_token"] | None = None
    username: PlainText = ""
    password: str = ""
    refresh_token: str = ""
    scope: str = ""

    @model_validator(mode="after")
    def _check_grant(self) -> Self:
        if self.grant_type == "refresh_token":
            if not self.refresh_token:
                raise ValueError("grant_type=refresh_token needs a refresh_token")
        elif not (self.username and self.password):
            raise ValueError("the password grant needs a username and a password")
        return self


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int  # seconds
    refresh_token: str


class RevocationRequest(BaseModel):
    """RFC 7009 section 2.1: a refresh or an access token; its session ends."""

    token: str
    token_type_hint: Literal["refresh_token", "access_token"] | None = None


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class PasswordResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=100)
    new_password: NewPassword


class Accepted(BaseModel):
    detail: str


class OAuthError(BaseModel):
    """RFC 6749 section 5.2 error body."""

    error: str
    error_description: str
    detail: str
