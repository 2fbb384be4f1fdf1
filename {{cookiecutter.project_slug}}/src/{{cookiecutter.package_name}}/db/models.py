"""Every model, imported in one place so `Base.metadata` is complete (for Alembic and tests)."""

from {{ cookiecutter.package_name }}.auth.models import PasswordReset, RefreshToken, UserSession
from {{ cookiecutter.package_name }}.db.base import Base
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.users.models import User

__all__ = ["Base", "Item", "PasswordReset", "RefreshToken", "User", "UserSession"]
