"""What the real server prints: one JSON object a line, tagged with the request id, no secrets.

Started with plain `uvicorn <app>` (its access log on, as a user who forgets the flag gets it):
the service turns uvicorn's access lines off itself and writes its own, without query strings.
"""

import asyncio
import json
import signal
import sys
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from httpx2 import AsyncClient
from websockets.asyncio.client import connect

from {{ cookiecutter.package_name }}.core.config import Settings

from tests.helpers import PASSWORD, free_port, process_env, wait_until_serving


@asynccontextmanager
async def production_server(settings: Settings, output: list[str]) -> AsyncIterator[int]:
    """Serve the app in a real uvicorn process in production mode; collect what it prints."""
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "uvicorn", "{{ cookiecutter.package_name }}.main:app"),
        *("--port", str(port), "--proxy-headers"),
        env=process_env(settings, ENVIRONMENT="production", LOG_LEVEL="DEBUG"),
        stdout=PIPE,
        stderr=STDOUT,
    )
    try:
        async with AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            await wait_until_serving(client, server)
        yield port
    finally:
        if server.returncode is None:
            server.send_signal(signal.SIGTERM)
        printed = (await asyncio.wait_for(server.communicate(), timeout=30))[0]
        output.extend(printed.decode().splitlines())


async def test_logs_are_json_lines_with_request_ids_and_no_secrets(settings: Settings) -> None:
    output: list[str] = []
    async with production_server(settings, output) as port:
        base = f"127.0.0.1:{port}"
        async with AsyncClient(base_url=f"http://{base}", timeout=30) as client:
            user = {"email": "ada@example.com", "password": PASSWORD}
            assert (await client.post("/api/v1/users", json=user)).status_code == 201
            form = {"username": user["email"], "password": PASSWORD}
            token = (await client.post("/api/v1/auth/token", data=form)).json()["access_token"]
            wrong = {"username": user["email"], "password": PASSWORD + "!"}
            assert (await client.post("/api/v1/auth/token", data=wrong)).status_code == 400
            headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "trace-me-42"}
            me = await client.get("/api/v1/users/me?verbose=1", headers=headers)
            assert me.status_code == 200

            # A browser passes the token in the URL; other clients in a header.
            events = f"ws://{base}/api/v1/items/events"
            async with (
                connect(f"{events}?token={token}") as browser,
                connect(events, additional_headers={"Authorization": f"Bearer {token}"}) as other,
            ):
                created = await client.post(
                    "/api/v1/items", json={"title": "logged"}, headers=headers
                )
                assert created.status_code == 201
                for socket in (browser, other):
                    event: dict[str, Any] = {"type": "resync"}
                    while event["type"] == "resync":  # what broker=redis sends first
                        event = json.loads(await asyncio.wait_for(socket.recv(), 5))
                    assert event["item"]["id"] == created.json()["id"]

            # Behind a trusted TLS proxy the request is HTTPS, so it gets HSTS; plain HTTP not.
            secure = await client.get("/health", headers={"X-Forwarded-Proto": "https"})
            assert secure.headers["strict-transport-security"].startswith("max-age=")
            plain = await client.get("/health")
            assert "strict-transport-security" not in plain.headers

    records = [json.loads(line) for line in output if line.strip()]  # each line is JSON
    assert all({"timestamp", "level", "logger", "message"} <= record.keys() for record in records)
    printed = "\n".join(output)
    for secret in (token, PASSWORD, "?token=", "verbose=1"):
        assert secret not in printed
    assert "authorization" not in printed.lower()
    assert "bearer" not in printed.lower()

    access = [record for record in records if record["logger"].endswith(".access")]
    me_line = next(record for record in access if record["request_id"] == "trace-me-42")
    assert me_line["path"] == me_line["route"] == "/api/v1/users/me"
    assert (me_line["method"], me_line["status"], me_line["client"]) == ("GET", 200, "127.0.0.1")
    assert me_line["duration_ms"] >= 0
    sockets = [record for record in access if record["path"] == "/api/v1/items/events"]
    assert [record["status"] for record in sockets] == [101, 101]
    tagged = [record["path"] for record in access if record["request_id"] == "trace-me-42"]
    assert tagged == ["/api/v1/users/me", "/api/v1/items"]
