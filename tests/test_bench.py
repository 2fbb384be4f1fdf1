"""`make bench` in miniature: the benchmark runs end to end in seconds and every request succeeds.

The figures of a smoke run mean nothing (one-second rounds on a busy machine); what it proves is
that the script still renders, installs, seeds, serves and loads every endpoint of the generated
service and of both baselines, and reports them all.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, require_or_skip

BENCH = ROOT / "bench"
WRK_UNAVAILABLE = 3  # bench/run.py's exit status when wrk is missing and cannot be installed


@pytest.mark.timeout(600)
def test_bench_smoke(tmp_path: Path, uv: str) -> None:
    output = tmp_path / "results.json"
    command = [sys.executable, str(BENCH / "run.py"), "--smoke", "--no-ml", "--output", str(output)]
    result = subprocess.run(
        [*command, "--workdir", str(tmp_path / "work")],
        env={**os.environ, "UV": uv},
        capture_output=True,
        text=True,
        timeout=590,
    )
    if result.returncode == WRK_UNAVAILABLE:
        require_or_skip(False, f"wrk cannot be had here: {result.stderr.strip()}", "REQUIRE_WRK")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]

    report = json.loads(output.read_text())
    assert report["errors"] == 0
    assert list(report["databases"]) == ["sqlite"]
    sqlite = report["databases"]["sqlite"]
    served = {app: sorted(endpoints) for app, endpoints in sqlite["results"].items()}
    assert served == {
        "generated": ["create", "health", "item", "list"],
        "bare_fastapi": ["create", "health", "item", "list"],
        "flask_gunicorn": ["health", "item"],
    }
    for app, endpoints in sqlite["results"].items():
        for endpoint, figures in endpoints.items():
            assert figures["requests"] > 0, (app, endpoint)
            assert figures["errors"] == 0, (app, endpoint)
            assert sqlite["ratios"][app][endpoint] > 0, (app, endpoint)
    assert sqlite["pagination"]["large"]["requests"] > 0
    assert sqlite["memory"]["after_requests_mib"] > 0
    assert 0 < sqlite["import_and_build_s"] < 60
    assert report["newcomer"]["render_s"] > 0
    assert {t["target"].split(",")[0] for t in report["targets"]} >= {
        "middleware: /health vs bare FastAPI",
        "authenticated item read vs bare FastAPI",
        "list p50",
        "import and build the app",
    }
    # The table is printed and written next to the JSON.
    table = output.with_suffix(".md").read_text()
    assert "| GET /api/v1/items/{id} | generated service |" in table
    assert table in result.stdout
    assert not (tmp_path / "work").exists(), "the work folder (renders, venvs) is removed"
    # broker=redis next to broker=none, when Redis answers.
    require_or_skip("broker" in report, "no Redis: no broker comparison", "REQUIRE_REDIS")
    for app in ("broker_none", "broker_redis"):
        for endpoint in ("health", "item"):
            figures = report["broker"]["results"][app][endpoint]
            assert figures["requests"] > 0, (app, endpoint)
            assert figures["errors"] == 0, (app, endpoint)
            assert report["broker"]["vs_none"][app][endpoint] > 0, (app, endpoint)
    assert "/health, broker=redis vs broker=none" in {t["target"] for t in report["targets"]}
    assert "| GET /health | redis |" in table


@pytest.mark.timeout(600)
def test_bench_ml_smoke(tmp_path: Path, uv: str) -> None:
    """The model-serving comparison alone: every implementation answers every request."""
    output = tmp_path / "results.json"
    command = [
        sys.executable,
        str(BENCH / "run.py"),
        "--smoke",
        "--ml-only",
        "--output",
        str(output),
    ]
    result = subprocess.run(
        [*command, "--workdir", str(tmp_path / "work")],
        env={**os.environ, "UV": uv},
        capture_output=True,
        text=True,
        timeout=590,
    )
    if result.returncode == WRK_UNAVAILABLE:
        require_or_skip(False, f"wrk cannot be had here: {result.stderr.strip()}", "REQUIRE_WRK")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]

    report = json.loads(output.read_text())
    assert report["errors"] == 0
    assert report["databases"] == {}
    ml = report["ml"]
    connections = ml["connections"]
    for app in ("generated", "generated_unbatched", "bare_fastapi", "flask_gunicorn"):
        for count in connections:
            figures = ml["results"][app][f"single_{count}"]
            assert figures["requests"] > 0, (app, count)
            assert figures["errors"] == 0, (app, count)
            assert ml["vs_flask"][app][f"single_{count}"] > 0, (app, count)
    assert ml["results"]["generated"]["batch"]["requests"] > 0
    assert ml["batch_rows_per_s"] == round(ml["results"]["generated"]["batch"]["rps"] * 256)
    assert {t["target"].split(",")[0] for t in report["targets"]} == {
        "single-row predictions/s vs Flask + gunicorn",
        "batch rows/s (256 a request) vs single-row predictions/s",
    }
    table = output.with_suffix(".md").read_text()
    assert "| one track, " in table
    assert table in result.stdout
    assert not (tmp_path / "work").exists(), "the work folder (renders, venvs) is removed"


def test_bench_code_is_lint_clean() -> None:
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a test dependency of the template; run through `make test`"
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [ruff, *args, "bench"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(1200)
def test_instruction_counts(tmp_path: Path, uv: str) -> None:
    """`make bench-instructions` in miniature: every app is counted, and each layer costs more."""
    require_or_skip(bool(shutil.which("valgrind")), "valgrind is not installed", "REQUIRE_VALGRIND")
    output = tmp_path / "instructions.json"
    # 200: start-up varies by some 500k instructions from run to run; spread over 200 requests
    # that stays far below the 30k and more a request between the rows compared below.
    command = [sys.executable, str(BENCH / "instructions.py"), "--requests", "200"]
    result = subprocess.run(
        [*command, "--output", str(output), "--workdir", str(tmp_path / "work")],
        env={**os.environ, "UV": uv},
        capture_output=True,
        text=True,
        timeout=1190,  # six apps, twice each, under callgrind: minutes on a busy machine
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]

    report = json.loads(output.read_text())
    counts = report["per_request"]
    # Each request runs FastAPI's routing and a JSON response: hundreds of thousands of instructions.
    assert all(count > 100_000 for count in counts.values()), counts
    without = counts["generated, without ServiceMiddleware"]
    headers = counts["generated, its response headers alone"]
    generated = counts["generated service (JSON access lines, metrics)"]
    assert without < headers < generated < counts["generated service, tracing on"]
    assert counts["bare FastAPI"] < counts["bare FastAPI, uvicorn's access log on"]
    assert report["middleware"] == generated - without
    assert "| generated service (JSON access lines, metrics) |" in result.stdout
    assert not (tmp_path / "work").exists(), "the work folder (render, venv) is removed"
