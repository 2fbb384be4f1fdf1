"""Field and parameter types shared by the requests."""

from typing import Annotated

from fastapi import Path
from pydantic import StringConstraints

# Text without NUL characters, which PostgreSQL cannot store (a 500 otherwise, not a 422).
PlainText = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]

# Ids are 32-bit integers in every database we support; anything else cannot exist.
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
