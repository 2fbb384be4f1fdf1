"""Processes, servers and the load generator, for bench/run.py. Standard library only."""

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

HERE = Path(__file__).resolve().parent
WRK_UNAVAILABLE = 3  # exit status when wrk is missing and cannot be installed


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fail(message: str, status: int = 1) -> NoReturn:
    log(message)
    raise SystemExit(status)


def child_env(**extra: str) -> dict[str, str]:
    """Our environment without the template's own virtual environment, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    return {**env, **extra}


def run(
    command: Sequence[object],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> str:
    """Run a command to completion and return its stdout; stop the benchmark if it fails."""
    args = [str(part) for part in command]
    result = subprocess.run(
        args, cwd=cwd, env=env or child_env(), capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        fail(f"{' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def timed(command: Sequence[object], **kwargs: Any) -> float:
    """Seconds `run(command)` takes."""
    start = time.perf_counter()
    run(command, **kwargs)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Cpus:
    """The server's CPU and the load generator's: two different ones when we can pin."""

    server: int | None
    load: int | None

    @classmethod
    def detect(cls) -> "Cpus":
        available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        if len(available) >= 2 and shutil.which("taskset"):
            return cls(available[0], available[1])
        return cls(None, None)

    @staticmethod
    def pin(cpu: int | None) -> list[str]:
        """A command prefix that keeps a process (and its threads) on one CPU."""
        return [] if cpu is None else ["taskset", "--cpu-list", str(cpu)]


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    process: "subprocess.Popen[bytes]"
    log: Path

    def rss_mib(self) -> float | None:
        """Resident memory of the serving process (one uvicorn worker serves in-process)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        kib = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
        return round(kib / 1024, 1)

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            fail(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: "subprocess.Popen[bytes]") -> None:
    """Stop a server and whatever it started: it leads a process group of its own."""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=grace)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def start_server(
    stack: ExitStack, name: str, command: list[str], *, cwd: Path, env: dict[str, str], logs: Path
) -> Server:
    """Start a server on a free port (`{port}` in its command); return once /health answers.

    The server is stopped when `stack` closes, whatever happens in between.
    """
    port = free_port()
    log_file = logs / f"{name}.log"
    with log_file.open("wb") as output:
        process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack.callback(stop, process)
    server = Server(name, f"http://127.0.0.1:{port}", process, log_file)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        server.check_alive()
        try:
            if http(f"{server.url}/health")[0] == 200:
                return server
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    fail(f"{name} did not answer within 60s:\n{log_file.read_text()[-3000:]}")


def http(
    url: str, body: dict[str, str] | None = None, *, form: bool = False, token: str = ""
) -> tuple[int, Any]:
    """A small JSON client for setting things up (the load itself comes from wrk)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode()
        headers["Content-Type"] = (
            "application/x-www-form-urlencoded" if form else "application/json"
        )
    request = urllib.request.Request(url, data, headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def find_uv() -> str:
    """uv: `uv run` (which `make bench` uses) says where it is; else from PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        fail("uv is needed: run the benchmark with `make bench`")
    return found


def ensure_wrk() -> str:
    """wrk, installed from Debian's packages if it is missing and we are allowed to."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if shutil.which("apt-get") and (not sudo or shutil.which("sudo")):
        log("wrk is missing: installing it with apt-get")
        env = child_env(DEBIAN_FRONTEND="noninteractive")
        install = [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"]
        for commands in ([install], [[*sudo, "apt-get", "update", "-q"], install]):
            for command in commands:
                subprocess.run(command, env=env, capture_output=True, timeout=600)
            found = shutil.which("wrk")
            if found:
                return found
    fail("wrk is needed and could not be installed (apt-get install wrk)", WRK_UNAVAILABLE)


# --- load ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a key of the samples
class Target:
    """One endpoint of one implementation, and the request wrk sends it (see wrk.lua)."""

    app: str
    endpoint: str
    url: str
    method: str = "GET"
    body: str = ""
    token: str = ""
    connections: int = 0  # 0: the load's own number


@dataclass
class Load:
    """wrk on its own CPU; counts the requests each app served and the ones that failed."""

    wrk: str
    cpu: int | None
    connections: int
    served: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    def run(self, target: Target, seconds: int) -> Sample:
        command = [
            *Cpus.pin(self.cpu),
            self.wrk,
            "--threads",
            "1",
            "--connections",
            target.connections or self.connections,
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--script",
            HERE / "wrk.lua",
            target.url,
        ]
        env = child_env(
            BENCH_METHOD=target.method, BENCH_BODY=target.body, BENCH_TOKEN=target.token
        )
        output = run(command, env=env, timeout=seconds + 60)
        line = next((ln for ln in output.splitlines() if ln.startswith("BENCH_RESULT ")), None)
        if line is None:
            fail(f"wrk printed no result for {target.url}:\n{output}")
        raw = json.loads(line.removeprefix("BENCH_RESULT "))
        sample = Sample(
            requests=raw["requests"],
            seconds=raw["duration_us"] / 1e6,
            p50_ms=raw["p50_us"] / 1000,
            p99_ms=raw["p99_us"] / 1000,
            errors=sum(raw["errors"].values()),
        )
        self.served[target.app] += sample.requests
        self.errors += sample.errors
        if sample.errors:
            log(f"{target.app} {target.endpoint}: {raw['errors']} of {sample.requests} failed")
        return sample

    def rounds(
        self, targets: list[Target], rounds: int, seconds: int
    ) -> dict[Target, list[Sample]]:
        """Each target once per round, round after round, so that drift hits them all alike;
        every other round in reverse order, so that no target always runs first (after another
        target's writes, say) or last."""
        samples: dict[Target, list[Sample]] = {target: [] for target in targets}
        for number in range(1, rounds + 1):
            log(f"round {number}/{rounds}: {len(targets)} targets, {seconds}s each")
            for target in targets if number % 2 else reversed(targets):
                samples[target].append(self.run(target, seconds))
        return samples


def summarize(samples: list[Sample]) -> dict[str, float]:
    """Medians over the rounds; totals of requests and errors."""
    return {
        "rps": round(statistics.median(s.rps for s in samples), 1),
        "p50_ms": round(statistics.median(s.p50_ms for s in samples), 3),
        "p99_ms": round(statistics.median(s.p99_ms for s in samples), 3),
        "errors": sum(s.errors for s in samples),
        "requests": sum(s.requests for s in samples),
        "rounds": len(samples),
    }


def ratios(samples: dict[Target, list[Sample]], baseline: str) -> dict[str, dict[str, float]]:
    """Each app's requests per second over the baseline's, per endpoint: the median of the
    rounds' ratios, each between runs seconds apart, so that the machine's drift cancels out."""
    base = {target.endpoint: runs for target, runs in samples.items() if target.app == baseline}
    result: dict[str, dict[str, float]] = {}
    for target, runs in samples.items():
        per_round = [s.rps / b.rps for s, b in zip(runs, base[target.endpoint], strict=True)]
        result.setdefault(target.app, {})[target.endpoint] = round(statistics.median(per_round), 3)
    return result
