#!/usr/bin/env python3
"""`make bench-instructions`: what the generated middleware costs a /health request, in instructions.

wrk's ratios (`make bench`) move by a few percent from one run to the next on a shared machine;
the instructions a request takes do not. This renders the default project, installs it as
`make bench` does, and serves GET /health in-process through uvicorn's own HTTP protocol
(httptools: the same parsing and response writing as under wrk, without the sockets) under
valgrind's callgrind, for the bare FastAPI baseline (without and with uvicorn's own access log,
which is what a user gets without us), the generated app without its ServiceMiddleware, the
generated app with a layer in its place that only appends the same response headers (the floor of
what those headers cost), the generated app as it runs in production (JSON access lines and
metrics on), and the same with tracing on (spans exported over OTLP/HTTP to a receiver in another
process, which callgrind does not count). Each runs twice, for two numbers of requests, so that
start-up cancels out of the difference. Prints a markdown table and writes it as JSON.
"""

import argparse
import json
import re
import secrets
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from run import ROOT, install_service, package_name, python_version, render
from support import HERE, child_env, fail, find_uv, log

# Serves `count` requests for GET /health to one app through uvicorn's httptools protocol.
DRIVER = r"""
import asyncio, importlib, sys
import uvloop
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

module, variant, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
uvicorn_access_log = variant == "uvicorn-access-log"
app = importlib.import_module(module).app
REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"


# The headers ServiceMiddleware appends to a response, with the values of one request.
async def appended_headers(middleware):
    sent = []

    async def empty_response(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def capture(message):
        sent.append(message)

    layer = middleware.cls(empty_response, *middleware.args, **middleware.kwargs)
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "scheme": "http"}
    await layer(scope, None, capture)
    return sent[0]["headers"]


# Appends those headers, and does nothing else.
class HeadersOnly:
    headers = []

    def __init__(self, app, **options):
        self.app = app

    async def __call__(self, scope, receive, send):
        def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.headers]
            return send(message)

        await self.app(scope, receive, send_with_headers)


if variant in ("headers-only", "without-middleware"):
    (ours,) = [m for m in app.user_middleware if m.cls.__name__ == "ServiceMiddleware"]
    index = app.user_middleware.index(ours)
    if variant == "headers-only":
        HeadersOnly.headers = asyncio.run(appended_headers(ours))
        app.user_middleware[index] = type(ours)(HeadersOnly)
    else:
        del app.user_middleware[index]


class Transport(asyncio.Transport):
    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def write(self, data):
        pass

    def is_closing(self):
        return False


class Protocol(HttpToolsProtocol):
    def on_response_complete(self):
        super().on_response_complete()
        self.done.set_result(None)


async def main():
    loop = asyncio.get_running_loop()
    # uvicorn's access lines go to stdout, as they do by default; the service's own to stderr.
    level = "info" if uvicorn_access_log else "warning"
    config = Config(
        app, http="httptools", lifespan="off", log_level=level, access_log=uvicorn_access_log
    )
    protocol = Protocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    protocol.connection_made(Transport())
    for _ in range(count):
        protocol.done = loop.create_future()
        protocol.data_received(REQUEST)
        await protocol.done


uvloop.run(main())
"""

BARE = "bare FastAPI"
BARE_LOGGED = "bare FastAPI, uvicorn's access log on"
WITHOUT = "generated, without ServiceMiddleware"
HEADERS = "generated, its response headers alone"
GENERATED = "generated service (JSON access lines, metrics)"
TRACED = "generated service, tracing on"
APPS = {  # name: (module, variant, extra sys.path)
    BARE: ("bare_app", "as-is", str(HERE)),
    BARE_LOGGED: ("bare_app", "uvicorn-access-log", str(HERE)),
    WITHOUT: ("{package}.main", "without-middleware", ""),
    HEADERS: ("{package}.main", "headers-only", ""),
    GENERATED: ("{package}.main", "as-is", ""),
    TRACED: ("{package}.main", "traced", ""),
}
# Takes OTLP/HTTP exports and drops them, in a process of its own.
RECEIVER = r"""
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""
START = 20  # requests of the shorter run: the warm-up both runs share


def count_instructions(command: list[str], env: dict[str, str], cwd: Path) -> int:
    """Instructions callgrind counts for a whole run of `command`."""
    out = cwd / f"callgrind.{secrets.token_hex(4)}.out"
    valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command]
    result = subprocess.run(valgrind, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    out.unlink(missing_ok=True)
    collected = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or collected is None:
        fail(f"{' '.join(command)} under callgrind failed:\n{result.stderr[-3000:]}")
    return int(collected.group(1))


def measure(workdir: Path, requests: int, receiver_port: int) -> dict[str, int]:
    """Instructions per request for each of APPS."""
    uv = find_uv()
    python = python_version(uv)
    log("render and install the default project")
    project = render(workdir, python_version=python)
    package = package_name(project)
    bin_dir = install_service(uv, project, python)
    driver = workdir / "driver.py"
    driver.write_text(DRIVER)
    env = child_env(
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        EMAIL_ENABLED="false",  # production needs an SMTP server otherwise
        DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'unused.db'}",  # /health never opens it
        LOG_LEVEL="INFO",  # the service's access lines on, as in production (JSON there)
        PYTHONHASHSEED="0",  # the same dict layouts in every run
    )
    traced = {**env, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver_port}"}
    runs = {
        (name, count): (
            [
                str(bin_dir / "python"),
                str(driver),
                module.format(package=package),
                variant,
                str(count),
            ],
            {**env, "PYTHONPATH": path} if path else traced if variant == "traced" else env,
        )
        for name, (module, variant, path) in APPS.items()
        for count in (START, START + requests)
    }
    log(f"{len(runs)} runs under callgrind, two at a time")
    with ThreadPoolExecutor(max_workers=2) as pool:
        counted = pool.map(lambda job: count_instructions(*job, cwd=project), runs.values())
        totals = dict(zip(runs, counted, strict=True))
    return {
        name: round((totals[name, START + requests] - totals[name, START]) / requests)
        for name in APPS
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="per app (default: 1000)")
    parser.add_argument("--output", type=Path, default=ROOT / ".bench" / "instructions.json")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench" / "instructions")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        fail("valgrind is missing (apt-get install valgrind)", status=3)
    shutil.rmtree(args.workdir, ignore_errors=True)
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None
        per_request = measure(args.workdir, args.requests, int(receiver.stdout.readline()))
    finally:
        receiver.terminate()
        shutil.rmtree(args.workdir, ignore_errors=True)

    bare, logged = per_request[BARE], per_request[BARE_LOGGED]
    without = per_request[WITHOUT]
    middleware = per_request[GENERATED] - without
    headers = per_request[HEADERS] - without
    lines = [
        "| app | instructions per GET /health | vs bare FastAPI | vs bare FastAPI with its access log |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {count:,} | {count / bare:.3f}x | {count / logged:.3f}x |"
        for name, count in per_request.items()
    ]
    lines.append(
        f"\nServiceMiddleware: {middleware:,} instructions a request ({middleware / bare:.1%} of the"
        f" bare app's); appending its headers alone: {headers:,} ({headers / bare:.1%})."
    )
    report = {"per_request": per_request, "middleware": middleware, "headers_alone": headers}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
