"""Log configuration: one line per record, tagged with the request id."""

import logging
from contextvars import ContextVar

# Set by ServiceMiddleware for the duration of each request.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

_HANDLER_NAME = "{{ cookiecutter.package_name }}"


class RequestIdFilter(logging.Filter):
    """Copy the current request id onto every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure_logging(level: str) -> None:
    """Send the service's own logs to stderr at `level`; safe to call more than once."""
    logger = logging.getLogger("{{ cookiecutter.package_name }}")
    logger.setLevel(level)
    if any(handler.get_name() == _HANDLER_NAME for handler in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    logger.addHandler(handler)
