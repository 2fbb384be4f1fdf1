"""OpenTelemetry traces, exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

FastAPI's own telemetry makes the server span of each request (named by its route, continuing an
incoming `traceparent`); this module gives it a tracer provider and adds a child span per SQL
statement. It is imported only when an endpoint is configured: otherwise the SDK, the exporter
and the instrumentation are never loaded, and requests pay nothing for tracing.
"""

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy.ext.asyncio import AsyncEngine


def create_tracer_provider(endpoint: str, service_name: str) -> TracerProvider:
    """A provider that batches spans to `<endpoint>/v1/traces`; shut it down to flush them."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def trace_statements(engine: AsyncEngine, provider: TracerProvider) -> None:
    """A span per SQL statement, a child of the request's span, until stop_tracing_statements."""
    # Its declared range stops before SQLAlchemy 2.1, whose engine events it hooks are unchanged
    # (tests/test_tracing.py checks the spans arrive).
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=provider, skip_dep_check=True
    )


def stop_tracing_statements() -> None:
    # The instrumentor is one per process: undone, so that the next engine can be traced.
    SQLAlchemyInstrumentor().uninstrument()
