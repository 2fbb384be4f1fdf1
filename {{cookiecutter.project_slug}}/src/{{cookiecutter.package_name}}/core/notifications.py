"""Notifications to users, sent by jobs (jobs/) after the request that caused them."""

import logging
from typing import Protocol

logger = logging.getLogger(__name__)


class Notifier(Protocol):
    """Where user-facing notifications go; swap in email or a queue in production."""

    async def send_welcome(self, *, email: str, full_name: str | None) -> None: ...


class LogNotifier:
    """The default notifier: writes each notification to the log."""

    async def send_welcome(self, *, email: str, full_name: str | None) -> None:
        logger.info("Welcome notification sent to %s", email)
