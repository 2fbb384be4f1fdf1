"""Keyset pagination: the cursor is the last id seen, opaque to clients."""

import base64
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError

_PREFIX = "id:"


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Return the id a cursor points after, or raise a 422 validation error."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_PREFIX) and text[len(_PREFIX) :].isdigit():
            return int(text[len(_PREFIX) :])
    except ValueError:  # not base64, not ASCII, not UTF-8
        pass
    # Shaped like FastAPI's own validation errors, as the schema documents for 422.
    raise RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ("query", "cursor"),
                "msg": "Invalid cursor",
                "input": cursor,
            }
        ]
    )


@dataclass(frozen=True)
class Page:
    limit: int
    after_id: int | None


async def get_page(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the previous page")
    ] = None,
) -> Page:
    return Page(limit=limit, after_id=None if cursor is None else decode_cursor(cursor))


PageDep = Annotated[Page, Depends(get_page)]
