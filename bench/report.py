"""The benchmark's report: the machine, the issue's targets, and the markdown tables."""

import os
import platform
from pathlib import Path
from typing import Any

ENDPOINTS = {
    "health": "GET /health",
    "item": "GET /api/v1/items/{id}",
    "list": "GET /api/v1/items?limit=20",
    "create": "POST /api/v1/items",
}
APPS = {
    "generated": "generated service",
    "bare_fastapi": "bare FastAPI",
    "flask_gunicorn": "Flask + gunicorn",
}
ML_APPS = {
    "generated": "generated service (micro-batches)",
    "generated_unbatched": "generated service, PREDICTION_MICROBATCH_MAX=1",
    "bare_fastapi": "bare FastAPI, model called on the event loop",
    "flask_gunicorn": "Flask + gunicorn (1 sync worker)",
}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""

    def field(path: str, name: str) -> str:
        text = Path(path).read_text() if Path(path).exists() else ""
        return next(
            (ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith(name)), ""
        )

    memory_kib = field("/proc/meminfo", "MemTotal").split()
    return {
        "nproc": os.cpu_count(),
        "cpu_model": field("/proc/cpuinfo", "model name") or platform.processor(),
        "memory_gib": round(int(memory_kib[0]) / 1024**2, 1) if memory_kib else None,
        "os": platform.platform(terse=True),
        "bench_python": platform.python_version(),
    }


def ml_targets(ml: dict[str, Any]) -> list[tuple[str, str, str, str, bool]]:
    """The model-serving targets: single rows vs Flask, the batch endpoint vs single rows."""
    rows = []
    for connections in ml["connections"]:
        ratio = ml["vs_flask"]["generated"][f"single_{connections}"]
        rows.append(
            (
                "ml (sqlite)",
                f"single-row predictions/s vs Flask + gunicorn, {connections} connections",
                f"{ratio:.2f}x",
                ">= 1.50x",
                ratio >= 1.5,
            )
        )
    single = ml["results"]["generated"][f"single_{ml['connections'][0]}"]["rps"]
    rows.append(
        (
            "ml (sqlite)",
            f"batch rows/s ({ml['batch_rows']} a request) vs single-row predictions/s",
            f"{ml['batch_vs_single']:.1f}x ({ml['batch_rows_per_s']:,} vs {single:,.0f})",
            ">= 20x",
            ml["batch_vs_single"] >= 20,
        )
    )
    return rows


def broker_targets(broker: dict[str, Any]) -> list[tuple[str, str, str, str, bool]]:
    """broker=redis costs the requests that do not use Redis nothing much."""
    rows = []
    for endpoint, label in (("health", "/health"), ("item", "authenticated item read")):
        ratio = broker["vs_none"]["broker_redis"][endpoint]
        rows.append(
            (
                "broker (sqlite)",
                f"{label}, broker=redis vs broker=none",
                f"{ratio:.2f}x",
                ">= 0.95x",
                ratio >= 0.95,
            )
        )
    return rows


def targets(
    databases: dict[str, dict[str, Any]],
    ml: dict[str, Any] | None = None,
    broker: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The issue's targets: what was measured, the goal, and whether it holds."""
    names = ("database", "target", "measured", "goal", "ok")
    checks = []
    for db, result in databases.items():
        ratio, page, memory = result["ratios"]["generated"], result["pagination"], result["memory"]
        health, item, growth = ratio["health"], ratio["item"], memory["growth"]
        seconds, small, large = result["import_and_build_s"], page["small"], page["large"]
        rows = [
            ("middleware: /health vs bare FastAPI", f"{health:.2f}x", ">= 0.90x", health >= 0.90),
            ("authenticated item read vs bare FastAPI", f"{item:.2f}x", ">= 0.80x", item >= 0.80),
            (
                f"list p50, {page['large_items']:,} vs {page['small_items']:,} items in the table",
                f"{page['p50_ratio']:.2f}x ({large['p50_ms']:.2f} vs {small['p50_ms']:.2f} ms)",
                "<= 1.20x",
                page["p50_ratio"] <= 1.20,
            ),
            (
                f"bulk-seed {page['large_items']:,} items",
                f"{page['seed_s']:.1f} s",
                "< 60 s",
                page["seed_s"] < 60,
            ),
            (
                f"RSS after warm-up, then after {memory['requests']:,} more requests",
                f"{memory['after_warmup_mib']} -> {memory['after_requests_mib']} MiB ({growth:+.1%})",
                "within 10%",
                abs(growth) <= 0.10,
            ),
            (
                "import and build the app",
                f"{seconds:.2f} s (bare FastAPI app: {result['bare_import_and_build_s']:.2f} s)",
                "< 1 s",
                seconds < 1,
            ),
        ]
        checks += [dict(zip(names, (db, *row), strict=True)) for row in rows]
    checks += [dict(zip(names, row, strict=True)) for row in (ml_targets(ml) if ml else [])]
    rows = broker_targets(broker) if broker else []
    checks += [dict(zip(names, row, strict=True)) for row in rows]
    return checks


def broker_table(broker: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "**broker** (sqlite; the same requests, a broker=none and a broker=redis render)",
        "",
        "| endpoint | broker | req/s | p50 ms | p99 ms | errors | vs broker=none |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for endpoint in ("health", "item"):
        for app, figures in broker["results"].items():
            f = figures[endpoint]
            lines.append(
                f"| {ENDPOINTS[endpoint]} | {app.removeprefix('broker_')} | {f['rps']:,.0f} | "
                f"{f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f['errors']} | "
                f"{broker['vs_none'][app][endpoint]:.2f}x |"
            )
    return lines


def ml_table(ml: dict[str, Any]) -> list[str]:
    """Single-row predictions per implementation and connections, then the batch endpoint."""
    lines = [
        "",
        f"**ml_serving** (sqlite; the music-genre DecisionTree; versions: "
        f"{', '.join(f'{k} {v}' for k, v in ml['versions'].items())})",
        "",
        "| request | implementation | req/s | rows/s | p50 ms | p99 ms | errors | vs Flask |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for connections in ml["connections"]:
        key = f"single_{connections}"
        for app, name in ML_APPS.items():
            f = ml["results"][app][key]
            lines.append(
                f"| one track, {connections} connections | {name} | {f['rps']:,.0f} | "
                f"{f['rps']:,.0f} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f['errors']} | "
                f"{ml['vs_flask'][app][key]:.2f}x |"
            )
    f = ml["results"]["generated"]["batch"]
    lines.append(
        f"| {ml['batch_rows']} tracks (batch), {ml['connections'][0]} connections | "
        f"{ML_APPS['generated']} | {f['rps']:,.0f} | {ml['batch_rows_per_s']:,} | "
        f"{f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f['errors']} | |"
    )
    return lines


def markdown(report: dict[str, Any]) -> str:
    """The tables the README shows."""
    m, plan, cpus = report["machine"], report["plan"], report["cpus"]
    pinning = (
        f"server pinned to CPU {cpus['server']}, wrk to CPU {cpus['load']}"
        if cpus["server"] is not None
        else "no CPU pinning"
    )
    versions = ", ".join(f"{k} {v}" for k, v in report.get("versions", {}).items())
    versions = f"; {versions}" if versions else ""  # none with --ml-only: its table lists them
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB RAM, {m['os']}. "
        f"Python {report['python']}{versions}.",
        "",
        f"wrk: 1 thread, {plan['connections']} connections, {plan['rounds']} interleaved rounds "
        f"of {plan['round_s']} s per row after a {plan['warmup_s']} s warm-up; {pinning}. Medians "
        "over the rounds; a ratio is the median of the rounds' ratios (runs seconds apart). "
        f"Errors: {report['errors']}.",
    ]
    for database, result in report["databases"].items():
        lines += [
            "",
            f"**{database}** ({result['items']:,} items in the table)",
            "",
            "| endpoint | implementation | req/s | p50 ms | p99 ms | errors | vs bare FastAPI |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for key, label in ENDPOINTS.items():
            for app, name in APPS.items():
                figures = result["results"][app].get(key)
                if figures:
                    lines.append(
                        f"| {label} | {name} | {figures['rps']:,.0f} | {figures['p50_ms']:.2f} | "
                        f"{figures['p99_ms']:.2f} | {figures['errors']} | "
                        f"{result['ratios'][app][key]:.2f}x |"
                    )
    if "broker" in report:
        lines += broker_table(report["broker"])
    if "ml" in report:
        lines += ml_table(report["ml"])
    lines += ["", "| database | target | measured | goal | holds |", "|---|---|---|---|---|"]
    lines += [
        f"| {t['database']} | {t['target']} | {t['measured']} | {t['goal']} | "
        f"{'yes' if t['ok'] else '**no**'} |"
        for t in report["targets"]
    ]
    if "newcomer" not in report:  # --ml-only
        return "\n".join(lines) + "\n"
    newcomer = report["newcomer"]
    lines += ["", "| newcomer | seconds |", "|---|---:|"]
    lines.append(f"| render the default project | {newcomer['render_s']:.1f} |")
    if "install_s" in newcomer:
        lines.append(
            f"| install it into an empty environment, warm cache (`uv sync`) | {newcomer['install_s']:.1f} |"
        )
        passed = "" if newcomer["suite_passed"] else " (**failed**)"
        lines.append(
            f"| run its test suite (`uv run pytest`){passed} | {newcomer['suite_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"
