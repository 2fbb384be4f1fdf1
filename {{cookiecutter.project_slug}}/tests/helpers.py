"""Helpers shared by the test modules."""

import asyncio
import os
import signal
import socket
import sys
from asyncio.subprocess import PIPE, STDOUT, Process
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope
from asgi_lifespan import LifespanManager
from httpx2 import ASGITransport, AsyncClient, TransportError
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.service import start_session
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.users import service as users
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import UserCreate

PASSWORD = "correct horse battery staple"


class Mailbox:
    """What the tests' SMTP server (aiosmtpd) received, and how it answers."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals = 0  # answer this many messages with a temporary failure

    async def handle_DATA(self, server: SMTP, session: object, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.refusals:
            self.refusals -= 1
            return "451 Try again later"
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


def text_of(message: EmailMessage) -> str:
    """The plain-text body of an email."""
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def make_user(session: AsyncSession, email: str = "alice@example.com") -> User:
    return await users.create(
        session, UserCreate(email=email, password=SecretStr(PASSWORD), full_name="Alice Liddell")
    )


async def make_superuser(session: AsyncSession, email: str = "root@example.com") -> User:
    user = await make_user(session, email=email)
    await users.promote(session, user)
    return user


async def bearer(session: AsyncSession, user: User, settings: Settings) -> dict[str, str]:
    """The Authorization header of `user`, in a session of its own."""
    token = await start_session(session, user, settings)
    return {"Authorization": f"Bearer {token.access_token}"}


@asynccontextmanager
async def serve(settings: Settings, *, base_url: str = "http://test") -> AsyncIterator[AsyncClient]:
    """A client for an app built from `settings`, its lifespan running."""
    app = create_app(settings)
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


async def eventually(condition: Callable[[], bool], within: float = 30) -> None:
    """Wait until `condition()` holds, for what happens after a response (jobs, events)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"still not true after {within} s"
        await asyncio.sleep(0.02)


def process_env(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment of a process a test starts: the test's database{% if cookiecutter.broker == "redis" %}, Redis keys{% endif %} and secret."""
    return (
        os.environ
        | {
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key.get_secret_value(),
            "ENVIRONMENT": "test",
            "SMTP_HOST": settings.smtp_host or "",
            "SMTP_PORT": str(settings.smtp_port),
            "SMTP_SECURITY": settings.smtp_security,
            "EMAIL_FROM": settings.email_from,
            "PASSWORD_RESET_URL": settings.password_reset_url,
{%- if cookiecutter.broker == "redis" %}
            "REDIS_URL": settings.redis_url,
            "REDIS_KEY_PREFIX": settings.redis_key_prefix,
{%- endif %}
        }
        | overrides
    )


class Running:
    """A process started by a test, what it prints collected line by line as it comes."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(line.decode())

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    async def stop(self, sig: int = signal.SIGTERM) -> str:
        """Signal it, wait for it to exit, return all it printed."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        await asyncio.wait_for(self.process.wait(), timeout=30)
        await self._reading
        return "".join(self.lines)


@asynccontextmanager
async def running(*command: str, env: dict[str, str]) -> AsyncIterator[Running]:
    """Run `command` for the block; kill it at the end if it still runs."""
    process = await asyncio.create_subprocess_exec(*command, env=env, stdout=PIPE, stderr=STDOUT)
    started = Running(process)
    failed = False
    try:
        yield started
    except BaseException:
        failed = True
        raise
    finally:
        if process.returncode is None:
            process.kill()
        output = await started.stop()
        if failed:  # pytest shows a failed test's output: say what the process printed
            print(f"--- {' '.join(command)} printed:\n{output}")


def uvicorn(port: int, *options: str) -> tuple[str, ...]:
    """The command that serves the app on `port` as the project does, with the test's Python."""
    return (
        *(sys.executable, "-m", "uvicorn", "{{ cookiecutter.package_name }}.main:app"),
        *("--port", str(port), "--no-access-log", *options),
    )


@asynccontextmanager
async def server(env: dict[str, str], *options: str) -> AsyncIterator[tuple[AsyncClient, Running]]:
    """A real uvicorn process, once it answers, and a client for it."""
    port = free_port()
    async with (
        running(*uvicorn(port, *options), env=env) as process,
        AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        await wait_until_serving(client, process.process)
        yield client, process
