from datetime import datetime

from pydantic import MISSING, BaseModel, ConfigDict, EmailStr, Field, SecretStr

from {{ cookiecutter.package_name }}.core.types import PlainText

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
FULL_NAME_MAX = 200


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: SecretStr = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    full_name: PlainText | None = Field(default=None, max_length=FULL_NAME_MAX)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    created_at: datetime


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
