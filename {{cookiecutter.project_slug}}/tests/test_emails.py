"""Emails: composed from templates, sent over SMTP, printed locally, or not sent at all."""

import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.emails.messages import compose
from {{ cookiecutter.package_name }}.emails.notifier import Notifier
from {{ cookiecutter.package_name }}.emails.senders import (
    ConsoleSender,
    DisabledSender,
    SMTPSender,
    create_sender,
)

from tests.helpers import Mailbox, free_port, text_of


def welcome(full_name: str | None = "Ada <Lovelace>") -> EmailMessage:
    return compose(
        "welcome",
        to="ada@example.com",
        sender="svc@example.com",
        subject="Welcome",
        full_name=full_name,
    )


async def test_an_email_has_a_text_and_an_escaped_html_body(
    settings: Settings, mailbox: Mailbox
) -> None:
    await Notifier(settings).send_welcome(email="ada@example.com", full_name="Ada <Lovelace>")
    [message] = mailbox.to("ada@example.com")
    assert message["From"] == settings.email_from
    assert message.get_content_type() == "multipart/alternative"
    assert "Hello Ada <Lovelace>," in text_of(message)
    html = message.get_body(("html",))
    assert html is not None
    assert "Hello Ada &lt;Lovelace&gt;," in html.get_content()


async def test_the_reset_link_keeps_the_settings_query_string(
    settings: Settings, mailbox: Mailbox
) -> None:
    frontend = settings.model_copy(update={"password_reset_url": "https://app.example.com/r?l=en"})
    await Notifier(frontend).send_password_reset(email="a@example.com", full_name=None, token="t0k")
    [message] = mailbox.to("a@example.com")
    assert "https://app.example.com/r?l=en&token=t0k" in text_of(message)


def test_the_sender_follows_the_settings(settings: Settings) -> None:
    assert isinstance(create_sender(settings), SMTPSender)
    assert isinstance(create_sender(Settings(_env_file=None)), ConsoleSender)
    disabled = Settings(_env_file=None, email_enabled=False, smtp_host="smtp.example.com")
    assert isinstance(create_sender(disabled), DisabledSender)


async def test_without_smtp_emails_are_printed_to_the_console(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await ConsoleSender().send(welcome(None))
    printed = capsys.readouterr().out
    assert "To: ada@example.com" in printed
    assert "Hello,\n\nwelcome to" in printed


async def test_disabled_email_is_logged_without_its_body(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.INFO):
        await DisabledSender().send(welcome())
    assert "not sent: EMAIL_ENABLED=false" in caplog.text
    assert "Lovelace" not in caplog.text
    assert capsys.readouterr().out == ""


# SMTP_SECURITY against a real server that requires it, with a certificate from a test CA.
LOGIN = "svc@example.com", "s3cret-smtp-password"


def encrypted(server: SMTP) -> bool:
    """Whether this SMTP connection runs over TLS (from the first byte, or since STARTTLS)."""
    assert server.transport is not None
    return server.transport.get_extra_info("ssl_object") is not None


class SecureMailbox(Mailbox):
    """Also records, for each message and login, whether the connection was encrypted."""

    def __init__(self) -> None:
        super().__init__()
        self.encrypted: list[bool] = []
        self.logins: list[tuple[bool, str, str]] = []

    async def handle_DATA(self, server: SMTP, session: object, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.encrypted.append(encrypted(server))
        return await super().handle_DATA(server, session, envelope)

    def authenticate(
        self, server: SMTP, session: object, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((encrypted(server), login, password))
        return AuthResult(success=(login, password) == LOGIN)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusted(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The service trusts the test CA the way a deployment trusts a private one: SSL_CERT_FILE."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


@contextmanager
def smtp_server(ca: trustme.CA, security: str) -> Iterator[tuple[SecureMailbox, int]]:
    """An SMTP server that takes mail only over TLS (`tls`) or after STARTTLS (`starttls`)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    mailbox, port = SecureMailbox(), free_port()
    if security == "tls":  # TLS from the first byte: aiosmtpd then offers AUTH as it stands
        tls = {"ssl_context": context, "server_hostname": "127.0.0.1", "auth_require_tls": False}
    else:  # AUTH and mail only after STARTTLS
        tls = {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        **tls,  # type: ignore[arg-type]  # aiosmtpd passes them on to its SMTP class
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def secured(settings: Settings, security: str, port: int) -> Settings:
    return settings.model_copy(
        update={
            "smtp_security": security,
            "smtp_port": port,
            "smtp_username": LOGIN[0],
            "smtp_password": SecretStr(LOGIN[1]),
        }
    )


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_email_goes_encrypted_and_logs_in_only_once_encrypted(
    settings: Settings, ca: trustme.CA, trusted: None, security: str
) -> None:
    with smtp_server(ca, security) as (mailbox, port):
        await SMTPSender("127.0.0.1", secured(settings, security, port)).send(welcome())
    assert [message["To"] for message in mailbox.messages] == ["ada@example.com"]
    assert mailbox.encrypted == [True]
    assert mailbox.logins == [(True, *LOGIN)]


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_a_server_certificate_the_service_does_not_trust_is_refused(
    settings: Settings, ca: trustme.CA, security: str
) -> None:
    with (
        smtp_server(ca, security) as (mailbox, port),
        pytest.raises((aiosmtplib.SMTPException, ssl.SSLError)) as refused,
    ):
        await SMTPSender("127.0.0.1", secured(settings, security, port)).send(welcome())
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)
    assert mailbox.messages == []
    assert mailbox.logins == []  # the password never left


async def test_a_server_that_requires_starttls_refuses_mail_in_the_clear(
    settings: Settings, ca: trustme.CA, trusted: None
) -> None:
    with smtp_server(ca, "starttls") as (mailbox, port):
        plain = secured(settings, "none", port).model_copy(update={"smtp_username": None})
        with pytest.raises(aiosmtplib.SMTPException, match="STARTTLS"):
            await SMTPSender("127.0.0.1", plain).send(welcome())
    assert mailbox.messages == []
