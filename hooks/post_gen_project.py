"""Remove what the disabled options do not need, write uv.lock, then print the next steps.

No network, git or package-manager work here: generation must work offline. The lock comes
from `.locks/`, written by the template's `make lock` (scripts/lock.py, which imports this file
for `assemble_lock`); the folder is deleted afterwards. Standard library only; deterministic.
"""

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

# Parsed in main(): scripts/lock.py imports this file unrendered.
CONTEXT_JSON = r"""{{ cookiecutter | jsonify }}"""

LOCKS = ".locks"
POOL = "packages.lock"
# The project's own entry in a stored lock; the hook writes the project's slug in its place.
PROJECT = "@project"
NAME = re.compile(r'^name = "([^"]+)"$', re.MULTILINE)
VERSION = re.compile(r'^version = "([^"]+)"$', re.MULTILINE)


def split_lock(text: str) -> tuple[str, list[str]]:
    """A uv.lock's header and its `[[package]]` blocks, each without the blank line between."""
    header, *blocks = text.rstrip("\n").split("\n\n[[package]]\n")
    return header, ["[[package]]\n" + block for block in blocks]


def block_key(block: str) -> str:
    return hashlib.sha256(block.encode()).hexdigest()[:16]


def package_name(block: str) -> str:
    found = NAME.search(block)
    assert found, block
    return found.group(1)


def is_project(block: str) -> bool:
    return '\nsource = { editable = "." }' in block or '\nsource = { virtual = "." }' in block


def store_lock(answers: dict[str, object], lock: str) -> tuple[str, list[str]]:
    """A stored lock for `answers` (its header, one line per pooled block, the project's block)
    and the blocks it takes from the pool. The inverse of `assemble_lock`."""
    header, blocks = split_lock(lock)
    pooled = [block for block in blocks if not is_project(block)]
    (project,) = [block for block in blocks if is_project(block)]
    name = package_name(project)
    lines = [f"#answers {json.dumps(answers, sort_keys=True)}", header]
    lines += [f"@ {block_key(b)} {package_name(b)} {VERSION.search(b)[1]}" for b in pooled]
    lines.append(project.replace(f'name = "{name}"', f'name = "{PROJECT}"', 1))
    return "\n".join(lines) + "\n", pooled


def read_manifest(path: Path) -> tuple[dict[str, object], str]:
    """The answers a stored lock was resolved for, and the rest of its text."""
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    return json.loads(first.removeprefix("#answers ")), rest


def find_manifest(locks: Path, context: dict[str, object]) -> Path | None:
    """The stored lock whose answers all match: the one for this combination of options."""
    for path in sorted(locks.glob("*.lock")):
        if path.name != POOL:
            answers, _ = read_manifest(path)
            if all(context.get(name) == value for name, value in answers.items()):
                return path
    return None


def assemble_lock(locks: Path, manifest: Path, slug: str) -> str:
    """The uv.lock of `manifest` for a project named `slug`, byte for byte as `uv lock` writes it."""
    _, pool_blocks = split_lock((locks / POOL).read_text(encoding="utf-8"))
    pool = {block_key(block): block for block in pool_blocks}
    header, _, tail = read_manifest(manifest)[1].partition("\n@ ")
    references, _, project = ("@ " + tail).partition("\n[[package]]\n")
    blocks = [pool[line.split()[1]] for line in references.splitlines()]
    project = "[[package]]\n" + project.rstrip("\n")
    blocks.append(project.replace(f'name = "{PROJECT}"', f'name = "{slug}"', 1))
    blocks.sort(key=package_name)  # uv orders by name; stable, so versions keep their order
    return "\n\n".join([header, *blocks]) + "\n"


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def write_lock(root: Path, context: dict[str, object]) -> None:
    locks = root / LOCKS
    manifest = find_manifest(locks, context)
    if manifest is None:
        sys.exit(
            "ERROR: the template has no uv.lock for these answers; "
            "its maintainers run `make lock` (see the template's README)."
        )
    lock = assemble_lock(locks, manifest, str(context["project_slug"]))
    (root / "uv.lock").write_text(lock, encoding="utf-8", newline="\n")
    remove(locks)


def main() -> None:
    context = json.loads(CONTEXT_JSON)
    package = f"src/{context['package_name']}"
    prune = {
        "use_docker": ["Dockerfile", ".dockerignore", "compose.yaml"],
        "use_github_actions": [".github/workflows"],
        "ml_serving": [f"{package}/predictions", "tests/test_predictions.py"],
        "use_kubernetes": ["deploy/kubernetes", "tests/test_kubernetes.py"],
        "use_admin": [f"{package}/admin", "tests/test_admin.py"],
    }
    # What only broker=redis needs, and what only broker=none does.
    redis_only = [
        f"{package}/broker",
        f"{package}/worker.py",
        "tests/test_scale_out.py",
        "deploy/kubernetes/worker-deployment.yaml",
    ]
    none_only = ["tests/test_single_process.py"]

    root = Path.cwd()
    for option, paths in prune.items():
        if not context[option]:
            for name in paths:
                remove(root / name)
    for name in none_only if context["broker"] == "redis" else redis_only:
        remove(root / name)
    if context["database"] != "sqlite":
        remove(root / "deploy/kubernetes/volume.yaml")  # the SQLite file's volume
    if context["open_source_license"] == "Proprietary":
        remove(root / "LICENSE")
    write_lock(root, context)

    print(
        f"""
Created {context["project_slug"]}/. Next steps:

    cd {context["project_slug"]}
    make install    # create .venv and install the service with its dev tools (uses uv)
    make migrate    # apply the database migrations
    make run        # serve on http://127.0.0.1:8000 (docs at /docs)
    make test       # run the test suite
"""
    )


if __name__ == "__main__":
    main()
