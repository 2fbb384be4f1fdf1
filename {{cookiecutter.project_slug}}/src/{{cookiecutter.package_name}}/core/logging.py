"""Log configuration: every record, whichever library wrote it, through one handler on stderr.

`LOG_FORMAT=json` writes one JSON object a line (`timestamp`, `level`, `logger`, `message`,
`request_id` inside a request, and the record's extra fields); `text` writes one readable line.
"""

import logging
from contextvars import ContextVar
from typing import Literal

from opentelemetry import trace
from pythonjsonlogger.orjson import OrjsonFormatter

# Set by ServiceMiddleware for the duration of each request.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

_HANDLER_NAME = "{{ cookiecutter.package_name }}"
# Libraries that install handlers of their own; their records go through ours instead.
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "gunicorn", "gunicorn.error")
_TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Copy the current request id onto every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class StripQueryStrings(logging.Filter):
    """Cut the query string off any path a record's arguments carry.

    uvicorn logs each WebSocket handshake with its full URL, and browsers put the token there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.partition("?")[0] if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in record.args
            )
        return True


class TraceIdFilter(logging.Filter):
    """Copy the current trace id onto every record, so logs and traces can be joined."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else None
        return True


_strip_query_strings = StripQueryStrings()
_trace_ids = TraceIdFilter()


def _formatter(log_format: Literal["json", "text"]) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter(_TEXT_FORMAT)
    return OrjsonFormatter(
        "{levelname}{name}{process}{message}",  # process: which worker, when there are several
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,  # ISO 8601, UTC
    )


def configure_logging(
    level: str, log_format: Literal["json", "text"], *, trace_ids: bool = False
) -> None:
    """Route every logger through one stderr handler at `level`; safe to call more than once."""
    root = logging.getLogger()
    root.setLevel(level)
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER_NAME)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(_formatter(log_format))
    if trace_ids:
        handler.addFilter(_trace_ids)
    else:
        handler.removeFilter(_trace_ids)
    # Neither format prints a record's thread or process name, so records skip looking them up
    # (the logging HOWTO's "Optimization"); a format that prints them needs them on again.
    logging.logThreads = False
    logging.logMultiprocessing = False
    logging.getLogger("{{ cookiecutter.package_name }}").setLevel(level)
    for name in _LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
    logging.getLogger("uvicorn.error").addFilter(_strip_query_strings)
    # uvicorn's access lines print query strings, tokens included; the service writes its own
    # (core.middleware). With no handler to reach, uvicorn does not even format them.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
