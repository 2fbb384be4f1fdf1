"""The generated project's pre-commit hooks pass on a fresh render, offline, and catch what a
template update can leave behind (conflict markers, *.rej files)."""

import os
import re
import subprocess
from pathlib import Path

from tests.helpers import CONTEXT, find_python, require_or_skip


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_pre_commit_passes_offline_on_a_fresh_render(render, uv: str, tmp_path: Path) -> None:
    python = find_python(CONTEXT["python_version"][0])
    require_or_skip(python is not None, "no Python for the default variant", "REQUIRE_ALL_PYTHONS")
    project = render(tmp_path)
    git("init", "--quiet", cwd=project)
    git("add", "--all", cwd=project)
    subprocess.run(
        [uv, "sync", "--locked", "--quiet", "--python", str(python)], cwd=project, check=True
    )
    env = {
        **os.environ,
        "PATH": f"{Path(uv).parent}{os.pathsep}{os.environ['PATH']}",  # the hooks run `uv run`
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "UV_OFFLINE": "1",
    }
    env.pop("VIRTUAL_ENV", None)  # the template's own, when the tests run through `uv run`

    def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [uv, "run", "--frozen", "pre-commit", "run", "--all-files", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    result = pre_commit()
    assert result.returncode == 0, result.stdout + result.stderr
    for hook in ("ruff check", "ruff format", "mypy --strict", "no merge conflict markers"):
        assert re.search(rf"^{re.escape(hook)}\.+Passed$", result.stdout, re.M), result.stdout
    assert not list((tmp_path / "pre-commit-home").glob("repo*")), "no hook repository fetched"

    # What `cruft update` leaves when a change conflicts: markers in a file, or a *.rej file.
    models = project / "src/my_service/items/models.py"
    models.write_text(models.read_text() + "<<<<<<< before\n=======\n>>>>>>> after\n")
    (project / "pyproject.toml.rej").write_text("@@ -1 +1 @@\n-a\n+b\n")
    git("add", "--all", cwd=project)
    for hook, named in [
        ("conflict-markers", "src/my_service/items/models.py"),
        ("no-rejected-hunks", "pyproject.toml.rej"),
    ]:
        result = pre_commit(hook)
        assert result.returncode != 0, result.stdout
        assert named in result.stdout, result.stdout
