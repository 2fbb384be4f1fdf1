"""Graceful shutdown of the real server: SIGTERM lets in-flight requests finish."""

import asyncio
import os
import signal
import sys
from asyncio.subprocess import PIPE, STDOUT

from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings

from tests.helpers import PASSWORD, free_port, wait_until_serving


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
        env=os.environ
        | {
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key.get_secret_value(),
            "ENVIRONMENT": "test",
        },
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
            await asyncio.wait(signups, return_when=asyncio.FIRST_COMPLETED)
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
