"""Notifications sent outside the request, through FastAPI's BackgroundTasks."""

import logging
from typing import Annotated, Protocol

from fastapi import Depends
from starlette.requests import HTTPConnection

logger = logging.getLogger(__name__)


class Notifier(Protocol):
    """Where user-facing notifications go; swap in email or a queue in production."""

    async def send_welcome(self, *, email: str, full_name: str | None) -> None: ...


class LogNotifier:
    """The default notifier: writes each notification to the log."""

    async def send_welcome(self, *, email: str, full_name: str | None) -> None:
        logger.info("Welcome notification sent to %s", email)


async def get_notifier(connection: HTTPConnection) -> Notifier:
    notifier: Notifier = connection.app.state.notifier
    return notifier


NotifierDep = Annotated[Notifier, Depends(get_notifier)]
