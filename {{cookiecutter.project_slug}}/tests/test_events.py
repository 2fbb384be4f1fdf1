"""The items WebSocket, through Starlette's test client (httpx has no WebSocket support)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

from tests.helpers import PASSWORD


@pytest.fixture
def sync_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@contextmanager
def events(client: TestClient, url: str, **options: Any) -> Iterator[WebSocketTestSession]:
    with client.websocket_connect(url, **options) as socket:
{%- if cookiecutter.broker == "redis" %}
        # The first message says the subscription is live: nothing is missed from now on.
        assert socket.receive_json() == {"type": "resync"}
{%- endif %}
        yield socket


def sign_up(client: TestClient, email: str) -> dict[str, str]:
    assert (
        client.post("/api/v1/users", json={"email": email, "password": PASSWORD}).status_code == 201
    )
    response = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    return {"token": response.json()["access_token"]}


def test_events_follow_the_callers_items(sync_client: TestClient) -> None:
    alice = sign_up(sync_client, "alice@example.com")
    bob = sign_up(sync_client, "bob@example.com")
    headers = {"Authorization": f"Bearer {alice['token']}"}

    with events(sync_client, f"/api/v1/items/events?token={alice['token']}") as socket:
        bob_headers = {"Authorization": f"Bearer {bob['token']}"}
        assert (
            sync_client.post(
                "/api/v1/items", json={"title": "Bob's"}, headers=bob_headers
            ).status_code
            == 201
        )

        created = sync_client.post("/api/v1/items", json={"title": "Mine"}, headers=headers).json()
        assert socket.receive_json() == {"type": "item.created", "item": created}

        path = f"/api/v1/items/{created['id']}"
        updated = sync_client.patch(path, json={"title": "Still mine"}, headers=headers).json()
        assert socket.receive_json() == {"type": "item.updated", "item": updated}

        assert sync_client.delete(path, headers=headers).status_code == 204
        deleted = socket.receive_json()
        assert deleted["type"] == "item.deleted"
        assert deleted["item"]["id"] == created["id"]


def test_events_take_the_token_from_an_authorization_header(sync_client: TestClient) -> None:
    """For non-browser clients: no token in the URL at all."""
    alice = sign_up(sync_client, "alice@example.com")
    headers = {"Authorization": f"Bearer {alice['token']}"}
    with events(sync_client, "/api/v1/items/events", headers=headers) as socket:
        created = sync_client.post("/api/v1/items", json={"title": "Mine"}, headers=headers).json()
        assert socket.receive_json() == {"type": "item.created", "item": created}


def test_events_refuse_the_token_of_an_ended_session_with_1008(sync_client: TestClient) -> None:
    alice = sign_up(sync_client, "alice@example.com")
    assert sync_client.post("/api/v1/auth/revoke", data=alice).status_code == 200
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        sync_client.websocket_connect(f"/api/v1/items/events?token={alice['token']}"),
    ):
        pass
    assert refused.value.code == 1008


def test_events_refuse_a_bad_authorization_header_with_1008(sync_client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        sync_client.websocket_connect(
            "/api/v1/items/events", headers={"Authorization": "Bearer garbage"}
        ),
    ):
        pass
    assert refused.value.code == 1008


@pytest.mark.parametrize(
    "query", ["", "?token=", "?token=garbage"], ids=["missing", "empty", "garbage"]
)
def test_events_refuse_a_bad_token_with_1008(sync_client: TestClient, query: str) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        sync_client.websocket_connect(f"/api/v1/items/events{query}"),
    ):
        pass
    assert refused.value.code == 1008
