"""Field types shared by the request schemas."""

from typing import Annotated

from pydantic import StringConstraints

# Text without NUL characters, which PostgreSQL cannot store (a 500 otherwise, not a 422).
PlainText = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]
