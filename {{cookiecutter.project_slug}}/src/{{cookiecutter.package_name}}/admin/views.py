"""What the admin shows of each model, and how its changes reach the domain services."""

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette_admin import (
    BooleanField,
    DateTimeField,
    EmailField,
    IntegerField,
    StringField,
    TextAreaField,
)
from starlette_admin.contrib.sqla import ModelView
from starlette_admin.exceptions import FormValidationError
from starlette_admin.filters import FilterGroup

from {{ cookiecutter.package_name }}.core.errors import ConflictError
from {{ cookiecutter.package_name }}.items import service as items
from {{ cookiecutter.package_name }}.items.events import ItemEvents
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.items.schemas import ItemEvent, ItemRead, ItemUpdate
from {{ cookiecutter.package_name }}.users import service as users
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import UserAdminUpdate

# Ids are 32-bit integers in every database the service supports: no other key names a record,
# and no table holds more rows.
MAX_ID = 2**31 - 1


def record_id(key: Any) -> int | None:
    """The id a key from a URL names, or None where it cannot name one (the library would fail)."""
    try:
        value = int(key)
    except (TypeError, ValueError):
        return None
    return value if 1 <= value <= MAX_ID else None


def form_errors(exc: ValidationError) -> FormValidationError:
    """The API schema's complaints about a form, each shown next to its field."""
    return FormValidationError({str(error["loc"][0]): error["msg"] for error in exc.errors()})


class ServiceModelView(ModelView):
    """A model's list, search, detail, edit and delete pages; nothing is created or imported here.

    Records are created through the API, whose rules (password hashing, ownership) a generic
    form would bypass. A new domain's model shows up with one line in `admin.site`.
    """

    page_size = 25
    fields_default_sort = (("id", True),)  # newest first

    async def find_by_pk(self, request: Request, pk: Any) -> Any:
        return None if record_id(pk) is None else await super().find_by_pk(request, pk)

    async def find_by_pks(self, request: Request, pks: list[Any]) -> Sequence[Any]:
        return await super().find_by_pks(request, [pk for pk in pks if record_id(pk)])

    async def find_all(
        self,
        request: Request,
        skip: int = 0,
        limit: int = 100,
        q: str | None = None,
        sorts: Sequence[tuple[str, str]] | None = None,
        filters: FilterGroup | None = None,
    ) -> Sequence[Any]:
        if skip > MAX_ID:  # a page past any table's end, and past what databases take
            return []
        return await super().find_all(request, skip, limit, q, sorts, filters)

    def can_create(self, request: Request) -> bool:
        return False

    def can_import(self, request: Request) -> bool:
        return False


class UserView(ServiceModelView):
    """Accounts: no password field and no hash; changes go through `users.service.administer`."""

    fields = (
        IntegerField("id", exclude_from_edit=True),
        EmailField("email", exclude_from_edit=True),
        StringField("full_name", maxlength=200),
        BooleanField("is_active"),
        BooleanField("is_superuser"),
        DateTimeField("created_at", exclude_from_edit=True),
    )
    searchable_fields = ("email", "full_name")

    def __init__(self) -> None:
        super().__init__(User, icon="fa fa-users")

    def can_delete(self, request: Request) -> bool:
        return False

    async def edit(self, request: Request, pk: Any, data: dict[str, Any]) -> Any:
        user = await self.find_by_pk(request, pk)
        try:
            changes = UserAdminUpdate(
                full_name=data["full_name"] or None,
                is_active=data["is_active"],
                is_superuser=data["is_superuser"],
            )
        except ValidationError as exc:
            raise form_errors(exc) from None
        session: AsyncSession = request.state.session
        try:
            return await users.administer(session, user, changes)
        except ConflictError as exc:  # the last active superuser stays one
            refused = [name for name in ("is_active", "is_superuser") if not data[name]]
            raise FormValidationError(dict.fromkeys(refused, exc.detail)) from None


class ItemView(ServiceModelView):
    """Every user's items; changes go through `items.service` and reach the owner's sockets."""

    fields = (
        IntegerField("id", exclude_from_edit=True),
        StringField("title", required=True, maxlength=200),
        TextAreaField("description", maxlength=10_000),
        IntegerField("owner_id", exclude_from_edit=True),
        DateTimeField("created_at", exclude_from_edit=True),
        DateTimeField("updated_at", exclude_from_edit=True),
    )
    searchable_fields = ("title", "description")

    def __init__(self, events: ItemEvents) -> None:
        super().__init__(Item, icon="fa fa-list")
        self._events = events

    async def edit(self, request: Request, pk: Any, data: dict[str, Any]) -> Any:
        item = await self.find_by_pk(request, pk)
        try:
            changes = ItemUpdate(title=data["title"], description=data["description"] or None)
        except ValidationError as exc:
            raise form_errors(exc) from None
        item = await items.update(request.state.session, item, changes)
        event = ItemEvent(type="item.updated", item=ItemRead.model_validate(item))
        await self._events.publish(item.owner_id, event)
        return item

    async def delete(self, request: Request, pks: list[Any]) -> int | None:
        deleted = await self.find_by_pks(request, pks)
        for item in deleted:
            snapshot = ItemRead.model_validate(item)
            await items.delete(request.state.session, item)
            await self._events.publish(item.owner_id, ItemEvent(type="item.deleted", item=snapshot))
        return len(deleted)
