"""Projects made with cruft take later template versions with `cruft update` (`make template-update`).

The template "as of now" is ROOT's working tree, committed on top of a clone of its history, so
uncommitted changes are tested too. OLD is a fixed earlier commit (no release was tagged before it):
a project made from it updates to now without a conflict and becomes a fresh render of now.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import (
    CONTEXT,
    LOCK_OPTIONS,
    ROOT,
    combination_id,
    defaults,
    iter_files,
)

OLD = "a85387d"  # the last commit before the broker and use_kubernetes options
# A team's own edits may conflict with the template's only in these files: dependency lines next to
# the template's (a conflicted uv.lock is then re-locked), a README rewritten where the template
# changed it. Anywhere else is a template bug.
EXPECTED_CONFLICTS = {"pyproject.toml", "uv.lock", "README.md"}
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", ".venv-tools", ".try", ".bench", "__pycache__", ".*_cache"
)
MARKER = re.compile(r"^(<<<<<<<|>>>>>>>)( |$)", re.MULTILINE)
CRUFT = [sys.executable, "-m", "cruft"]


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def cruft(*args: str, cwd: Path) -> str:
    result = subprocess.run([*CRUFT, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"cruft {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of the template's history whose newest commit is ROOT's working tree as it is."""
    clone = tmp_path_factory.mktemp("template") / "repo"
    git("clone", "--quiet", str(ROOT), str(clone), cwd=clone.parent)
    if subprocess.run(["git", "cat-file", "-e", f"{OLD}^{{commit}}"], cwd=clone).returncode:
        pytest.fail(f"commit {OLD} is not in this checkout's history (git fetch --unshallow)")
    git("rm", "-r", "--quiet", ".", cwd=clone)
    shutil.copytree(ROOT, clone, ignore=IGNORED, dirs_exist_ok=True)
    git("add", "--all", cwd=clone)
    git("commit", "--quiet", "--allow-empty", "-m", "the template as tested", cwd=clone)
    return clone


def create(template: Path, out: Path, checkout: str, **answers: object) -> Path:
    """`cruft create` a project into a git repository with one commit."""
    args = ["--extra-context", json.dumps(answers)] if answers else []
    cruft("create", "--no-input", "--checkout", checkout, "--output-dir", str(out), *args,
          str(template), cwd=out.parent)  # fmt: skip
    project = out / "my-service"
    git("init", "--quiet", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", "made from the template", cwd=project)
    return project


def files(project: Path) -> dict[str, bytes]:
    """Every file of the project but git's and cruft's own."""
    found = {}
    for path in iter_files(project):
        relative = path.relative_to(project)
        if relative.parts[0] not in {".git", ".venv"} and relative.name != ".cruft.json":
            found[str(relative)] = path.read_bytes()
    return found


def differences(updated: Path, fresh: Path) -> list[str]:
    ours, theirs = files(updated), files(fresh)
    return sorted(
        name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name)
    )


def conflicts(project: Path) -> set[str]:
    """Files a template update left unfinished: unmerged, with conflict markers, or *.rej."""
    unmerged = {
        line.split("\t")[1] for line in git("ls-files", "--unmerged", cwd=project).splitlines()
    }
    markers = {
        name
        for name, text in files(project).items()
        if MARKER.search(text.decode(errors="replace"))
    }
    rejected = {name.removesuffix(".rej") for name in files(project) if name.endswith(".rej")}
    return unmerged | markers | rejected


def test_a_project_from_an_older_commit_updates_to_a_fresh_render(
    template: Path, render, tmp_path: Path
) -> None:
    project = create(template, tmp_path / "updated", OLD)
    assert (
        "broker" not in json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    )
    output = cruft("update", "--skip-apply-ask", cwd=project)
    assert "Good work" in output, output

    assert conflicts(project) == set()
    state = json.loads((project / ".cruft.json").read_text())
    assert state["commit"] == git("rev-parse", "HEAD", cwd=template)
    assert state["context"]["cookiecutter"]["_template_version"] == CONTEXT["_template_version"]
    assert differences(project, render(tmp_path / "fresh")) == []

    # Byte for byte a fresh render: test_generated runs that variant's suite, lint and types.


def next_release(template: Path, into: Path, uv: str) -> str:
    """A clone of `template` with one more commit, as a later release might make: a new
    _template_version, a dependency (re-locked: the default combination only), and changes to the
    Makefile, a domain's code, the README and a skip-listed file."""
    git("clone", "--quiet", str(template), str(into), cwd=into.parent)
    project = into / "{{cookiecutter.project_slug}}"
    edits = [
        (into / "cookiecutter.json", f'"{CONTEXT["_template_version"]}"', '"9.9.9"'),
        (project / "Makefile", "# Everything runs through uv", "# Everything runs through uv (9.9.9)"),
        (project / "README.md", "# {{ cookiecutter.project_name }}\n", "# {{ cookiecutter.project_name }} (9.9.9)\n"),
    (project / "src/{{cookiecutter.package_name}}/__init__.py", '"""', '"""9.9.9: '),
    (project / "pyproject.toml", '    "uuid-utils>=1.2",\n', '    "uuid-utils>=1.2",\n    "certifi>=2024.2",\n'),
    ]  # fmt: skip
    for path, old, new in edits:
        text = path.read_text()
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1))
    router = project / "src/{{cookiecutter.package_name}}/items/router.py"
    router.write_text(router.read_text() + "# 9.9.9\n")
    default = combination_id({name: defaults()[name] for name in LOCK_OPTIONS})
    subprocess.run(
        [sys.executable, "scripts/lock.py", "--only", default],
        cwd=into,
        env={**os.environ, "UV": uv},
        check=True,
        capture_output=True,
        timeout=300,
    )
    git("commit", "--quiet", "--all", "-m", "next release", cwd=into)
    return git("rev-parse", "HEAD", cwd=into)


def test_team_edits_survive_an_update(template: Path, uv: str, tmp_path: Path) -> None:
    project = create(template, tmp_path / "team", "HEAD")
    # What a team does: a domain of its own, a dependency (re-locked), its own README.
    orders = project / "src/my_service/orders"
    orders.mkdir()
    (orders / "__init__.py").write_text('"""Orders: the team\'s own domain."""\n')
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '    "alembic>=1.14",\n', '    "alembic>=1.14",\n    "anyio>=4.0",\n'
        )
    )
    subprocess.run([uv, "lock", "--quiet"], cwd=project, check=True, timeout=300)
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Billing\n\nThe team's own section.\n")
    package = project / "src/my_service/__init__.py"  # skip-listed: the version the team releases
    package.write_text(package.read_text().replace('"0.1.0"', '"1.4.0"'))
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", "the team's work", cwd=project)
    team_version = package.read_bytes()

    # The template moves on; the project follows it through its own Makefile.
    state = json.loads((project / ".cruft.json").read_text())
    newest = next_release(Path(state["template"]), tmp_path / "template-next", uv)
    state["template"] = str(tmp_path / "template-next")
    (project / ".cruft.json").write_text(json.dumps(state, indent=2) + "\n")
    git("commit", "--quiet", "--all", "-m", "template moved", cwd=project)
    env = {**os.environ, "PATH": f"{Path(uv).parent}{os.pathsep}{os.environ['PATH']}"}
    make = ["make", "--no-print-directory", f"UV={uv}", f"CRUFT={' '.join(CRUFT)}"]
    check = subprocess.run([*make, "template-check"], cwd=project, env=env, capture_output=True)
    assert check.returncode != 0, "template-check passed on a project behind its template"
    update = subprocess.run(
        [*make, "template-update"], cwd=project, env=env, capture_output=True, text=True
    )
    assert update.returncode == 0, update.stdout + update.stderr
    assert conflicts(project) <= EXPECTED_CONFLICTS
    # Both added a dependency: uv.lock conflicted, and make template-update re-locked the
    # template's with the team's pyproject.toml.
    assert "uv.lock: the template's, re-locked" in update.stdout, update.stdout
    assert conflicts(project) == set()
    lock = (project / "uv.lock").read_text()
    project_entry = lock[lock.index('name = "my-service"') :]
    assert '{ name = "anyio" }' in project_entry
    assert '{ name = "certifi" }' in project_entry
    checked = subprocess.run([uv, "lock", "--check"], cwd=project, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr

    assert json.loads((project / ".cruft.json").read_text())["commit"] == newest
    assert (orders / "__init__.py").is_file()
    text = pyproject.read_text()
    assert '"anyio>=4.0"' in text
    assert '"certifi>=2024.2"' in text
    assert "version 9.9.9 of" in text
    assert (project / "Makefile").read_text().startswith("# Everything runs through uv (9.9.9)")
    assert (project / "src/my_service/items/router.py").read_text().endswith("# 9.9.9\n")
    readme_text = readme.read_text()
    assert readme_text.startswith("# My Service (9.9.9)\n")
    assert readme_text.endswith("## Billing\n\nThe team's own section.\n")
    assert package.read_bytes() == team_version, "skip-listed, yet changed"
    check = subprocess.run([*make, "template-check"], cwd=project, env=env, capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_answer_changed_with_variables_to_update_matches_a_fresh_render(
    template: Path, render, tmp_path: Path
) -> None:
    project = create(template, tmp_path / "toggled", "HEAD")
    cruft("update", "--skip-apply-ask", "--variables-to-update", '{"broker": "redis"}', cwd=project)
    assert conflicts(project) == set()
    assert (
        json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]["broker"]
        == "redis"
    )
    assert differences(project, render(tmp_path / "fresh", broker="redis")) == []


def test_no_variable_or_choice_of_an_older_commit_is_gone(template: Path) -> None:
    """cruft update answers the new template with the old answers: each must still be valid."""
    old = json.loads(git("show", f"{OLD}:cookiecutter.json", cwd=template))
    for name, value in old.items():
        if name.startswith("_"):
            continue
        assert name in CONTEXT, f"{name} was removed or renamed"
        if isinstance(value, list):
            assert set(value) <= set(CONTEXT[name]), f"{name}: a choice was removed"


def test_the_changelog_describes_this_release() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## (\S+)", changelog, re.MULTILINE)
    assert releases[0] == CONTEXT["_template_version"], "a new release needs its CHANGELOG entry"
