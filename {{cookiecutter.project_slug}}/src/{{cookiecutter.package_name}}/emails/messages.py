"""The emails the service sends, each a text and an HTML body rendered from templates/."""

from email.message import EmailMessage
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from {{ cookiecutter.package_name }}.core.config import PROJECT_NAME

# StrictUndefined: a template that names a value it was not given fails, rather than mail a blank.
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def compose(
    template: str, *, to: str, sender: str, subject: str, **context: object
) -> EmailMessage:
    """A message to `to` from `<template>.txt` and, as its HTML alternative, `<template>.html`."""
    context = {"project_name": PROJECT_NAME, **context}
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"{PROJECT_NAME}: {subject}"
    message.set_content(_templates.get_template(f"{template}.txt").render(context))
    message.add_alternative(
        _templates.get_template(f"{template}.html").render(context), subtype="html"
    )
    return message
