"""Graceful shutdown of the real server: SIGTERM lets in-flight requests finish and tells
WebSocket clients to reconnect elsewhere."""

import asyncio
import signal
import sys
from asyncio.subprocess import PIPE, STDOUT

import pytest
from httpx2 import AsyncClient, Response
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from {{ cookiecutter.package_name }}.core.config import Settings

from tests.helpers import PASSWORD, free_port, process_env, server, wait_until_serving


async def test_sigterm_finishes_in_flight_requests(settings: Settings) -> None:
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        *(
            sys.executable,
            "-m",
            "uvicorn",
            "{{ cookiecutter.package_name }}.main:app",
            "--port",
            str(port),
        ),
        env=process_env(settings),
        stdout=PIPE,
        stderr=STDOUT,
    )
    try:
        async with AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            await wait_until_serving(client, server)
            # Sign-ups hash with Argon2 on the server: each takes long enough to be in flight.
            signups = [
                asyncio.create_task(
                    client.post(
                        "/api/v1/users", json={"email": f"u{n}@example.com", "password": PASSWORD}
                    )
                )
                for n in range(8)
            ]
            # SIGTERM closes connections whose request the server has not read yet (uvicorn
            # treats them as idle), so wait until it has every one: in progress or answered.
            await _until_received(client, signups)
            server.send_signal(signal.SIGTERM)
            responses = await asyncio.gather(*signups)
        output = (await asyncio.wait_for(server.communicate(), timeout=30))[0].decode()
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    assert [response.status_code for response in responses] == [201] * 8
    assert server.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in output
    assert "Database connections closed" in output
    assert "Traceback" not in output


async def _until_received(client: AsyncClient, requests: list[asyncio.Task[Response]]) -> None:
    """Until the server has read every request: in progress (a scrape aside) or answered."""
    deadline = asyncio.get_running_loop().time() + 30
    async with AsyncClient(base_url=client.base_url, timeout=30) as scraper:
        while True:
            answered = sum(task.done() for task in requests)
            if await _in_progress(scraper) - 1 + answered >= len(requests):
                return
            assert asyncio.get_running_loop().time() < deadline, "requests never reached the server"
            await asyncio.sleep(0.005)


async def _in_progress(client: AsyncClient) -> int:
    """The server's `http_requests_in_progress`."""
    scrape = (await client.get("/metrics")).text
    line = next(
        line for line in scrape.splitlines() if line.startswith("http_requests_in_progress ")
    )
    return int(float(line.split()[1]))


async def test_sigterm_closes_sockets_with_service_restart(settings: Settings) -> None:
    """Code 1012 (service restart): the client reconnects, to another replica."""
    async with server(process_env(settings)) as (client, process):
        user = {"email": "ada@example.com", "password": PASSWORD}
        assert (await client.post("/api/v1/users", json=user)).status_code == 201
        form = {"username": user["email"], "password": PASSWORD}
        token = (await client.post("/api/v1/auth/token", data=form)).json()["access_token"]
        url = f"{client.base_url}/api/v1/items/events".replace("http", "ws", 1)
        async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as socket:
            process.process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(_until_closed(socket), timeout=30)
        output = await process.stop()
    assert closed.value.rcvd is not None, output
    assert closed.value.rcvd.code == 1012, output


async def _until_closed(socket: ClientConnection) -> None:
    while True:  # broker=redis says resync first
        await socket.recv()
