"""What users are told by email, and when."""

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.emails.messages import compose
from {{ cookiecutter.package_name }}.emails.senders import EmailSender, create_sender


class Notifier:
    """One method per email; jobs call them. No email ever carries a password."""

    def __init__(self, settings: Settings, sender: EmailSender | None = None) -> None:
        self._settings = settings
        self._sender = sender or create_sender(settings)

    async def _send(self, template: str, *, to: str, subject: str, **context: object) -> None:
        message = compose(
            template, to=to, sender=self._settings.email_from, subject=subject, **context
        )
        await self._sender.send(message)

    async def send_welcome(self, *, email: str, full_name: str | None) -> None:
        await self._send("welcome", to=email, subject="Welcome", full_name=full_name)

    async def send_password_reset(self, *, email: str, full_name: str | None, token: str) -> None:
        """The reset link: PASSWORD_RESET_URL (never the request's Host) with the token."""
        url = self._settings.password_reset_url
        link = f"{url}{'&' if '?' in url else '?'}token={token}"  # the token is URL-safe
        await self._send(
            "password_reset",
            to=email,
            subject="Reset your password",
            full_name=full_name,
            link=link,
            minutes=self._settings.password_reset_expire_minutes,
        )

    async def send_password_changed(self, *, email: str, full_name: str | None) -> None:
        await self._send(
            "password_changed", to=email, subject="Your password was changed", full_name=full_name
        )

    async def send_email_changed(self, *, old_email: str, new_email: str) -> None:
        """Tell the old address, so that its owner learns of a change they did not make."""
        await self._send(
            "email_changed",
            to=old_email,
            subject="Your email address was changed",
            new_email=new_email,
        )
