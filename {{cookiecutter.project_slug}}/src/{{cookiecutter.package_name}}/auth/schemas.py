from typing import Literal

from pydantic import BaseModel


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int  # seconds


class OAuthError(BaseModel):
    """RFC 6749 section 5.2 error body."""

    error: str
    error_description: str
    detail: str
