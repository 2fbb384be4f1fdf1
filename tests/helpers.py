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


def all_combinations() -> list[dict[str, object]]:
    names = list(option_space())
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*option_space().values())
    ]


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
