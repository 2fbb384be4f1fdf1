"""Traces reach a real OTLP/HTTP receiver: a server span per request, a child span per query."""

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asgi_lifespan import LifespanManager
from httpx2 import ASGITransport, AsyncClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app

from tests.helpers import bearer, make_user

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP trace receiver on loopback: decodes what it is sent, keeps the spans."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.spans: list[tuple[str, Span]] = []  # (service name, span)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        assert self.path == "/v1/traces"
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.server.spans.append((attributes["service.name"], span))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def attributes(span: Span) -> dict[str, object]:
    return {a.key: a.value.string_value or a.value.int_value for a in span.attributes}


async def test_a_request_is_traced_with_its_queries(
    settings: Settings, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    traced = settings.model_copy(update={"otel_exporter_otlp_endpoint": receiver.endpoint})
    caplog.set_level(logging.INFO)
    app = create_app(traced)
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        async with app.state.session_factory() as session:
            headers = await bearer(session, await make_user(session), traced)
        item = (await client.post("/api/v1/items", json={"title": "x"}, headers=headers)).json()
        response = await client.get(
            f"/api/v1/items/{item['id']}",
            headers=headers | {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"},
        )
        assert response.status_code == 200
    # The lifespan's end flushed the spans to the receiver.

    spans = [span for _, span in receiver.spans]
    assert {service for service, _ in receiver.spans} == {"{{ cookiecutter.project_slug }}"}
    server = next(s for s in spans if attributes(s).get("http.route") == "/api/v1/items/{item_id}")
    assert server.kind == Span.SPAN_KIND_SERVER
    assert server.name == "GET /api/v1/items/{item_id}"
    # The caller's trace goes on: same trace id, its span as parent.
    assert server.trace_id.hex() == TRACE_ID
    assert server.parent_span_id.hex() == PARENT_ID
    queries = [s for s in spans if s.trace_id == server.trace_id and "db.system" in attributes(s)]
    assert queries, "no database span in the request's trace"
    by_id = {s.span_id: s for s in spans}
    for query in queries:  # each is a descendant of the server span
        ancestor = query
        while ancestor.span_id != server.span_id:
            ancestor = by_id[ancestor.parent_span_id]

    access = [
        r for r in caplog.records if r.name.endswith(".access") and "/items/" in r.getMessage()
    ]
    assert [getattr(r, "trace_id", None) for r in access] == [TRACE_ID]


def test_without_an_endpoint_the_tracing_sdk_is_not_even_imported() -> None:
    probe = "import sys, {{ cookiecutter.package_name }}.main; print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk.trace', 'opentelemetry.exporter'))))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"OTEL_EXPORTER_OTLP_ENDPOINT": ""},
    )
    assert result.stdout.strip() == "[]"
