"""Where composed emails go: an SMTP server, the console (local development), or nowhere."""

import logging
import sys
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from {{ cookiecutter.package_name }}.core.config import Settings

logger = logging.getLogger(__name__)

# Seconds an SMTP conversation may take; a job that fails is retried (jobs.queue).
SMTP_TIMEOUT = 30


class EmailSender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SMTPSender:
    """Sends through SMTP_HOST, over TLS from the first byte, after STARTTLS, or in the clear."""

    def __init__(self, host: str, settings: Settings) -> None:
        self._host = host
        self._settings = settings

    async def send(self, message: EmailMessage) -> None:
        settings = self._settings
        password = settings.smtp_password
        await aiosmtplib.send(
            message,
            hostname=self._host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=None if password is None else password.get_secret_value(),
            use_tls=settings.smtp_security == "tls",
            # False, not None: aiosmtplib would otherwise upgrade whenever the server offers it.
            start_tls=settings.smtp_security == "starttls",
            timeout=SMTP_TIMEOUT,
        )
        logger.info("Email %r sent to %s", message["Subject"], message["To"])


class ConsoleSender:
    """Local development without an SMTP server: prints each email to standard output.

    The one place a reset link is ever printed: that is how a developer resets a password
    locally. Settings refuse it in production, where the logs would keep the links.
    """

    async def send(self, message: EmailMessage) -> None:
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        sys.stdout.write(
            f"--- email (no SMTP_HOST set) ---\nTo: {message['To']}\n"
            f"Subject: {message['Subject']}\n\n{text}--- end of email ---\n"
        )
        sys.stdout.flush()


class DisabledSender:
    """EMAIL_ENABLED=false: no email leaves; each is logged without its body."""

    async def send(self, message: EmailMessage) -> None:
        logger.info(
            "Email %r to %s not sent: EMAIL_ENABLED=false", message["Subject"], message["To"]
        )


def create_sender(settings: Settings) -> EmailSender:
    if not settings.email_enabled:
        return DisabledSender()
    if settings.smtp_host is None:
        return ConsoleSender()
    return SMTPSender(settings.smtp_host, settings)
