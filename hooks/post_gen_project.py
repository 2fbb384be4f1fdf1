"""Remove what the disabled options do not need, then print the next steps.

No network, git or package-manager work here: generation must work offline.
"""

import json
import shutil
from pathlib import Path

CONTEXT = json.loads(r"""{{ cookiecutter | jsonify }}""")

PACKAGE = f"src/{CONTEXT['package_name']}"
PRUNE = {
    "use_docker": ["Dockerfile", ".dockerignore", "compose.yaml"],
    "use_github_actions": [".github"],
    "ml_serving": [f"{PACKAGE}/predictions", "tests/test_predictions.py"],
    "use_kubernetes": ["deploy/kubernetes", "tests/test_kubernetes.py"],
    "use_admin": [f"{PACKAGE}/admin", "tests/test_admin.py"],
}
# What only broker=redis needs, and what only broker=none does.
REDIS_ONLY = [
    f"{PACKAGE}/broker",
    f"{PACKAGE}/worker.py",
    "tests/test_scale_out.py",
    "deploy/kubernetes/worker-deployment.yaml",
]
NONE_ONLY = ["tests/test_single_process.py"]


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def main() -> None:
    root = Path.cwd()
    for option, paths in PRUNE.items():
        if not CONTEXT[option]:
            for name in paths:
                remove(root / name)
    for name in NONE_ONLY if CONTEXT["broker"] == "redis" else REDIS_ONLY:
        remove(root / name)
    if CONTEXT["database"] != "sqlite":
        remove(root / "deploy/kubernetes/volume.yaml")  # the SQLite file's volume
    if CONTEXT["open_source_license"] == "Proprietary":
        remove(root / "LICENSE")

    print(
        f"""
Created {CONTEXT["project_slug"]}/. Next steps:

    cd {CONTEXT["project_slug"]}
    make install    # create .venv and install the service with its dev tools (uses uv)
    make migrate    # apply the database migrations
    make run        # serve on http://127.0.0.1:8000 (docs at /docs)
    make test       # run the test suite
"""
    )


if __name__ == "__main__":
    main()
