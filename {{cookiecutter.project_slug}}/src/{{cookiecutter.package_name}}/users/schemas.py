from datetime import datetime
from typing import Annotated, Self

from pydantic import MISSING, BaseModel, ConfigDict, EmailStr, Field, SecretStr, model_validator

from {{ cookiecutter.package_name }}.core.types import PlainText

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
FULL_NAME_MAX = 200

# A password being set: the rules every new password follows (and, where the settings say so,
# not one of the most used: users.service.check_new_password).
NewPassword = Annotated[
    SecretStr, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
]
# A password being checked: any length the rules ever allowed, no more (hashing costs time).
GivenPassword = Annotated[SecretStr, Field(max_length=MAX_PASSWORD_LENGTH)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: NewPassword
    full_name: PlainText | None = Field(default=None, max_length=FULL_NAME_MAX)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    created_at: datetime


class UserUpdate(BaseModel):
    """The caller's changes to their own account; a new email needs the current password."""

    model_config = ConfigDict(extra="forbid")

    full_name: PlainText | MISSING | None = Field(default=MISSING, max_length=FULL_NAME_MAX)
    email: EmailStr | MISSING = MISSING
    current_password: GivenPassword | MISSING = MISSING

    @model_validator(mode="after")
    def _password_for_email(self) -> Self:
        if self.email is not MISSING and self.current_password is MISSING:
            raise ValueError("current_password is required to change the email")
        return self


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: GivenPassword
    new_password: NewPassword


class UserAdminUpdate(BaseModel):
    """What a superuser may change of an account (never its password); only the fields sent."""

    model_config = ConfigDict(extra="forbid")

    full_name: PlainText | MISSING | None = Field(default=MISSING, max_length=FULL_NAME_MAX)
    is_active: bool | MISSING = MISSING
    is_superuser: bool | MISSING = MISSING


class UserPage(BaseModel):
    items: list[UserRead]
    next_cursor: str | None = Field(
        description="Pass back as `cursor` for the next page; null on the last"
    )
