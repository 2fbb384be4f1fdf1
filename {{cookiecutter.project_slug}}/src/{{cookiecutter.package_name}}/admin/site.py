"""The admin interface at /admin: starlette-admin on the service's own database sessions."""

import hashlib
import hmac
import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import State
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette_admin.contrib.sqla import Admin

from {{ cookiecutter.package_name }}.admin.auth import SuperuserAuth
from {{ cookiecutter.package_name }}.admin.middleware import (
    NulFreeQueryMiddleware,
    SameOriginMiddleware,
)
from {{ cookiecutter.package_name }}.admin.views import ItemView, UserView
from {{ cookiecutter.package_name }}.core.config import PROJECT_NAME, Settings

ADMIN_URL = "/admin"
SESSION_COOKIE = "admin_session"
SESSION_SECONDS = 8 * 60 * 60  # a working day; the account is checked on every request anyway
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


class _ServiceSessions(async_sessionmaker[AsyncSession]):
    """The app's own session factory, which its lifespan creates after the admin is mounted."""

    def __init__(self, state: State) -> None:
        super().__init__()
        self._state = state

    def __call__(self, **options: Any) -> AsyncSession:
        factory: async_sessionmaker[AsyncSession] = self._state.session_factory
        return factory(**options)


def _key(settings: Settings, purpose: str) -> bytes:
    """A key of its own for each use of SECRET_KEY, so no signature is valid for another."""
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, f"admin {purpose}".encode(), hashlib.sha256).digest()


def mount_admin(app: FastAPI, settings: Settings) -> None:
    """Serve the admin at /admin; register a model's view here to show it."""
    # Its records carry emails and whole URLs, query strings included: none reaches the logs.
    logging.getLogger("starlette_admin").setLevel(logging.ERROR)
    admin = Admin(
        _ServiceSessions(app.state),
        title=f"{PROJECT_NAME} admin",
        base_url=ADMIN_URL,
        templates_dir=str(TEMPLATES_DIR),
        auth_provider=SuperuserAuth(app.state.login_rate_limiter, _key(settings, "stamp")),
        secret_key=_key(settings, "csrf").hex(),
        middlewares=[
            Middleware(SameOriginMiddleware),
            Middleware(NulFreeQueryMiddleware),
            Middleware(
                SessionMiddleware,
                secret_key=_key(settings, "session").hex(),
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_SECONDS,
                path=ADMIN_URL,
                same_site="strict",
                https_only=settings.environment == "production",
            ),
        ],
    )
    admin.add_view(UserView())
    admin.add_view(ItemView(app.state.item_events))
    admin.mount_to(app)
