"""Helpers shared by the template's tests."""

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTEXT = json.loads((ROOT / "cookiecutter.json").read_text())


def option_space() -> dict[str, list[object]]:
    """Every choice and boolean variable of cookiecutter.json with its possible values."""
    options: dict[str, list[object]] = {}
    for name, value in CONTEXT.items():
        if name.startswith("_"):
            continue
        if isinstance(value, list):
            options[name] = list(value)
        elif isinstance(value, bool):
            options[name] = [True, False]
    return options


# The variables that change what the generated project's checks read (its Python code and
# pyproject.toml). Each code variant is installed fresh and fully checked; the others only change
# files that are rendered and linted (test_generated proves they leave the code alone).
CODE_OPTIONS = (
    "python_version",
    "database",
    "ml_serving",
    "broker",
    "use_kubernetes",
    "use_admin",
)
# The variables that change the generated project's dependencies: `make lock` stores a uv.lock for
# every combination of their values. python_version is not one: every project declares
# requires-python >= the oldest choice, so one lock serves each (3 times fewer locks).
LOCK_OPTIONS = tuple(name for name in CODE_OPTIONS if name != "python_version")


def defaults() -> dict[str, object]:
    """The default answer of every choice and boolean variable."""
    return {
        name: values[0] if isinstance(CONTEXT[name], list) else CONTEXT[name]
        for name, values in option_space().items()
    }


def _pairs(combination: dict[str, object]) -> set[tuple[tuple[str, object], tuple[str, object]]]:
    names = list(combination)
    return {((a, combination[a]), (b, combination[b])) for a, b in itertools.combinations(names, 2)}


def pairwise(
    options: dict[str, list[object]], start: list[dict[str, object]] | None = None
) -> list[dict[str, object]]:
    """`start`, then combinations until every pair of values of two different options has met.

    Greedy (as AETG): each new combination is the best of one candidate per uncovered pair,
    each candidate completed option by option with the value covering the most uncovered pairs.
    Deterministic, and near the minimum (the product of the two largest choice lists).
    """
    names = list(options)
    if len(names) == 1:
        return [{names[0]: value} for value in options[names[0]]]
    uncovered = {
        ((a, va), (b, vb))
        for a, b in itertools.combinations(names, 2)
        for va in options[a]
        for vb in options[b]
    }
    found = list(start or [])
    for combination in found:
        uncovered -= _pairs(combination)

    def complete(seed: tuple[tuple[str, object], tuple[str, object]]) -> dict[str, object]:
        combination = dict(seed)
        for name in names:
            if name not in combination:
                combination[name] = max(
                    options[name],
                    key=lambda value, name=name: len(
                        _pairs({**combination, name: value}) & uncovered
                    ),
                )
        return {name: combination[name] for name in names}

    while uncovered:
        candidates = [complete(seed) for seed in sorted(uncovered, key=repr)]
        best = max(candidates, key=lambda combination: len(_pairs(combination) & uncovered))
        uncovered -= _pairs(best)
        found.append(best)
    return found


def all_combinations() -> list[dict[str, object]]:
    """Every value of every option, every pair of values together at least once (pairwise)."""
    return pairwise(option_space())


def code_variants() -> list[dict[str, object]]:
    """What is fully tested: the default, everything on (the last value of each choice list,
    True for each boolean), then more until the code options have met pairwise."""
    space = {name: option_space()[name] for name in CODE_OPTIONS}
    default = {name: defaults()[name] for name in CODE_OPTIONS}
    everything = {
        name: True if isinstance(values[0], bool) else values[-1] for name, values in space.items()
    }
    return pairwise(space, start=[default, everything])


def lock_combinations() -> list[dict[str, object]]:
    """Every combination of the values of LOCK_OPTIONS, as `make lock` stores them."""
    space = [option_space()[name] for name in LOCK_OPTIONS]
    return [dict(zip(LOCK_OPTIONS, values, strict=True)) for values in itertools.product(*space)]


def combination_id(answers: dict[str, object]) -> str:
    return "-".join(
        (name if value else f"no_{name}") if isinstance(value, bool) else str(value)
        for name, value in answers.items()
    )


def run_cookiecutter_cli(*args: str, config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real `cookiecutter` command line, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "--config-file", str(config), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def require_or_skip(condition: bool, reason: str, strict_env: str) -> None:
    """Skip when something this machine lacks is needed, unless `strict_env`=1 demands it: then fail."""
    if condition:
        return
    if os.environ.get(strict_env) == "1":
        pytest.fail(f"{reason} (and {strict_env}=1)")
    pytest.skip(reason)


def find_python(version: str) -> str | None:
    """An interpreter of that version: on PATH, or (for pyenv users) among pyenv's versions."""
    found = shutil.which(f"python{version}")
    if found:
        probe = subprocess.run([found, "--version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return found
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for candidate in sorted(
        pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True
    ):
        return str(candidate)
    return None


def iter_files(project: Path) -> Iterator[Path]:
    for path in sorted(project.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path
