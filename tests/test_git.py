"""The template renders from a git repository, as `cookiecutter gh:org/repo` does."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cookiecutter_cli

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", ".venv-tools", ".try", ".bench", "__pycache__", ".*_cache"
)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def bare_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare clone of the template as it is on disk now (committed or not)."""
    work = tmp_path_factory.mktemp("git") / "work"
    shutil.copytree(ROOT, work, ignore=IGNORED)
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    git("add", "--all", cwd=work)
    git("commit", "--quiet", "-m", "template", cwd=work)
    bare = work.parent / "template.git"
    git("clone", "--quiet", "--bare", str(work), str(bare), cwd=work.parent)
    return bare


@pytest.mark.parametrize("scheme", ["file://", "git+file://"])
def test_render_from_a_git_url(
    tmp_path: Path, cookiecutter_config: Path, bare_repository: Path, scheme: str
) -> None:
    result = run_cookiecutter_cli(
        "--output-dir",
        str(tmp_path),
        f"{scheme}{bare_repository}",
        config=cookiecutter_config,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    project = tmp_path / "my-service"
    assert (project / "src/my_service/main.py").is_file()
    assert (project / "Dockerfile").is_file()
    assert not (project / "hooks").exists()
