"""Every generated project gets a uv.lock, fresh for its pyproject.toml, written offline.

`make lock` (scripts/lock.py) stores one lock per combination of LOCK_OPTIONS in
{{cookiecutter.project_slug}}/.locks/; the post-generation hook assembles the project's.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import (
    LOCK_OPTIONS,
    ROOT,
    combination_id,
    lock_combinations,
    run_cookiecutter_cli,
)

LOCKS = ROOT / "{{cookiecutter.project_slug}}" / ".locks"
FIX = "run `make lock`"


def uv_lock(uv: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [uv, "lock", *args], cwd=project, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("answers", lock_combinations(), ids=combination_id)
def test_the_stored_lock_is_fresh(render, uv: str, answers: dict[str, object]) -> None:
    # Names on both sides of the dependencies' names: the project's entry moves with its name.
    name = "Zeta Service" if answers["database"] == "sqlite" else "Aaa Service"
    project = render(project_name=name, **answers)
    assert not (project / ".locks").exists()
    written = (project / "uv.lock").read_text()
    checked = uv_lock(uv, project, "--check")
    assert checked.returncode == 0, f"stale lock, {FIX}:\n{checked.stderr}"
    relocked = uv_lock(uv, project, "--offline")
    assert relocked.returncode == 0, relocked.stderr
    assert (project / "uv.lock").read_text() == written, "uv writes it otherwise"


def test_one_stored_lock_per_combination_and_no_unused_package() -> None:
    hook_pool = (LOCKS / "packages.lock").read_text()
    manifests = sorted(path for path in LOCKS.glob("*.lock") if path.name != "packages.lock")
    expected = {f"{combination_id(answers)}.lock": answers for answers in lock_combinations()}
    assert [path.name for path in manifests] == sorted(expected), FIX
    used = set()
    for path in manifests:
        first, *lines = path.read_text().splitlines()
        answers = json.loads(first.removeprefix("#answers "))
        assert answers == expected[path.name], FIX
        assert set(answers) == set(LOCK_OPTIONS), FIX
        used |= {line.split()[1] for line in lines if line.startswith("@ ")}
    pooled = hook_pool.count("\n[[package]]\n")
    assert len(used) == pooled, f"{pooled - len(used)} package blocks no lock uses: {FIX}"


def test_a_combination_without_a_lock_is_a_clear_error(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    template = tmp_path / "template"
    shutil.copytree(ROOT, template, ignore=shutil.ignore_patterns(".git", ".venv*", ".*cache"))
    locks = template / "{{cookiecutter.project_slug}}" / ".locks"
    for path in locks.glob("sqlite-*.lock"):
        path.unlink()
    out = tmp_path / "out"
    result = run_cookiecutter_cli(
        "--output-dir", str(out), str(template), config=cookiecutter_config, cwd=tmp_path
    )
    assert result.returncode != 0
    assert "no uv.lock for these answers" in result.stderr, result.stderr
    assert "make lock" in result.stderr
    assert not (out / "my-service").exists()
