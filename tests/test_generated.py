"""Each generated project installs into a fresh virtual environment and passes its own checks.

The checks read the Python code and pyproject.toml, which only the variables of CODE_OPTIONS
change (`test_only_code_options_change_the_code` proves that). The code variants cover every pair
of their values, plus the default and everything on. File-level linters run per combination in
test_linters.py.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import (
    CODE_OPTIONS,
    CONTEXT,
    all_combinations,
    code_variants,
    find_python,
    iter_files,
    require_or_skip,
)

# Where the generated projects' browser tests (tests/test_browser.py) look for a browser.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

DATABASES = CONTEXT["database"]
CODE_VARIANTS = code_variants()


def variant_id(variant: dict[str, object]) -> str:
    parts = []
    for name, value in variant.items():
        if isinstance(value, bool):
            parts.append(name.removeprefix("use_") if value else f"no_{name.removeprefix('use_')}")
        else:
            parts.append(f"py{value}" if name == "python_version" else f"{name}_{value}")
    return "-".join(parts)


def code_fingerprint(project: Path) -> str:
    """A hash of everything the project's checks read (license metadata aside)."""
    digest = hashlib.sha256()
    for path in iter_files(project):
        relative = path.relative_to(project)
        if path.suffix == ".py" or relative.parts[0] in {"src", "tests", "migrations"}:
            digest.update(str(relative).encode() + path.read_bytes())
    pyproject = (project / "pyproject.toml").read_text().splitlines()
    kept = [line for line in pyproject if not line.startswith(("license", "description"))]
    digest.update("\n".join(kept).encode())
    return digest.hexdigest()


def test_only_code_options_change_the_code(render, tmp_path: Path) -> None:
    """Each combination's code is that of its code options with every other answer left default;
    and every code variant's code differs from every other's."""
    fingerprints: dict[str, str] = {}

    def fingerprint_of(variant: dict[str, object]) -> str:
        key = variant_id(variant)
        if key not in fingerprints:
            fingerprints[key] = code_fingerprint(render(tmp_path / key, **variant))
        return fingerprints[key]

    variants = [fingerprint_of(variant) for variant in CODE_VARIANTS]
    assert len(set(variants)) == len(CODE_VARIANTS)
    for index, answers in enumerate(all_combinations()):
        project = render(tmp_path / f"combination-{index}", **answers)
        variant = {name: answers[name] for name in CODE_OPTIONS}
        assert code_fingerprint(project) == fingerprint_of(variant), answers


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 1200
) -> str:
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{why_it_failed(output)}"
    )
    return output


def why_it_failed(output: str, limit: int = 40_000) -> str:
    """pytest's failures and errors, whole, and its summary; else the end of the output."""
    starts = [output.find(header) for header in ("= ERRORS =", "= FAILURES =")]
    start = min((index for index in starts if index >= 0), default=-1)
    if start < 0 or len(output) - start <= limit:
        return output[start if start >= 0 else -limit :]
    return f"{output[start : start + limit - 4000]}\n[...]\n{output[-4000:]}"


def browser_found() -> bool:
    """Whether the generated browser tests find a browser here (looking where they look)."""
    configured = os.environ.get("BROWSER_EXECUTABLE")
    return bool(shutil.which(configured) if configured else any(map(shutil.which, BROWSER_NAMES)))


def run_browser_tests() -> bool:
    """Without a browser the generated browser tests are left out, unless REQUIRE_BROWSER=1."""
    return browser_found() or os.environ.get("REQUIRE_BROWSER") == "1"


def test_generated_browser_tests_run_here() -> None:
    """Say so, with a skip, when the generated projects' browser tests were left out."""
    require_or_skip(
        browser_found(),
        "no Chromium here: the generated projects' browser tests were deselected "
        "(apt-get install chromium, or set BROWSER_EXECUTABLE)",
        "REQUIRE_BROWSER",
    )


def port_answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def install(project: Path, python: str, uv: str, *, image: bool = False) -> Path:
    """Install exactly the project's uv.lock into a fresh virtual environment; return its bin
    folder. With `image`: as the Dockerfile does (its `uv sync` commands: no dev tools, no
    editable install), else as `make install` does (the service editable, with its dev tools)."""
    venv = project.parent / f"venv-{'image' if image else 'dev'}"
    syncs = [["sync", "--locked"]]
    if image:
        dockerfile = (project / "Dockerfile").read_text()
        assert "UV_PROJECT_ENVIRONMENT=/opt/venv" in dockerfile
        syncs = [command.split()[1:] for command in re.findall(r"uv sync [-a-z ]+", dockerfile)]
        assert syncs, "the Dockerfile installs with uv sync"
    for sync in syncs:
        run(
            [uv, *sync, "--quiet", "--python", python],
            cwd=project,
            env={"UV_PROJECT_ENVIRONMENT": str(venv)},
        )
    return venv / "bin"


def prepare(render, tmp_path: Path, variant: dict[str, object]) -> tuple[Path, str, dict[str, str]]:
    """Render the variant; return it with its interpreter and the environment its checks need."""
    python = find_python(str(variant["python_version"]))
    require_or_skip(
        python is not None, f"no Python {variant['python_version']} here", "REQUIRE_ALL_PYTHONS"
    )
    env: dict[str, str] = {}
    if variant["database"] == "postgresql":
        require_or_skip(port_answers(5432), "no PostgreSQL on 127.0.0.1:5432", "REQUIRE_POSTGRES")
        env = {
            "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/my_service",
            "REQUIRE_POSTGRES": "1",
        }
    if variant.get("broker") == "redis":
        require_or_skip(port_answers(6379), "no Redis on 127.0.0.1:6379", "REQUIRE_REDIS")
        env["REQUIRE_REDIS"] = "1"
    assert python is not None
    return render(tmp_path, **variant), python, env


@pytest.mark.parametrize("variant", CODE_VARIANTS, ids=variant_id)
def test_generated_project_passes_its_checks(
    render, tmp_path: Path, uv: str, variant: dict[str, object]
) -> None:
    project, python, env = prepare(render, tmp_path, variant)
    bin_dir = install(project, python, uv)
    browser = run_browser_tests()
    pytest_args = ["-p", "no:cacheprovider", *([] if browser else ["-m", "not browser"])]
    suite = run([str(bin_dir / "pytest"), *pytest_args], cwd=project, env=env)
    # Every test ran and passed: nothing skipped, nothing deselected but the browser tests when
    # this machine has no browser (test_generated_browser_tests_run_here reports that).
    passed = r"\d+ passed" if browser else r"\d+ passed, \d+ deselected"
    closing = rf"^=*\s*{passed} in [\d.]+s( \([\d:]+\))?\s*=*$"  # "(0:01:06)" past a minute
    assert re.search(closing, suite, re.MULTILINE), suite[-3000:]
    postgres = variant["database"] == "postgresql"
    expected_database = "127.0.0.1:5432/my_service_test_" if postgres else "sqlite+aiosqlite:///"
    assert f"database: {expected_database}" in suite
    run([str(bin_dir / "ruff"), "check", "."], cwd=project)
    run([str(bin_dir / "ruff"), "format", "--check", "."], cwd=project)
    run([str(bin_dir / "mypy")], cwd=project)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    method: str,
    url: str,
    body: dict[str, str] | None = None,
    *,
    form: bool = False,
    token: str | None = None,
) -> tuple[int, dict[str, object]]:
    data = None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        data = urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode()
        headers["Content-Type"] = (
            "application/x-www-form-urlencoded" if form else "application/json"
        )
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data, headers, method=method), timeout=10
        ) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


# A browser's WebSocket (token in the URL) and another client's (token in a header), run with the
# project's own interpreter: the standard library has no WebSocket client.
WEBSOCKET_CLIENTS = """
import sys
from websockets.sync.client import connect
url, token = sys.argv[1:]
for socket in (connect(f"{url}?token={token}"), connect(url, additional_headers={"Authorization": f"Bearer {token}"})):
    socket.close()
"""

POSTGRES_DATABASE = """
import asyncio, sys, asyncpg
async def main(action, name):
    connection = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    sql = f'CREATE DATABASE "{name}"' if action == "create" else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    await connection.execute(sql)
    await connection.close()
asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.parametrize("database", DATABASES)
def test_what_the_dockerfile_runs_serves_the_api(
    render, tmp_path: Path, uv: str, database: str
) -> None:
    """No Docker engine here: install as the image does, then run its migrate, CMD and HEALTHCHECK."""
    variant = {"python_version": CONTEXT["python_version"][0], "database": database}
    project, python, _ = prepare(render, tmp_path, variant)
    bin_dir = install(project, python, uv, image=True)
    assert not (bin_dir / "pytest").exists(), "the image holds no dev tools"
    dockerfile = (project / "Dockerfile").read_text()
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1))
    healthcheck = json.loads(re.search(r"^\s+CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1))
    workers = re.search(r"WEB_CONCURRENCY=(\d+)", dockerfile).group(1)
    port = str(free_port())
    command = [port if arg == "8000" else arg for arg in command]
    healthcheck = [arg.replace(":8000/", f":{port}/") for arg in healthcheck]

    # The image's /app: alembic.ini and migrations/, and no source tree.
    app = tmp_path / "app"
    (app / "data").mkdir(parents=True)
    shutil.copy(project / "alembic.ini", app)
    shutil.copytree(project / "migrations", app / "migrations")
    database_name = f"container_{port}"
    if database == "postgresql":
        run([str(bin_dir / "python"), "-c", POSTGRES_DATABASE, "create", database_name], cwd=app)
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database_name}"
    else:
        url = f"sqlite+aiosqlite:///{app / 'data' / 'service.db'}"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "a-strong-production-secret-key-of-48-characters!",
        "EMAIL_ENABLED": "false",  # production needs an SMTP server otherwise
        "WEB_CONCURRENCY": workers,
    }
    try:
        subprocess.run(
            ["alembic", "upgrade", "head"], cwd=app, env=env, check=True, capture_output=True
        )
        server = subprocess.Popen(
            command, cwd=app, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + 30
            while subprocess.run(healthcheck, env=env, capture_output=True).returncode != 0:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
                time.sleep(0.2)
            base = f"http://127.0.0.1:{port}"
            user = {"email": "ada@example.com", "password": "correct horse battery"}
            assert request("POST", f"{base}/api/v1/users", user)[0] == 201
            status, token = request(
                "POST",
                f"{base}/api/v1/auth/token",
                {"username": user["email"], "password": user["password"]},
                form=True,
            )
            assert status == 200
            access = str(token["access_token"])
            status, item = request(
                "POST", f"{base}/api/v1/items", {"title": "from the image"}, token=access
            )
            assert status == 201
            status, page = request("GET", f"{base}/api/v1/items", token=access)
            assert (status, page["items"]) == (200, [item])
            assert request("GET", f"{base}/health/ready")[0] == 200
            events = f"ws://127.0.0.1:{port}/api/v1/items/events"
            run([str(bin_dir / "python"), "-c", WEBSOCKET_CLIENTS, events, access], cwd=app)
            assert request("GET", f"{base}/docs")[0] == 404, "production serves no docs by default"
        finally:
            server.send_signal(signal.SIGTERM)
            output = server.communicate(timeout=30)[0]
        # uvicorn exits by the signal it was stopped with, after a graceful shutdown.
        assert server.returncode in (0, -signal.SIGTERM), output
        assert output.count("Application shutdown complete") == int(workers), output
        assert "Traceback" not in output, output
        # Nothing it printed, from any logger, holds a credential (browsers put tokens in URLs).
        for secret in (access, user["password"], "?token=", "Bearer"):
            assert secret not in output, f"{secret[:12]}... was printed:\n{output}"
        records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        sessions = [record for record in records if record.get("path") == "/api/v1/items/events"]
        assert len(sessions) == 2, output  # JSON access lines
    finally:
        if database == "postgresql":
            run([str(bin_dir / "python"), "-c", POSTGRES_DATABASE, "drop", database_name], cwd=app)
