from datetime import datetime
from typing import Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field

from {{ cookiecutter.package_name }}.core.types import PlainText

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: PlainText = Field(min_length=1, max_length=TITLE_MAX)
    description: PlainText | None = Field(default=None, max_length=DESCRIPTION_MAX)


class ItemUpdate(BaseModel):
    """A partial update: only the fields sent are changed (MISSING: not sent, left out of dumps).

    A field may be left out; `null` is accepted only where the column takes it, so `title` (a
    required column) is a string or absent, as the schema says.
    """

    model_config = ConfigDict(extra="forbid")

    title: PlainText | MISSING = Field(default=MISSING, min_length=1, max_length=TITLE_MAX)
    description: PlainText | MISSING | None = Field(default=MISSING, max_length=DESCRIPTION_MAX)


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    owner_id: int
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    items: list[ItemRead]
    next_cursor: str | None = Field(
        description="Pass back as `cursor` for the next page; null on the last"
    )


class ItemEvent(BaseModel):
    """What the events WebSocket sends when one of the caller's items changes."""

    type: Literal["item.created", "item.updated", "item.deleted"]
    item: ItemRead
