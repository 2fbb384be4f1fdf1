"""The application factory and the module-level `app` that uvicorn serves."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

from {{ cookiecutter.package_name }} import __version__
{%- if cookiecutter.use_admin %}
from {{ cookiecutter.package_name }}.admin.site import mount_admin
{%- endif %}
from {{ cookiecutter.package_name }}.api import api_router
from {{ cookiecutter.package_name }}.auth.rate_limit import LoginRateLimiter
{%- if cookiecutter.broker == "redis" %}
from {{ cookiecutter.package_name }}.broker.events import RedisItemEvents
from {{ cookiecutter.package_name }}.broker.limits import SharedAttemptCounter
{%- endif %}
from {{ cookiecutter.package_name }}.core.config import PROJECT_NAME, Settings
from {{ cookiecutter.package_name }}.core.errors import register_exception_handlers
from {{ cookiecutter.package_name }}.core.logging import configure_logging
from {{ cookiecutter.package_name }}.core.metrics import record_pool
from {{ cookiecutter.package_name }}.core.middleware import ServiceMiddleware
from {{ cookiecutter.package_name }}.core.security import common_passwords
from {{ cookiecutter.package_name }}.db.session import (
    create_engine,
    create_session_factory,
)
from {{ cookiecutter.package_name }}.emails.notifier import Notifier
from {{ cookiecutter.package_name }}.health.router import router as health_router
{%- if cookiecutter.broker == "none" %}
from {{ cookiecutter.package_name }}.items.events import ItemEvents
{%- endif %}
from {{ cookiecutter.package_name }}.jobs.context import JobContext
from {{ cookiecutter.package_name }}.jobs.queue import create_jobs
from {{ cookiecutter.package_name }}.metrics.router import router as metrics_router
from {{ cookiecutter.package_name }}.pages.docs import add_docs
from {{ cookiecutter.package_name }}.pages.router import router as pages_router

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
{%- if cookiecutter.broker == "none" %}
# The exit status that tells uvicorn's and gunicorn's supervisors not to start the worker again.
STARTUP_FAILURE = 3
{%- endif %}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database engine for the app's lifetime; dispose of its connections on shutdown."""
    settings: Settings = app.state.settings
    engine = create_engine(settings.database_url)
    record_pool(engine)
    provider: TracerProvider | None = app.state.tracer_provider
    if provider is not None:
        from {{ cookiecutter.package_name }}.core import tracing

        tracing.trace_statements(engine, provider)
    app.state.session_factory = create_session_factory(engine)
    if settings.reject_common_passwords:  # loaded now, not in the first sign-up's request
        await to_thread.run_sync(common_passwords)
    app.state.jobs.use(JobContext(app.state.session_factory, Notifier(settings), settings))
    try:
        async with app.state.item_events.running():
            yield
    finally:
        await app.state.jobs.broker.shutdown()
        await engine.dispose()
        logger.info("Database connections closed")
        if provider is not None:
            tracing.stop_tracing_statements()
            provider.shutdown()  # exports the spans still queued


# FastAPI's telemetry, for traces alone: metrics are Prometheus', logs go to stderr.
_TRACES_ONLY: TelemetryConfig = {"metrics": False, "logs": False, "operation_spans": False}


def create_tracer_provider(settings: Settings) -> "TracerProvider | None":
    """Traces only when a collector is configured: without one, OpenTelemetry's SDK stays unloaded."""
    if not settings.otel_exporter_otlp_endpoint:
        return None
    from {{ cookiecutter.package_name }}.core import tracing

    return tracing.create_tracer_provider(
        settings.otel_exporter_otlp_endpoint, settings.otel_service_name
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings."""
    settings = settings or Settings()
    provider = create_tracer_provider(settings)
    configure_logging(settings.log_level, settings.log_format, trace_ids=provider is not None)
{%- if cookiecutter.broker == "none" %}
    if settings.web_concurrency > 1:
        logger.critical(
            "WEB_CONCURRENCY=%d: this service keeps its item events, login limits and jobs in "
            "one process (it was generated with broker=none), so it runs as one process. Unset "
            "WEB_CONCURRENCY, or generate the service with broker=redis to run several.",
            settings.web_concurrency,
        )
        raise SystemExit(STARTUP_FAILURE)
{%- endif %}

    app = FastAPI(
        title=PROJECT_NAME,
        version=__version__,
        description="{{ cookiecutter.description }}",
        lifespan=lifespan,
        # FastAPI's own server span per request, when there is a provider to record it.
        telemetry=None if provider is None else _TRACES_ONLY | {"tracer_provider": provider},
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        docs_url=None,  # served by add_docs, without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.tracer_provider = provider
{%- if cookiecutter.broker == "redis" %}
    app.state.item_events = RedisItemEvents(settings)
    app.state.login_rate_limiter = LoginRateLimiter(
        settings.login_rate_limit, SharedAttemptCounter(settings)
    )
{%- else %}
    app.state.item_events = ItemEvents()
    app.state.login_rate_limiter = LoginRateLimiter(settings.login_rate_limit)
{%- endif %}
    app.state.jobs = create_jobs(settings)

    register_exception_handlers(app)
    if settings.cors_origins:  # with none allowed, CORSMiddleware would only cost time
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "X-Process-Time"],
        )
    # Added last, so it runs first: CORS answers and errors get its headers too.
    app.add_middleware(
        ServiceMiddleware,
        max_body_bytes=settings.max_body_bytes,
        hsts=settings.environment == "production",
    )

    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(api_router)
    app.include_router(pages_router)
    if settings.docs_enabled:
        add_docs(app)
{%- if cookiecutter.use_admin %}
    if settings.admin_enabled:
        mount_admin(app, settings)
{%- endif %}
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


app = create_app()
