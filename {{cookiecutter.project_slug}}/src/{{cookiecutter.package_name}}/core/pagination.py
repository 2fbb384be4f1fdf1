"""Keyset pagination of lists ordered newest first: the cursor is the last id seen, opaque."""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol

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
    """The page a request asks for: `limit` rows after the row with id `after_id`."""

    limit: int
    after_id: int | None

    @property
    def fetch(self) -> int:
        """Rows to fetch: one more than asked tells whether another page exists, without a COUNT."""
        return self.limit + 1


class HasId(Protocol):
    @property
    def id(self) -> int: ...


def next_cursor(rows: Sequence[HasId], page: Page) -> str | None:
    """The cursor of the page after `rows` (fetched `page.fetch` at a time), None on the last."""
    return encode_cursor(rows[page.limit - 1].id) if len(rows) > page.limit else None


async def get_page(
    limit: Annotated[int, Query(ge=1, le=100, description="Results per page")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the previous page")
    ] = None,
) -> Page:
    return Page(limit=limit, after_id=None if cursor is None else decode_cursor(cursor))


PageDep = Annotated[Page, Depends(get_page)]
