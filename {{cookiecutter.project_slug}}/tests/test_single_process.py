"""broker=none keeps item events, login limits and jobs in one process: more are refused."""

import asyncio

import pytest

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

from tests.helpers import free_port, process_env, running, uvicorn


def test_the_app_refuses_to_be_built_for_several_processes(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(SystemExit) as refused:
        create_app(settings.model_copy(update={"web_concurrency": 2}))
    assert refused.value.code == 3  # uvicorn and gunicorn: do not start this worker again
    assert "WEB_CONCURRENCY=2" in caplog.text
    assert "broker=redis" in caplog.text


async def test_uvicorn_with_several_workers_stops(settings: Settings) -> None:
    """Every worker refuses, and uvicorn stops instead of starting them again."""
    env = process_env(settings, WEB_CONCURRENCY="2")  # uvicorn's worker count, as gunicorn's
    async with running(*uvicorn(free_port()), env=env) as server:
        await asyncio.wait_for(server.process.wait(), timeout=60)
    output = "".join(server.lines)
    assert "WEB_CONCURRENCY=2" in output, output
    assert "broker=redis" in output, output
    assert "Application startup complete" not in output, output
    assert "Traceback" not in output, output
