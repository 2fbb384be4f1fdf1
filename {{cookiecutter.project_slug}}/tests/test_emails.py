"""Emails: composed from templates, sent over SMTP, printed locally, or not sent at all."""

import logging
from email.message import EmailMessage

import pytest

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.emails.messages import compose
from {{ cookiecutter.package_name }}.emails.notifier import Notifier
from {{ cookiecutter.package_name }}.emails.senders import (
    ConsoleSender,
    DisabledSender,
    SMTPSender,
    create_sender,
)

from tests.helpers import Mailbox, text_of


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
