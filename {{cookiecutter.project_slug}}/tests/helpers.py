"""Helpers shared by the test modules."""

import asyncio
import socket
from asyncio.subprocess import Process
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_lifespan import LifespanManager
from httpx2 import ASGITransport, AsyncClient, TransportError
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.service import issue_token
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.notifications import Notifier
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.users import service as users
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import UserCreate

PASSWORD = "correct horse battery staple"


class RecordingNotifier:
    """Records notifications instead of sending them."""

    def __init__(self) -> None:
        self.welcomed: list[str] = []

    async def send_welcome(self, *, email: str, full_name: str | None) -> None:
        self.welcomed.append(email)


async def make_user(session: AsyncSession, email: str = "alice@example.com") -> User:
    return await users.create(
        session, UserCreate(email=email, password=SecretStr(PASSWORD), full_name="Alice Liddell")
    )


def bearer(user: User, settings: Settings) -> dict[str, str]:
    """The Authorization header of `user`."""
    return {"Authorization": f"Bearer {issue_token(user, settings).access_token}"}


@asynccontextmanager
async def serve(
    settings: Settings, notifier: Notifier | None = None, *, base_url: str = "http://test"
) -> AsyncIterator[AsyncClient]:
    """A client for an app built from `settings`, its lifespan running."""
    app = create_app(settings, notifier=notifier)
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url=base_url) as client,
    ):
        yield client


def free_port() -> int:
    """A loopback port nothing listens on, for a real server started by a test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until_serving(client: AsyncClient, server: Process) -> None:
    """Poll a server process started by a test until it answers /health.

    A minute: a fresh interpreter that compiles every module it imports (no bytecode cache, as in
    CI) on a busy machine can take tens of seconds.
    """
    deadline = asyncio.get_running_loop().time() + 60
    while asyncio.get_running_loop().time() < deadline:
        assert server.returncode is None, "the server exited during start-up"
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except TransportError:  # not listening yet
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("the server did not start within 60 s")
