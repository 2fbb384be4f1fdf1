#!/usr/bin/env python3
"""`make bench`: how fast the generated service is, next to a bare FastAPI app and Flask.

For the default project, and the PostgreSQL one when a server answers on 127.0.0.1:5432: render
it, install it into a fresh virtual environment, migrate and seed it, serve it with uvicorn (one
worker, uvloop, httptools, no access log) pinned to one CPU, serve the baselines of bench/ the
same way, and drive every endpoint with wrk from the other CPU over loopback: a warm-up, then
interleaved rounds. Prints markdown tables of medians and of ratios against the bare FastAPI
app, writes them with the raw figures as JSON, and exits 1 if any request failed (3 if wrk
cannot be had). `--smoke` runs the same steps in seconds, for CI.
"""

import argparse
import dataclasses
import json
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report import ENDPOINTS, machine, markdown, targets
from support import (
    HERE,
    Cpus,
    Load,
    Server,
    Target,
    child_env,
    ensure_wrk,
    fail,
    find_uv,
    http,
    log,
    ratios,
    run,
    start_server,
    summarize,
    timed,
)

ROOT = HERE.parent
PYTHON_CHOICES: list[str] = json.loads((ROOT / "cookiecutter.json").read_text())["python_version"]
UVICORN = "--host 127.0.0.1 --port {port} --workers 1 --loop uvloop --http httptools --no-access-log --log-level warning"
GUNICORN = "--bind 127.0.0.1:{port} --workers 1 --worker-class sync"
LIST = "/api/v1/items?limit=20"
APPS = {  # what each implementation serves
    "generated": ("health", "item", "list", "create"),
    "bare_fastapi": ("health", "item", "list", "create"),
    "flask_gunicorn": ("health", "item"),
}
# The model-serving comparison (ml_serving=yes): where each implementation predicts one track.
ML_APPS = {
    "generated": "/api/v1/predictions",  # micro-batches on (the default)
    "generated_unbatched": "/api/v1/predictions",  # PREDICTION_MICROBATCH_MAX=1
    "bare_fastapi": "/predict",  # bench/ml_bare_app.py
    "flask_gunicorn": "/predict",  # bench/ml_flask_app.py
}
# broker=redis next to broker=none (SQLite both): the requests that touch no Redis.
BROKERS = ("none", "redis")
ML_BATCH_ROWS = 256  # the generated service's default PREDICTION_BATCH_MAX
TRACKS = """
import json, sys
from {package}.predictions import train
from {package}.predictions.schemas import FEATURES
features, _ = train.make_tracks(int(sys.argv[1]), seed=7)
print(json.dumps([dict(zip(FEATURES, map(float, row))) for row in features]))
"""


@dataclass(frozen=True)
class Plan:
    """How much load, and where: the full run, or the seconds-long smoke that CI runs."""

    databases: tuple[str, ...]
    warmup_s: int  # per target; wrk counts whole seconds
    rounds: int
    round_s: int
    connections: int
    items: int  # the reader's items during the rounds, and the small pagination table
    scale_items: int  # the large pagination table
    memory_requests: int  # to serve after the warm-up before memory is read again
    newcomer: bool  # also install a fresh render (warm cache) and run its test suite
    import_runs: int  # timed runs after an untimed first one (0: one run, timed)
    ml_connections: tuple[int, ...]  # single-row predictions at each; the batch at the first
    ml: bool = True  # the model-serving comparison (an ml_serving=yes render)
    only_ml: bool = False  # that comparison alone (no database runs, no newcomer)
    broker: bool = True  # the broker=redis comparison (when Redis answers)


FULL = Plan(("sqlite", "postgresql"), 1, 10, 1, 16, 1_000, 1_000_000, 100_000, True, 3, (16, 64))
SMOKE = Plan(("sqlite",), 0, 1, 1, 4, 1_000, 2_000, 0, False, 0, (4, 8))


def python_version(uv: str) -> str:
    """The default answer when uv finds that Python, else the one running us (as `make try`)."""
    default = PYTHON_CHOICES[0]
    found = subprocess.run([uv, "python", "find", default], capture_output=True, timeout=60)
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    return default if found.returncode == 0 or current not in PYTHON_CHOICES else current


def render(target: Path, **answers: str) -> Path:
    """Render the template with its default answers but these; return the project folder."""
    target.mkdir(parents=True, exist_ok=True)
    config = target / "cookiecutter.yaml"  # no replay files or clones in the user's home
    config.write_text(f"replay_dir: {target / 'replay'}\ncookiecutters_dir: {target / 'cc'}\n")
    extra = [f"{name}={value}" for name, value in answers.items()]
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "--config-file", config]
    run([*command, "--output-dir", target, ROOT, *extra], timeout=120)
    return target / "my-service"


def package_name(project: Path) -> str:
    """The rendered project's import package: the one folder under src/."""
    return next(path.name for path in (project / "src").iterdir() if path.is_dir())


def install_service(uv: str, project: Path, python: str) -> Path:
    """The project in a fresh .venv, as its image installs it (pip there compiles the bytecode,
    which every start then reads); the venv's bin folder."""
    sync = "sync --quiet --no-dev --no-editable --compile-bytecode --python"
    run([uv, *sync.split(), python], cwd=project)
    return project / ".venv" / "bin"


def service_env(database_url: str, secret: str = "", **extra: str) -> dict[str, str]:
    """The generated service's environment under load: production, quiet, tokens that outlast
    the run."""
    return child_env(
        DATABASE_URL=database_url,
        ENVIRONMENT="production",
        SECRET_KEY=secret or secrets.token_urlsafe(48),
        LOG_LEVEL="WARNING",
        ACCESS_TOKEN_EXPIRE_MINUTES="120",
        EMAIL_ENABLED="false",  # production needs an SMTP server otherwise
        **extra,
    )


def sign_up(base: str, email: str) -> tuple[int, str]:
    """A user of the generated service, and an access token for it."""
    password = secrets.token_urlsafe(16)
    status, user = http(f"{base}/api/v1/users", {"email": email, "password": password})
    if status != 201:
        fail(f"sign-up answered {status}: {user}")
    credentials = {"username": email, "password": password}
    status, token = http(f"{base}/api/v1/auth/token", credentials, form=True)
    if status != 200:
        fail(f"login answered {status}: {token}")
    return int(user["id"]), str(token["access_token"])


@dataclass
class Bench:
    plan: Plan
    uv: str
    python: str
    load: Load
    cpus: Cpus
    workdir: Path

    def install(self, project: Path, database: str) -> tuple[Path, Path]:
        """The project as its image installs it (install_service); the baselines next to it, at
        the versions the project resolved, plus Flask and gunicorn, installed the same way."""
        bin_dir = install_service(self.uv, project, self.python)
        requirements = project.parent / "requirements.txt"
        export = "export --quiet --frozen --no-dev --no-emit-project --no-hashes --output-file"
        run([self.uv, *export.split(), requirements], cwd=project)
        venv = project.parent / "baselines-venv"
        run([self.uv, "venv", "--quiet", "--python", self.python, venv])
        extras = ["psycopg[binary]>=3.2"] if database == "postgresql" else []
        python = venv / "bin" / "python"
        packages = ["-r", requirements, "flask>=3.1", "gunicorn>=23", *extras]
        install = "pip install --quiet --compile-bytecode --python"
        run([self.uv, *install.split(), python, *packages])
        return bin_dir, venv / "bin"

    def import_seconds(self, python: Path, module: str, env: dict[str, str], cwd: Path) -> float:
        """Median seconds to import `module` (which builds the app), after a first, untimed run
        that warms the file cache."""
        code = (
            f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        )
        runs = [
            float(run([python, "-c", code], cwd=cwd, env=env))
            for _ in range(self.plan.import_runs + 1)
        ]
        return round(statistics.median(runs[1:] or runs), 3)

    def database(self, database: str, stack: ExitStack) -> dict[str, Any]:
        """Everything measured against one database; `stack` stops the servers and drops it."""
        plan, work = self.plan, self.workdir / database
        log(f"{database}: render, install, migrate")
        project = render(work, database=database, python_version=self.python)
        package = package_name(project)
        bin_dir, baselines = self.install(project, database)
        dbtool = [baselines / "python", HERE / "dbtool.py"]
        secret = secrets.token_urlsafe(48)
        pin = Cpus.pin(self.cpus.server)

        def serve_generated(name: str) -> tuple[Server, str, dict[str, str]]:
            """A database of its own, migrated, and the generated service on it."""
            if database == "postgresql":
                url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/bench_{secrets.token_hex(4)}"
                run([*dbtool, "create", url])
                stack.callback(run, [*dbtool, "drop", url])
            else:
                url = f"sqlite+aiosqlite:///{work / name}.db"
            env = service_env(url, secret)
            run([bin_dir / "alembic", "upgrade", "head"], cwd=project, env=env)
            command = [*pin, str(bin_dir / "python"), "-m", "uvicorn", f"{package}.main:app"]
            server = start_server(
                stack, name, [*command, *UVICORN.split()], cwd=project, env=env, logs=work
            )
            return server, url, env

        generated, url, env = serve_generated("generated")
        import_s = self.import_seconds(bin_dir / "python", f"{package}.main", env, project)
        bare_import_s = self.import_seconds(baselines / "python", "bare_app", env, HERE)
        log(f"{database}: import and build {import_s:.2f}s (bare app: {bare_import_s:.2f}s)")
        reader, reader_token = sign_up(generated.url, "reader@example.com")
        writer, writer_token = sign_up(generated.url, "writer@example.com")
        item_id = json.loads(run([*dbtool, "seed", url, reader, plan.items]))["first_id"]
        env = {**env, "BENCH_OWNER_ID": str(reader), "BENCH_WRITER_ID": str(writer)}
        uvicorn = [*pin, str(baselines / "python"), "-m", "uvicorn", "bare_app:app"]
        bare = start_server(
            stack, "bare_fastapi", [*uvicorn, *UVICORN.split()], cwd=HERE, env=env, logs=work
        )
        gunicorn = [*pin, str(baselines / "gunicorn"), *GUNICORN.split(), "flask_app:app"]
        flask = start_server(stack, "flask_gunicorn", gunicorn, cwd=HERE, env=env, logs=work)
        servers = {"generated": generated, "bare_fastapi": bare, "flask_gunicorn": flask}

        requests = {
            "health": {"url": "/health"},
            "item": {"url": f"/api/v1/items/{item_id}", "token": reader_token},
            "list": {"url": LIST, "token": reader_token},
            "create": {
                "url": "/api/v1/items",
                "token": writer_token,
                "method": "POST",
                "body": '{"title": "bench"}',
            },
        }
        targets = [
            Target(app, key, **{**requests[key], "url": servers[app].url + requests[key]["url"]})
            for key in ENDPOINTS
            for app in APPS
            if key in APPS[app]
        ]
        if plan.warmup_s:
            log(f"{database}: warm-up, {plan.warmup_s}s per target")
            for target in targets:
                self.load.run(target, plan.warmup_s)
        rss_warm, served_warm = generated.rss_mib(), self.load.served["generated"]
        results: dict[str, dict[str, Any]] = {app: {} for app in APPS}
        samples = self.load.rounds(targets, plan.rounds, plan.round_s)
        for target, runs in samples.items():
            results[target.app][target.endpoint] = summarize(runs)

        # Pagination: this table back to the reader's items alone, next to a second database
        # whose table holds many more, each served by the generated service; interleaved rounds.
        small = json.loads(run([*dbtool, "trim", url, reader]))["items"]
        large, large_url, _ = serve_generated("generated_large")
        large_reader, large_token = sign_up(large.url, "reader@example.com")
        seeded = json.loads(run([*dbtool, "seed", large_url, large_reader, plan.scale_items]))
        log(f"{database}: {seeded['items']:,} items seeded in {seeded['seconds']:.1f}s")
        small_list = next(t for t in targets if t.app == "generated" and t.endpoint == "list")
        large_list = Target("generated_large", "list", large.url + LIST, token=large_token)
        pages = self.load.rounds([small_list, large_list], plan.rounds, plan.round_s)
        before, after = summarize(pages[small_list]), summarize(pages[large_list])
        slowdowns = [
            large_run.p50_ms / small_run.p50_ms
            for small_run, large_run in zip(pages[small_list], pages[large_list], strict=True)
        ]
        pagination = {
            "small_items": small,
            "large_items": seeded["items"],
            "seed_s": round(seeded["seconds"], 2),
            "small": before,
            "large": after,
            "p50_ratio": round(statistics.median(slowdowns), 3),  # of the rounds' ratios
        }

        # The rest of the requests the memory check wants, at the cheapest endpoint; bounded.
        health = next(t for t in targets if t.app == "generated" and t.endpoint == "health")
        for _ in range(5):
            missing = plan.memory_requests - self.load.served["generated"] + served_warm
            if missing <= 0:
                break
            log(f"{database}: {missing:,} more requests before reading memory again")
            seconds = 1 + round(1.3 * missing / results["generated"]["health"]["rps"])
            self.load.run(health, min(seconds, 60))
        rss_after = generated.rss_mib()
        for server in [*servers.values(), large]:
            server.check_alive()
        return {
            "items": plan.items,
            "import_and_build_s": import_s,
            "bare_import_and_build_s": bare_import_s,
            "results": results,
            "ratios": ratios(samples, "bare_fastapi"),
            "pagination": pagination,
            "memory": {
                "after_warmup_mib": rss_warm,
                "after_requests_mib": rss_after,
                "requests": self.load.served["generated"] - served_warm,
                "growth": round(rss_after / rss_warm - 1, 4) if rss_warm and rss_after else 0.0,
            },
        }

    def ml_serving(self, stack: ExitStack) -> dict[str, Any]:
        """The seeds' comparison: the generated prediction endpoint (with and without micro-batches)
        next to a bare FastAPI endpoint and Flask + gunicorn calling the same artifact directly;
        single-row requests at each of `ml_connections`, and the batch endpoint in rows/s."""
        plan, work = self.plan, self.workdir / "ml"
        log("ml_serving: render, install, train the model")
        project = render(work, ml_serving="yes", python_version=self.python)
        package = package_name(project)
        bin_dir, baselines = self.install(project, "sqlite")
        model_path = work / "genre-classifier.skops"
        train = [bin_dir / "python", "-m", f"{package}.predictions.train", "--output", model_path]
        run(train, cwd=project)
        env = service_env(f"sqlite+aiosqlite:///{work / 'ml.db'}", MODEL_PATH=str(model_path))
        run([bin_dir / "alembic", "upgrade", "head"], cwd=project, env=env)
        pin = Cpus.pin(self.cpus.server)
        generated = [*pin, str(bin_dir / "python"), "-m", "uvicorn", f"{package}.main:app"]
        bare = [*pin, str(baselines / "python"), "-m", "uvicorn", "ml_bare_app:app"]
        commands = {
            "generated": ([*generated, *UVICORN.split()], project, env),
            "generated_unbatched": (
                [*generated, *UVICORN.split()],
                project,
                {**env, "PREDICTION_MICROBATCH_MAX": "1"},
            ),
            "bare_fastapi": ([*bare, *UVICORN.split()], HERE, env),
            "flask_gunicorn": (
                [*pin, str(baselines / "gunicorn"), *GUNICORN.split(), "ml_flask_app:app"],
                HERE,
                env,
            ),
        }
        servers = {
            app: start_server(stack, f"ml_{app}", command, cwd=cwd, env=app_env, logs=work)
            for app, (command, cwd, app_env) in commands.items()
        }
        _, token = sign_up(servers["generated"].url, "ml@example.com")
        tracks = json.loads(
            run([bin_dir / "python", "-c", TRACKS.format(package=package), ML_BATCH_ROWS])
        )
        single = json.dumps(tracks[0])
        targets = [
            Target(
                app,
                f"single_{connections}",
                servers[app].url + path,
                method="POST",
                body=single,
                token=token if app.startswith("generated") else "",
                connections=connections,
            )
            for connections in plan.ml_connections
            for app, path in ML_APPS.items()
        ]
        batch = Target(
            "generated",
            "batch",
            servers["generated"].url + "/api/v1/predictions/batch",
            method="POST",
            body=json.dumps({"rows": tracks}),
            token=token,
            connections=plan.ml_connections[0],
        )
        if plan.warmup_s:
            log(f"ml_serving: warm-up, {plan.warmup_s}s per target")
            for target in [*targets, batch]:
                self.load.run(target, plan.warmup_s)
        samples = self.load.rounds([*targets, batch], plan.rounds, plan.round_s)
        results: dict[str, dict[str, Any]] = {app: {} for app in ML_APPS}
        for target, runs in samples.items():
            results[target.app][target.endpoint] = summarize(runs)
        single_row = next(t for t in targets if t.app == "generated")  # at the batch's connections
        batch_vs_single = [
            b.rps * ML_BATCH_ROWS / s.rps
            for b, s in zip(samples[batch], samples[single_row], strict=True)
        ]
        for server in servers.values():
            server.check_alive()
        return {
            "batch_rows": ML_BATCH_ROWS,
            "connections": list(plan.ml_connections),
            "results": results,
            "vs_flask": ratios({t: samples[t] for t in targets}, "flask_gunicorn"),
            "batch_rows_per_s": round(results["generated"]["batch"]["rps"] * ML_BATCH_ROWS),
            "batch_vs_single": round(statistics.median(batch_vs_single), 2),
            "versions": versions(bin_dir, "fastapi uvicorn scikit-learn skops numpy"),
        }

    def broker(self, stack: ExitStack) -> dict[str, Any]:
        """What broker=redis costs the requests that do not use Redis: /health and the item read
        of a broker=redis render next to the same of a broker=none render, interleaved rounds."""
        plan, work = self.plan, self.workdir / "broker"
        servers, tokens, items = {}, {}, {}
        for broker in BROKERS:
            log(f"broker={broker}: render, install, migrate")
            project = render(work / broker, broker=broker, python_version=self.python)
            package = package_name(project)
            bin_dir = install_service(self.uv, project, self.python)
            env = service_env(
                f"sqlite+aiosqlite:///{work / broker}.db",
                REDIS_KEY_PREFIX=f"bench-{secrets.token_hex(4)}",
            )
            run([bin_dir / "alembic", "upgrade", "head"], cwd=project, env=env)
            command = [*Cpus.pin(self.cpus.server), str(bin_dir / "python"), "-m", "uvicorn"]
            command += [f"{package}.main:app", *UVICORN.split()]
            app = f"broker_{broker}"
            servers[app] = start_server(stack, app, command, cwd=project, env=env, logs=work)
            _, tokens[app] = sign_up(servers[app].url, "reader@example.com")
            status, item = http(
                f"{servers[app].url}/api/v1/items", {"title": "bench"}, token=tokens[app]
            )
            if status != 201:
                fail(f"{app}: creating an item answered {status}: {item}")
            items[app] = item["id"]
        targets = [
            Target(app, "health", server.url + "/health") for app, server in servers.items()
        ] + [
            Target(app, "item", f"{server.url}/api/v1/items/{items[app]}", token=tokens[app])
            for app, server in servers.items()
        ]
        if plan.warmup_s:
            log(f"broker: warm-up, {plan.warmup_s}s per target")
            for target in targets:
                self.load.run(target, plan.warmup_s)
        samples = self.load.rounds(targets, plan.rounds, plan.round_s)
        results: dict[str, dict[str, Any]] = {app: {} for app in servers}
        for target, runs in samples.items():
            results[target.app][target.endpoint] = summarize(runs)
        for server in servers.values():
            server.check_alive()
        return {"results": results, "vs_none": ratios(samples, "broker_none")}

    def newcomer(self) -> dict[str, Any]:
        """What a newcomer waits for: the render, the install (warm cache), the test suite."""
        work = self.workdir / "newcomer"
        start = time.perf_counter()
        project = render(work, python_version=self.python)
        figures: dict[str, Any] = {"render_s": round(time.perf_counter() - start, 2)}
        if self.plan.newcomer:
            log("newcomer: install into an empty environment, then run the generated test suite")
            install = [self.uv, "sync", "--quiet", "--python", self.python]
            figures["install_s"] = round(timed(install, cwd=project), 2)
            suite = [self.uv, "run", "--frozen", "pytest", "--quiet", "-p", "no:cacheprovider"]
            start = time.perf_counter()
            result = subprocess.run(
                suite, cwd=project, env=child_env(), capture_output=True, text=True, timeout=900
            )
            figures["suite_s"] = round(time.perf_counter() - start, 2)
            figures["suite_passed"] = result.returncode == 0
            if result.returncode != 0:
                log(
                    f"the generated test suite failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}"
                )
        return figures


def versions(
    bin_dir: Path,
    names: str = "fastapi starlette pydantic uvicorn uvloop httptools sqlalchemy flask gunicorn",
) -> dict[str, str]:
    code = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    return dict(json.loads(run([bin_dir / "python", "-c", code, *names.split()])))


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError:
        return False
    return True


def postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        return False
    return True


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="seconds, not minutes (for CI)")
    parser.add_argument("--databases", help="comma-separated subset of: sqlite,postgresql")
    parser.add_argument("--rounds", type=int, help="rounds per target (default: 10; smoke: 1)")
    parser.add_argument("--seconds", type=int, help="seconds per round (default: 1; smoke: 1)")
    parser.add_argument("--output", type=Path, default=ROOT / ".bench" / "results.json")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench" / "work")
    parser.add_argument("--keep", action="store_true", help="keep the workdir (renders, venvs)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target misses too")
    models = parser.add_mutually_exclusive_group()
    models.add_argument("--ml-only", action="store_true", help="only the model-serving comparison")
    models.add_argument("--no-ml", action="store_true", help="skip the model-serving comparison")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    plan = dataclasses.replace(
        plan,
        databases=tuple(args.databases.split(",")) if args.databases else plan.databases,
        rounds=args.rounds or plan.rounds,
        round_s=args.seconds or plan.round_s,
        ml=not args.no_ml,
        only_ml=args.ml_only,
    )
    if plan.only_ml:
        plan = dataclasses.replace(plan, databases=(), broker=False)
    if "postgresql" in plan.databases and not postgres_answers():
        log("no PostgreSQL server answers on 127.0.0.1:5432: SQLite only")
        kept = tuple(name for name in plan.databases if name != "postgresql")
        plan = dataclasses.replace(plan, databases=kept)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the cleanups run
    started = time.perf_counter()
    uv = find_uv()
    cpus = Cpus.detect()
    load = Load(ensure_wrk(), cpus.load, plan.connections)
    bench = Bench(plan, uv, python_version(uv), load, cpus, args.workdir)
    shutil.rmtree(args.workdir, ignore_errors=True)
    report: dict[str, Any] = {
        "machine": machine(),
        "python": bench.python,
        "plan": dataclasses.asdict(plan),
        "cpus": dataclasses.asdict(cpus),
        "databases": {},
    }
    try:
        for database in plan.databases:
            with ExitStack() as stack:
                report["databases"][database] = bench.database(database, stack)
                report.setdefault(
                    "versions", versions(args.workdir / database / "baselines-venv" / "bin")
                )
        if plan.broker and redis_answers():
            with ExitStack() as stack:
                report["broker"] = bench.broker(stack)
        elif plan.broker:
            log("no Redis answers on 127.0.0.1:6379: no broker=redis comparison")
        if plan.ml:
            with ExitStack() as stack:
                report["ml"] = bench.ml_serving(stack)
        if not plan.only_ml:
            report["newcomer"] = bench.newcomer()
    finally:
        if not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    report["errors"] = load.errors
    report["targets"] = targets(report["databases"], report.get("ml"), report.get("broker"))
    report["seconds"] = round(time.perf_counter() - started, 1)
    table = markdown(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(table)
    print(table)
    log(f"done in {report['seconds']:.0f}s: {args.output} and {args.output.with_suffix('.md')}")
    if load.errors:
        log(f"{load.errors} requests failed")
        return 1
    return 1 if args.strict and not all(t["ok"] for t in report["targets"]) else 0


if __name__ == "__main__":
    sys.exit(main())
