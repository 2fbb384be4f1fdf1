"""Keyset pagination: the cursor is the last id seen, opaque to clients."""

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from {{ cookiecutter.package_name }}.core.errors import InvalidInputError

_PREFIX = "id:"


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Return the id a cursor points after, or raise InvalidInputError."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_PREFIX) and text[len(_PREFIX) :].isdigit():
            return int(text[len(_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise InvalidInputError("Invalid cursor")


@dataclass(frozen=True)
class Page:
    limit: int
    after_id: int | None


def get_page(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the previous page")
    ] = None,
) -> Page:
    return Page(limit=limit, after_id=None if cursor is None else decode_cursor(cursor))


PageDep = Annotated[Page, Depends(get_page)]
