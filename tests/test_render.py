"""What each combination of answers renders: the right files, valid data files, no template syntax."""

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.helpers import CONTEXT, all_combinations, combination_id, iter_files, option_space

ALWAYS = [
    ".env.example",
    ".gitignore",
    ".github/dependabot.yml",
    ".pre-commit-config.yaml",
    ".python-version",
    "uv.lock",
    "Makefile",
    "README.md",
    "alembic.ini",
    "pyproject.toml",
    "migrations/env.py",
    "migrations/script.py.mako",
    "src/{pkg}/__init__.py",
    "src/{pkg}/main.py",
    "src/{pkg}/api.py",
    "src/{pkg}/core/config.py",
    "src/{pkg}/core/security.py",
    "src/{pkg}/core/logging.py",
    "src/{pkg}/core/errors.py",
    "src/{pkg}/core/middleware.py",
    "src/{pkg}/core/metrics.py",
    "src/{pkg}/core/tracing.py",
    "src/{pkg}/metrics/router.py",
    "deploy/grafana/dashboard.json",
    "src/{pkg}/db/session.py",
    "src/{pkg}/db/base.py",
    "src/{pkg}/health/router.py",
    "src/{pkg}/auth/router.py",
    "src/{pkg}/auth/dependencies.py",
    "src/{pkg}/auth/service.py",
    "src/{pkg}/users/router.py",
    "src/{pkg}/users/models.py",
    "src/{pkg}/users/schemas.py",
    "src/{pkg}/users/service.py",
    "src/{pkg}/items/router.py",
    "src/{pkg}/items/models.py",
    "src/{pkg}/items/schemas.py",
    "src/{pkg}/items/service.py",
    "src/{pkg}/items/dependencies.py",
    "src/{pkg}/templates/index.html",
    "src/{pkg}/static/style.css",
    "src/{pkg}/__main__.py",
    "src/{pkg}/auth/models.py",
    "src/{pkg}/emails/notifier.py",
    "src/{pkg}/emails/templates/password_reset.txt",
    "src/{pkg}/emails/templates/password_reset.html",
    "migrations/versions/20261207_0005_create_password_resets.py",
    "tests/conftest.py",
]
DOCKER = ["Dockerfile", ".dockerignore", "compose.yaml"]
GITHUB = [".github/workflows/ci.yml"]
PREDICTIONS = [
    "src/{pkg}/predictions/__init__.py",
    "src/{pkg}/predictions/batching.py",
    "src/{pkg}/predictions/dependencies.py",
    "src/{pkg}/predictions/model.py",
    "src/{pkg}/predictions/router.py",
    "src/{pkg}/predictions/schemas.py",
    "src/{pkg}/predictions/service.py",
    "src/{pkg}/predictions/train.py",
    "tests/test_predictions.py",
]
REDIS = [
    "src/{pkg}/broker/__init__.py",
    "src/{pkg}/broker/client.py",
    "src/{pkg}/broker/events.py",
    "src/{pkg}/broker/jobs.py",
    "src/{pkg}/broker/limits.py",
    "src/{pkg}/worker.py",
    "tests/test_scale_out.py",
]
SINGLE_PROCESS = ["tests/test_single_process.py"]
KUBERNETES = [
    "deploy/kubernetes/kustomization.yaml",
    "deploy/kubernetes/configmap.yaml",
    "deploy/kubernetes/secret.yaml",
    "deploy/kubernetes/deployment.yaml",
    "deploy/kubernetes/service.yaml",
    "deploy/kubernetes/hpa.yaml",
    "deploy/kubernetes/pdb.yaml",
    "deploy/kubernetes/migration-job.yaml",
    "tests/test_kubernetes.py",
]
ADMIN = [
    "src/{pkg}/admin/__init__.py",
    "src/{pkg}/admin/auth.py",
    "src/{pkg}/admin/middleware.py",
    "src/{pkg}/admin/site.py",
    "src/{pkg}/admin/views.py",
    "src/{pkg}/admin/templates/base.html",
    "src/{pkg}/admin/templates/_form_footer.html",
    "tests/test_admin.py",
]
# What only use_admin brings: its package, dependency, setting, README section and tests.
ADMIN_TRACES = re.compile(r"starlette.admin|ADMIN_ENABLED|admin_enabled|mount_admin|/admin\b")
# What only broker=redis brings (broker=none's refusal of several processes may name the option).
REDIS_TRACES = re.compile(
    r"REDIS_URL|redis://|taskiq.redis|gunicorn -w|uvicorn.worker|make worker|JOB_REDELIVERY"
)
# Words that only the predictions domain brings; a project without it has none of them.
ML_TRACES = re.compile(
    r"predictions|scikit-learn|sklearn|skops|MODEL_PATH|train-model", re.IGNORECASE
)
# Generated files are free of these; Jinja in the service's own templates (its HTML pages and
# emails, in a `templates` folder) is meant to stay.
TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|cookiecutter", re.IGNORECASE)


def leftovers(project: Path) -> list[str]:
    found = []
    for path in iter_files(project):
        text = path.read_text(errors="replace")
        hits = {m.group(0) for m in TEMPLATE_SYNTAX.finditer(text)}
        if path.parent.name == "templates":
            hits = {hit for hit in hits if hit.lower() == "cookiecutter"}
        if hits or TEMPLATE_SYNTAX.search(str(path.relative_to(project))):
            found.append(f"{path.relative_to(project)}: {sorted(hits)}")
    return found


def assert_data_files_parse(project: Path) -> None:
    for path in iter_files(project):
        if path.suffix in {".yml", ".yaml"}:
            assert yaml.safe_load(path.read_text()) is not None, path
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
        elif path.suffix == ".json":
            json.loads(path.read_text())


def test_defaults(render) -> None:
    project = render()
    assert project.name == "my-service"
    for name in ALWAYS + DOCKER + GITHUB + ["LICENSE"]:
        assert (project / name.format(pkg="my_service")).is_file(), name
    assert leftovers(project) == []
    assert "MIT License" in (project / "LICENSE").read_text()


@pytest.mark.parametrize("answers", all_combinations(), ids=combination_id)
def test_every_combination(render, answers: dict[str, object]) -> None:
    project = render(**answers)
    for name in ALWAYS:
        assert (project / name.format(pkg="my_service")).is_file(), name
    for name in DOCKER:
        assert (project / name).exists() == answers["use_docker"], name
    for name in GITHUB:
        assert (project / name).exists() == answers["use_github_actions"], name
    # Dependabot needs no Actions: .github/dependabot.yml stays, the workflows go.
    assert not (project / ".github/workflows").exists() or answers["use_github_actions"]
    assert not (project / ".locks").exists()
    dependabot = yaml.safe_load((project / ".github/dependabot.yml").read_text())
    ecosystems = {update["package-ecosystem"]: update for update in dependabot["updates"]}
    assert set(ecosystems) == {"uv"} | {
        name
        for name, option in [("github-actions", "use_github_actions"), ("docker", "use_docker")]
        if answers[option]
    }
    # One pull request a week for all of them.
    assert list(dependabot["multi-ecosystem-groups"]) == ["weekly"]
    assert {update["multi-ecosystem-group"] for update in ecosystems.values()} == {"weekly"}
    for name in PREDICTIONS:
        assert (project / name.format(pkg="my_service")).exists() == answers["ml_serving"], name
    redis = answers["broker"] == "redis"
    for name in REDIS:
        assert (project / name.format(pkg="my_service")).exists() == redis, name
    for name in SINGLE_PROCESS:
        assert (project / name).exists() != redis, name
    texts = {
        str(path.relative_to(project)): path.read_text(errors="replace")
        for path in iter_files(project)
    }
    if not redis:
        assert [name for name, text in texts.items() if REDIS_TRACES.search(text)] == []
    kubernetes = answers["use_kubernetes"]
    for name in KUBERNETES:
        assert (project / name).exists() == kubernetes, name
    assert (project / "deploy/kubernetes/worker-deployment.yaml").exists() == (kubernetes and redis)
    sqlite = answers["database"] == "sqlite"
    assert (project / "deploy/kubernetes/volume.yaml").exists() == (kubernetes and sqlite)
    if not kubernetes:
        assert [name for name, text in texts.items() if "kube" in text.lower()] == []
    for name in ADMIN:
        assert (project / name.format(pkg="my_service")).exists() == answers["use_admin"], name
    admin_traces = [name for name, text in texts.items() if ADMIN_TRACES.search(text)]
    if answers["use_admin"]:
        assert "## Admin" in (project / "README.md").read_text()
    else:
        assert admin_traces == [], admin_traces
    traces = [name for name, text in texts.items() if ML_TRACES.search(text)]
    if answers["ml_serving"]:
        assert "## Serving the music-genre classifier" in (project / "README.md").read_text()
    else:
        assert traces == [], traces
    assert (project / "LICENSE").exists() == (answers["open_source_license"] != "Proprietary")
    assert leftovers(project) == []
    assert_data_files_parse(project)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    # One lock serves every python_version: requires-python is the oldest choice's.
    assert (
        pyproject["project"]["requires-python"]
        == f">={min(CONTEXT['python_version'], key=lambda v: tuple(map(int, v.split('.'))))}"
    )
    assert (project / ".python-version").read_text() == f"{answers['python_version']}\n"
    assert pyproject["tool"]["mypy"]["python_version"] == answers["python_version"]
    assert (
        pyproject["tool"]["ruff"]["target-version"]
        == f"py{str(answers['python_version']).replace('.', '')}"
    )
    driver = "asyncpg" if answers["database"] == "postgresql" else "aiosqlite"
    assert any(dep.startswith(driver) for dep in pyproject["project"]["dependencies"])
    ml_deps = {"numpy", "scikit-learn", "skops"}
    names = {re.split(r"[<>=\[ ]", dep)[0] for dep in pyproject["project"]["dependencies"]}
    assert (ml_deps <= names) == answers["ml_serving"]
    assert (ml_deps & names == set()) == (not answers["ml_serving"])
    assert ("starlette-admin" in names) == answers["use_admin"]
    redis_deps = {"redis", "taskiq-redis", "gunicorn", "uvicorn-worker"}
    assert (redis_deps <= names) == redis
    assert (redis_deps & names == set()) == (not redis)
    if answers["open_source_license"] == "Proprietary":
        assert "license" not in pyproject["project"]
    else:
        assert pyproject["project"]["license"] == answers["open_source_license"]

    readme = (project / "README.md").read_text()
    assert ("docker" in readme.lower()) == answers["use_docker"]
    if answers["use_docker"]:
        assert (
            f"FROM python:{answers['python_version']}-slim" in (project / "Dockerfile").read_text()
        )
        compose = yaml.safe_load((project / "compose.yaml").read_text())
        assert ("db" in compose["services"]) == (answers["database"] == "postgresql")
        assert ("redis" in compose["services"]) == redis
        assert ("worker" in compose["services"]) == redis
    if answers["use_github_actions"]:
        workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
        check = workflow["jobs"]["check"]
        assert check["env"]["UV_PYTHON"] == answers["python_version"]
        services = set(check.get("services", {}))
        assert ("postgres" in services) == (answers["database"] == "postgresql")
        assert ("redis" in services) == redis
        assert (check["env"].get("REQUIRE_REDIS") == "1") == redis


def test_rendering_is_deterministic(render, tmp_path: Path) -> None:
    """The same answers render the same bytes (cruft update diffs two renders)."""
    everything = {
        name: True if isinstance(values[0], bool) else values[-1]
        for name, values in option_space().items()
    }
    first = render(tmp_path / "first", **everything)
    second = render(tmp_path / "second", **everything)
    files = [path.relative_to(first) for path in iter_files(first)]
    assert files == [path.relative_to(second) for path in iter_files(second)]
    assert [
        name for name in files if (first / name).read_bytes() != (second / name).read_bytes()
    ] == []


@pytest.mark.parametrize(
    ("answers", "slug", "package"),
    [
        ({"project_name": "Acme Billing API"}, "acme-billing-api", "acme_billing_api"),
        ({"project_name": "Café Déjà Vu"}, "cafe-deja-vu", "cafe_deja_vu"),
        ({"project_name": "Orders", "project_slug": "orders-v2"}, "orders-v2", "orders_v2"),
        ({"project_name": "Orders", "package_name": "orders_core"}, "orders", "orders_core"),
    ],
)
def test_names_are_derived_and_can_be_overridden(
    render, answers: dict[str, str], slug: str, package: str
) -> None:
    project = render(**answers)
    assert project.name == slug
    assert (project / "src" / package / "main.py").is_file()
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"] == slug
    assert answers["project_name"] in (project / "README.md").read_text()
    assert leftovers(project) == []


def test_readme_options_table_matches_cookiecutter_json() -> None:
    """Every variable of cookiecutter.json, and each of its choices, is in the template's README."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in CONTEXT:
        if not name.startswith("_"):
            assert f"`{name}`" in readme, name
    for name, values in option_space().items():
        for value in values:
            if not isinstance(value, bool):
                assert f"`{value}`" in readme, f"{name}={value}"
