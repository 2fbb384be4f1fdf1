"""Every combination's Dockerfile passes hadolint and its workflow passes actionlint; so does ours."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, all_combinations, combination_id


def lint(tool: str, *args: str, cwd: Path) -> None:
    executable = shutil.which(tool)
    assert executable, f"{tool} is a test dependency of the template; run through `make test`"
    result = subprocess.run(
        [executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "answers",
    [a for a in all_combinations() if a["use_docker"] or a["use_github_actions"]],
    ids=combination_id,
)
def test_generated_dockerfile_and_workflow(render, answers: dict[str, object]) -> None:
    project = render(**answers)
    if answers["use_docker"]:
        lint("hadolint", "Dockerfile", cwd=project)
    if answers["use_github_actions"]:
        lint("actionlint", ".github/workflows/ci.yml", cwd=project)


def test_template_workflow() -> None:
    lint("actionlint", ".github/workflows/ci.yml", cwd=ROOT)


def test_template_code_is_lint_clean() -> None:
    lint("ruff", "check", "hooks", "tests", "scripts", cwd=ROOT)
    lint("ruff", "format", "--check", "hooks", "tests", "scripts", cwd=ROOT)
