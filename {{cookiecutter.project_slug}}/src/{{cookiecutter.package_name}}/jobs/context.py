"""What a job runs with: the same settings, database and notifier as the routes."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.emails.notifier import Notifier


@dataclass(frozen=True)
class JobContext:
    session_factory: async_sessionmaker[AsyncSession]
    notifier: Notifier
    settings: Settings
