"""broker=redis across real processes: uvicorn servers, job workers, gunicorn, a Redis outage.

Each test runs the processes a deployment runs, on this test's database and Redis keys.
"""

import asyncio
import json
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from httpx2 import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select, text
from websockets.asyncio.client import ClientConnection, connect

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.db.session import create_engine
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import (
    PASSWORD,
    Mailbox,
    eventually,
    free_port,
    process_env,
    running,
    server,
    wait_until_serving,
)


async def sign_up(client: AsyncClient, email: str) -> str:
    """A new account's access token."""
    user = {"email": email, "password": PASSWORD}
    assert (await client.post("/api/v1/users", json=user)).status_code == 201
    form = {"username": email, "password": PASSWORD}
    response = await client.post("/api/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@asynccontextmanager
async def events(client: AsyncClient, token: str) -> AsyncIterator[ClientConnection]:
    """The caller's item events from the server behind `client`, once its subscription is live."""
    url = f"{client.base_url}/api/v1/items/events".replace("http", "ws", 1)
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "resync"}
        yield socket


async def next_event(socket: ClientConnection, within: float = 2) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), within))
    return message


def worker(env: dict[str, str]) -> Any:
    return running(sys.executable, "-m", "{{ cookiecutter.package_name }}.worker", env=env)


async def test_an_event_reaches_the_owners_socket_on_another_process(settings: Settings) -> None:
    env = process_env(settings)
    async with server(env) as (a, _), server(env) as (b, _):
        alice, bob = await sign_up(a, "alice@example.com"), await sign_up(a, "bob@example.com")
        async with events(a, alice) as alices, events(a, bob) as bobs:
            created = await b.post(
                "/api/v1/items",
                json={"title": "from B"},
                headers={"Authorization": f"Bearer {alice}"},
            )
            assert created.status_code == 201
            assert await next_event(alices) == {"type": "item.created", "item": created.json()}
            with pytest.raises(TimeoutError):
                await next_event(bobs, within=1)


async def test_failed_logins_on_two_processes_count_as_one(settings: Settings) -> None:
    env = process_env(settings, LOGIN_RATE_LIMIT="4/minute")
    async with server(env) as (a, _), server(env) as (b, _):
        user = {"email": "ada@example.com", "password": PASSWORD}
        assert (await a.post("/api/v1/users", json=user)).status_code == 201
        wrong = {"username": "ada@example.com", "password": "not the password"}
        answers = [
            (await client.post("/api/v1/auth/token", data=wrong)).status_code
            for client in (a, b, a, b, a, b)
        ]
    assert answers == [400, 400, 400, 400, 429, 429]


async def test_a_welcome_waits_for_a_worker_and_is_sent_once(
    settings: Settings, client: AsyncClient, mailbox: Mailbox
) -> None:
    env = process_env(settings)
    assert (
        await client.post("/api/v1/users", json={"email": "ada@example.com", "password": PASSWORD})
    ).status_code == 201
    await asyncio.sleep(1)  # nothing runs it yet: the job waits in Redis
    async with worker(env) as first:
        await eventually(lambda: len(mailbox.messages) == 1, within=30)
        async with worker(env) as second:  # a second worker finds nothing left to do
            await asyncio.sleep(2)
        output = await first.stop() + await second.stop()
    assert [message["To"] for message in mailbox.messages] == ["ada@example.com"]
    assert "Traceback" not in output, output


async def test_a_job_whose_worker_is_killed_is_finished_by_another_once(
    settings: Settings, client: AsyncClient, mailbox: Mailbox
) -> None:
    env = process_env(settings, JOB_REDELIVERY_SECONDS="1")
    engine = create_engine(settings.database_url)
    try:
        signup = {"email": "ada@example.com", "password": PASSWORD}
        user_id = (await client.post("/api/v1/users", json=signup)).json()["id"]
        async with engine.connect() as blocker:
            # Hold the user's row: the first worker's job stops in the middle, at its update.
            await blocker.execute(
                text("UPDATE users SET full_name = full_name WHERE id = :id"), {"id": user_id}
            )
            async with worker(env) as first:
                await eventually(
                    lambda: first.count("Job users.send_welcome started") == 1, within=30
                )
                await first.stop(signal.SIGKILL)
            await blocker.rollback()
            assert mailbox.messages == []  # killed before it sent anything
        async with worker(env) as second:
            await eventually(lambda: len(mailbox.messages) == 1, within=30)
            await asyncio.sleep(1.5)  # nothing delivers it again
            await second.stop()
        assert [message["To"] for message in mailbox.messages] == ["ada@example.com"]
        async with engine.connect() as connection:
            welcomed = await connection.scalar(select(User.welcomed_at).where(User.id == user_id))
        assert welcomed is not None
    finally:
        await engine.dispose()


class RedisProxy:
    """A TCP proxy to Redis that can close its port, or accept and never answer."""

    def __init__(self, settings: Settings) -> None:
        url = urlsplit(settings.redis_url)
        self.target = url.hostname or "127.0.0.1", url.port or 6379
        self.port = free_port()
        self.forwarding = True
        self._listener: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()

    async def forward(self) -> None:
        self.forwarding = True
        await self._listen()

    async def swallow(self) -> None:
        """Connections open and new ones stay up, and nothing goes through."""
        self.forwarding = False
        await self._listen()

    async def refuse(self) -> None:
        """The port closes: connecting is refused; open connections are cut."""
        for end in list(self._connections):
            end.transport.abort()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    async def _listen(self) -> None:
        if self._listener is None:
            self._listener = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ends = [writer]
        self._connections.add(writer)
        try:
            upstream_reader, upstream = await asyncio.open_connection(*self.target)
            ends.append(upstream)
            self._connections.add(upstream)
            await asyncio.gather(
                self._pipe(reader, upstream),
                self._pipe(upstream_reader, writer),
                return_exceptions=True,
            )
        except OSError:
            pass
        finally:
            for end in ends:
                self._connections.discard(end)
                end.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if self.forwarding:
                    writer.write(data)
        finally:
            writer.close()  # the other direction ends with it


def p99(latencies: list[float]) -> float:
    return sorted(latencies)[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]


async def test_while_redis_is_away_the_service_answers_and_then_recovers(
    settings: Settings,
) -> None:
    proxy = RedisProxy(settings)
    await proxy.forward()
    window = 8
    env = process_env(
        settings,
        REDIS_URL=f"redis://127.0.0.1:{proxy.port}/0",
        LOGIN_RATE_LIMIT=f"4 per {window} seconds",
    )
    async with server(env) as (a, _), server(env) as (b, _):
        alice = await sign_up(a, "alice@example.com")
        owner = {"Authorization": f"Bearer {alice}"}
        await asyncio.sleep(window)  # the sign-in above leaves the login window
        slowest: dict[str, float] = {}
        # The same requests with Redis answering, then with its port closed, then swallowed: an
        # outage may not add a second at p99 to what this (possibly busy) machine takes anyway.
        for outage in (proxy.forward, proxy.refuse, proxy.swallow):
            await outage()
            latencies: list[float] = []
            statuses: list[int] = []

            async def timed(client: AsyncClient, path: str, **request: Any) -> int:
                started = time.perf_counter()
                response = await client.post(path, **request)
                latencies.append(time.perf_counter() - started)  # noqa: B023  # used in the loop
                statuses.append(response.status_code)  # noqa: B023
                return response.status_code

            for n, client in enumerate((a, b, a, b)):
                signup = {"email": f"{outage.__name__}{n}@example.com", "password": PASSWORD}
                assert await timed(client, "/api/v1/users", json=signup) == 201
                assert (
                    await timed(client, "/api/v1/items", json={"title": "x"}, headers=owner) == 201
                )
            wrong = {"username": f"{outage.__name__}0@example.com", "password": "wrong"}
            logins = [await timed(a, "/api/v1/auth/token", data=wrong) for _ in range(5)]
            assert logins == [400, 400, 400, 400, 429], outage.__name__  # limited
            assert max(statuses) < 500
            slowest[outage.__name__] = p99(latencies)
            assert slowest[outage.__name__] < 1 + slowest["forward"], (slowest, sorted(latencies))
            await asyncio.sleep(window)  # the attempts above leave the login window
        await proxy.forward()
        # No restart: each process finds Redis again by itself.
        async with events(a, alice) as socket:
            await asyncio.sleep(3.5)  # B leaves Redis alone for 3 s after its last failure
            created = await b.post("/api/v1/items", json={"title": "back"}, headers=owner)
            assert await next_event(socket) == {"type": "item.created", "item": created.json()}
        wrong = {"username": "swallow1@example.com", "password": "wrong"}
        answers = [(await c.post("/api/v1/auth/token", data=wrong)).status_code for c in (a, b) * 3]
        assert answers == [400, 400, 400, 400, 429, 429]
    await proxy.refuse()


async def welcomed(client: AsyncClient, mailbox: Mailbox, email: str) -> None:
    """Sign up `email`, and wait for its welcome."""
    signup = {"email": email, "password": PASSWORD}
    assert (await client.post("/api/v1/users", json=signup)).status_code == 201
    await eventually(lambda: email in [message["To"] for message in mailbox.messages])


async def test_a_worker_makes_its_group_again_when_redis_lost_the_stream(
    settings: Settings, client: AsyncClient, mailbox: Mailbox
) -> None:
    async with worker(process_env(settings)) as job_worker:
        await welcomed(client, mailbox, "before@example.com")  # the worker is up
        async with Redis.from_url(settings.redis_url) as redis:  # as a restart without persistence
            assert await redis.delete(f"{settings.redis_key_prefix}:jobs") == 1
        await welcomed(client, mailbox, "after@example.com")
        output = await job_worker.stop()
    assert job_worker.count("consumer group is gone") == 1, output
    assert "Traceback" not in output, output


async def test_a_worker_waits_out_a_redis_outage_and_goes_on(
    settings: Settings, client: AsyncClient, mailbox: Mailbox
) -> None:
    proxy = RedisProxy(settings)
    await proxy.forward()
    env = process_env(settings, REDIS_URL=f"redis://127.0.0.1:{proxy.port}/0")

    try:
        async with worker(env) as job_worker:
            await welcomed(client, mailbox, "before@example.com")  # the worker is up
            for n, outage in enumerate((proxy.refuse, proxy.swallow), start=1):
                await outage()
                await eventually(lambda: job_worker.count("Redis is unavailable") == n)  # noqa: B023
                await proxy.forward()
                await welcomed(client, mailbox, f"after-{outage.__name__}@example.com")
                assert job_worker.count("Redis is available again") == n
            output = await job_worker.stop()
        assert "Traceback" not in output, output
    finally:
        await proxy.refuse()


async def test_gunicorn_with_uvicorn_workers_carries_events_across_them(
    settings: Settings,
) -> None:
    port = free_port()
    gunicorn = (
        *(sys.executable, "-m", "gunicorn", "{{ cookiecutter.package_name }}.main:app"),
        *("--workers", "2", "--worker-class", "uvicorn_worker.UvicornWorker"),
        *("--bind", f"127.0.0.1:{port}"),
    )
    env = process_env(settings, LOG_FORMAT="json")
    async with (
        running(*gunicorn, env=env) as process,
        AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        await wait_until_serving(client, process.process)
        token = await sign_up(client, "alice@example.com")
        owner = {"Authorization": f"Bearer {token}"}
        async with AsyncExitStack() as stack:
            sockets = [await stack.enter_async_context(events(client, token)) for _ in range(6)]
            created = []
            for n in range(6):  # each on a new connection: the workers take turns at accepting
                async with AsyncClient(base_url=f"http://127.0.0.1:{port}") as fresh:
                    response = await fresh.post(
                        "/api/v1/items", json={"title": f"{n}"}, headers=owner
                    )
                    created.append({"type": "item.created", "item": response.json()})
            for socket in sockets:
                assert [await next_event(socket) for _ in created] == created
        output = await process.stop()
    access = [json.loads(line) for line in output.splitlines() if '"route"' in line]
    socket_processes = {r["process"] for r in access if r["path"] == "/api/v1/items/events"}
    write_processes = {
        r["process"] for r in access if r["method"] == "POST" and r["path"] == "/api/v1/items"
    }
    assert len(socket_processes | write_processes) == 2, output  # both workers served
    assert any(w != s for w in write_processes for s in socket_processes), output
