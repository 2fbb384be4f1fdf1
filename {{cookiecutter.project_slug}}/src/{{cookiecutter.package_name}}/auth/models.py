from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.package_name }}.db.base import Base, utcnow


class UserSession(Base):
    """One login: its access and refresh tokens work until it ends, is idle or grows too old."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)  # the last refresh
    expires_at: Mapped[datetime]  # the absolute lifetime, whatever the refreshes
    ended_at: Mapped[datetime | None]  # logged out, revoked, or ended by a password change


class RefreshToken(Base):
    """A refresh token of a session, by its hash: retired (used) once it has been exchanged."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the token: a leaked table lets no one refresh. Tokens are 256 random bits, so a
    # fast hash is enough (no salt or stretching needed against guessing).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class PasswordReset(Base):
    """A user's pending password reset, by the hash of its token: one a user, the newest."""

    __tablename__ = "password_resets"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The reset request it answers: a redelivered job finds it here, and sends no second email.
    request_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
