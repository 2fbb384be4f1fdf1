"""`/metrics`: Prometheus text, labelled by route template, summed over processes, guarded."""

import asyncio
import sys
import uuid
from asyncio.subprocess import DEVNULL
from pathlib import Path

import pytest
from httpx2 import AsyncClient, BasicAuth
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.core.config import Settings

from tests.helpers import free_port, process_env, serve, wait_until_serving

ITEM_ROUTE = "/api/v1/items/{item_id}"


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples of one metric, by their label sets."""
    return {
        frozenset(sample.labels.items()): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def requests_total(text: str, **labels: str) -> float:
    """The sum of http_requests_total over the series that have these labels."""
    wanted = set(labels.items())
    return sum(
        value for series, value in samples(text, "http_requests_total").items() if wanted <= series
    )


async def scrape(client: AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_requests_are_counted_by_route_template(
    client: AsyncClient, auth_headers: dict[str, str]
) -> None:
    ids = [
        (await client.post("/api/v1/items", json={"title": f"n{n}"}, headers=auth_headers)).json()[
            "id"
        ]
        for n in range(20)
    ]
    before = await scrape(client)
    for item_id in ids:
        assert (
            await client.get(f"/api/v1/items/{item_id}", headers=auth_headers)
        ).status_code == 200
    after = await scrape(client)
    labels = {"method": "GET", "route": ITEM_ROUTE, "status": "200"}
    assert requests_total(after, **labels) - requests_total(before, **labels) == 20
    durations = samples(after, "http_request_duration_seconds_count")
    assert durations[frozenset({("method", "GET"), ("route", ITEM_ROUTE)})] >= 20
    assert not any(str(item_id) in str(series) for series in durations for item_id in ids[1:])


async def test_unknown_paths_share_one_label(client: AsyncClient) -> None:
    before = await scrape(client)
    paths = [f"/{uuid.uuid4().hex}/{n}" for n in range(50)]
    for path in paths:
        assert (await client.get(path)).status_code == 404
    after = await scrape(client)
    assert (
        requests_total(after, route="<unmatched>") - requests_total(before, route="<unmatched>")
        == 50
    )
    assert not any(path in after for path in paths)


@pytest.mark.parametrize("mount", ["/static"{% if cookiecutter.use_admin %}, "/admin/static"{% endif %}])
async def test_paths_under_a_mount_share_its_label(client: AsyncClient, mount: str) -> None:
    """Anyone can ask for files that do not exist: each must not make a series of its own."""
    before = await scrape(client)
    paths = [f"{mount}/{uuid.uuid4().hex}/{n}" for n in range(10)]
    for path in paths:
        assert (await client.get(path)).status_code == 404
    after = await scrape(client)
    route = mount + "/{path}"
    assert requests_total(after, route=route) - requests_total(before, route=route) == 10
    assert not any(path.rsplit("/", 1)[0] in after for path in paths)


async def test_gauges_are_exported(client: AsyncClient) -> None:
    text = await scrape(client)
    for name in ("http_requests_in_progress", "websocket_connections_open"):
        assert samples(text, name), name
    # The scrape itself is in progress while it is answered.
    assert samples(text, "http_requests_in_progress")[frozenset()] >= 1
    assert samples(text, "db_pool_connections_in_use")


async def test_production_serves_no_metrics_without_credentials(settings: Settings) -> None:
    production = settings.model_copy(
        update={"environment": "production", "secret_key": SecretStr("p" * 48)}
    )
    async with serve(production) as client:
        response = await client.get("/metrics")
    assert response.status_code == 404
    assert "http_requests_total" not in response.text
    assert "METRICS_PASSWORD" in response.json()["detail"]


async def test_credentials_guard_metrics(settings: Settings) -> None:
    guarded = settings.model_copy(
        update={
            "environment": "production",
            "secret_key": SecretStr("p" * 48),
            "metrics_username": "prometheus",
            "metrics_password": SecretStr("scrape-me-please"),
        }
    )
    async with serve(guarded) as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", auth=BasicAuth("prometheus", "guess"))
        right = await client.get("/metrics", auth=BasicAuth("prometheus", "scrape-me-please"))
    for refused in (anonymous, wrong):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Basic")
        assert "http_requests_total" not in refused.text
    assert right.status_code == 200
    assert "http_requests_total" in right.text


def test_credentials_come_in_pairs() -> None:
    with pytest.raises(ValueError, match="METRICS_USERNAME and METRICS_PASSWORD"):
        Settings(_env_file=None, metrics_username="prometheus")


async def test_two_processes_are_counted_together(settings: Settings, tmp_path: Path) -> None:
    """prometheus-client's multiprocess mode: either process's scrape adds up both."""
    env = process_env(settings, ENVIRONMENT="local", PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    ports = [free_port(), free_port()]
    servers = [
        await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "uvicorn", "{{ cookiecutter.package_name }}.main:app"),
            *("--port", str(port)),
            env=env,
            stdout=DEVNULL,
            stderr=DEVNULL,
        )
        for port in ports
    ]
    try:
        clients = [AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) for port in ports]
        for client, server in zip(clients, servers, strict=True):
            await wait_until_serving(client, server)
        # A route nothing else calls here, answered without the database.
        for client, count in zip(clients, (3, 4), strict=True):
            for _ in range(count):
                assert (await client.get("/api/v1/users/me")).status_code == 401
        for client in clients:
            text = await scrape(client)
            assert requests_total(text, route="/api/v1/users/me", status="401") == 7
            # Each process's own count, added up: the scrape being answered, in one of them.
            assert samples(text, "http_requests_in_progress")[frozenset()] == 1
            await client.aclose()
    finally:
        for server in servers:
            server.terminate()
            await server.wait()
