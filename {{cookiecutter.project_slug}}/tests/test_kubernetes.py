"""deploy/kubernetes: every manifest valid against Kubernetes' own schemas (offline, bundled with
kubernetes-validate), and consistent where a schema cannot tell: labels, probes, names, settings."""

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from httpx2 import AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings

APP = "{{ cookiecutter.project_slug }}"  # the name of the API's Deployment and Service, and the image
BASE = Path(__file__).resolve().parent.parent / "deploy" / "kubernetes"
# The oldest release the manifests need (a preStop sleep), and the newest the schemas know.
VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())
# Read by uvicorn, gunicorn or prometheus-client rather than by Settings.
SERVER_SETTINGS = {"WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "PROMETHEUS_MULTIPROC_DIR"}


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((BASE / name).read_text())
    return document


def manifests() -> dict[str, dict[str, Any]]:
    """Every resource the kustomization lists, by file name."""
    return {name: load(name) for name in load("kustomization.yaml")["resources"]}


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests().values() if m["kind"] == kind]


def named(kind: str, name: str) -> dict[str, Any]:
    return next(m for m in by_kind(kind) if m["metadata"]["name"] == name)


def workloads() -> list[dict[str, Any]]:
    return by_kind("Deployment") + by_kind("Job")


def test_the_kustomization_lists_every_manifest() -> None:
    files = {path.name for path in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(load("kustomization.yaml")["resources"]) == files


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid(version: str) -> None:
    for name, manifest in manifests().items():
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name} on Kubernetes {version}: {error.message} at {error.path}")


def test_selectors_match_the_pods_they_select() -> None:
    for deployment in by_kind("Deployment"):
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    api = named("Deployment", APP)
    api_labels = api["spec"]["template"]["metadata"]["labels"]
    service = named("Service", APP)
    assert service["spec"]["selector"].items() <= api_labels.items()
    pdb = by_kind("PodDisruptionBudget")[0]
    assert pdb["spec"]["selector"]["matchLabels"] == api["spec"]["selector"]["matchLabels"]
    # Only the API's pods carry the API's labels: the Service sends them nothing else.
    for other in workloads():
        if other["metadata"]["name"] != api["metadata"]["name"]:
            labels = other["spec"]["template"]["metadata"]["labels"]
            assert not service["spec"]["selector"].items() <= labels.items()


def test_the_autoscaler_targets_the_api_deployment() -> None:
    hpa = by_kind("HorizontalPodAutoscaler")[0]
    target = hpa["spec"]["scaleTargetRef"]
    api = named(target["kind"], target["name"])
    assert target["apiVersion"] == api["apiVersion"]
    assert hpa["spec"]["minReplicas"] == api["spec"]["replicas"] <= hpa["spec"]["maxReplicas"]


async def test_probes_ask_routes_the_app_serves(client: AsyncClient) -> None:
    container = named("Deployment", APP)["spec"]["template"]["spec"]["containers"][0]
    ports = {port["name"] for port in container["ports"]}
    probes = [
        container[probe]["httpGet"] for probe in ("startupProbe", "livenessProbe", "readinessProbe")
    ]
    for probe in probes:
        assert (await client.get(probe["path"])).status_code == 200, probe
    assert {probe["port"] for probe in probes} <= ports
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"  # the database
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"  # the process only
    service = named("Service", APP)
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports


def test_pods_outlive_their_graceful_shutdown() -> None:
    pod = named("Deployment", APP)["spec"]["template"]["spec"]
    container = pod["containers"][0]
    (graceful,) = [
        arg for arg in container["command"] if arg.startswith("--timeout-graceful-shutdown=")
    ]
    shutdown = container["lifecycle"]["preStop"]["sleep"]["seconds"] + int(graceful.split("=")[1])
    assert pod["terminationGracePeriodSeconds"] > shutdown


def test_every_workload_is_bounded_and_unprivileged() -> None:
    for workload in workloads():
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
            assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_workloads_run_the_projects_commands_with_settings_it_reads() -> None:
    fields = {name.upper() for name in Settings.model_fields} | SERVER_SETTINGS
    config = by_kind("ConfigMap")[0]
    secret = by_kind("Secret")[0]
    assert (config["data"].keys() | secret["stringData"].keys()) <= fields
    commands = set()
    for workload in workloads():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            assert container["image"] == APP  # the kustomization sets its tag
            sources = {next(iter(source.values()))["name"] for source in container["envFrom"]}
            assert sources == {config["metadata"]["name"], secret["metadata"]["name"]}
            commands.add(" ".join(container["command"][:3]))
    assert "alembic upgrade head" in commands
{%- if cookiecutter.broker == "redis" %}
    assert "python -m {{ cookiecutter.package_name }}.worker" in commands
{%- endif %}
