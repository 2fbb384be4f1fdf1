"""The admin at /admin: who gets in, CSRF and origin checks, the cookie, and the domain rules."""

import asyncio
import json
import logging
import re

import pytest
from fastapi import FastAPI
from httpx2 import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.admin.auth import REFUSED
from {{ cookiecutter.package_name }}.admin.site import SESSION_COOKIE
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.items.events import ItemEvents
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import PASSWORD, bearer, make_superuser, serve

LAST_SUPERUSER = "The last active superuser cannot be removed, demoted or deactivated"
_CSRF_INPUT = re.compile(r'name="csrftoken" value="([^"]+)"')


@pytest.fixture
async def superuser(session: AsyncSession) -> User:
    return await make_superuser(session)


@pytest.fixture
def item_events(app: FastAPI) -> ItemEvents:
    events: ItemEvents = app.state.item_events
    return events


async def next_event(queue: "asyncio.Queue[str]") -> str:
    """The next item event a subscriber gets (`resync` is what broker=redis sends first)."""
    while True:
        event = json.loads(await asyncio.wait_for(queue.get(), 5))
        if event["type"] != "resync":
            return str(event["type"])


async def csrf_token(client: AsyncClient, path: str = "/admin/login") -> str:
    """The token a page's forms carry (its cookie comes with the page)."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    found = _CSRF_INPUT.search(page.text)
    assert found is not None
    return found.group(1)


async def log_in(client: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    form = {"username": email, "password": password, "csrftoken": await csrf_token(client)}
    return await client.post("/admin/login", data=form)


@pytest.fixture
async def admin_client(client: AsyncClient, superuser: User) -> AsyncClient:
    """The client, signed in to the admin as the superuser."""
    response = await log_in(client, superuser.email)
    assert response.status_code == 303, response.text
    return client


def set_cookie(response: Response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


@pytest.mark.parametrize("path", ["/admin/", "/admin/user/list", "/admin/item/edit?pk=1"])
async def test_anonymous_requests_go_to_the_login_page(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("http://test/admin/login?next=")
    login = await client.get("/admin/login")
    assert login.status_code == 200
    assert 'name="password"' in login.text


async def test_a_superuser_logs_in_with_a_strict_http_only_cookie(
    client: AsyncClient, superuser: User
) -> None:
    response = await log_in(client, superuser.email)
    assert response.status_code == 303
    assert response.headers["location"] == "http://test/admin/"
    cookie = set_cookie(response, SESSION_COOKIE)
    flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/admin"} <= flags
    assert "secure" not in flags  # plain HTTP outside production
    index = await client.get("/admin/")
    assert index.status_code == 200
    assert superuser.email in index.text


async def test_the_cookie_is_secure_in_production(settings: Settings, superuser: User) -> None:
    production = settings.model_copy(update={"environment": "production"})
    async with serve(production, base_url="https://test") as client:
        cookie = set_cookie(await log_in(client, superuser.email), SESSION_COOKIE)
    assert "secure" in {flag.strip().lower() for flag in cookie.split(";")[1:]}


async def test_logging_out_ends_the_session(admin_client: AsyncClient) -> None:
    token = await csrf_token(admin_client, "/admin/")
    response = await admin_client.post("/admin/logout", data={"csrftoken": token})
    assert response.status_code == 303
    assert set_cookie(response, SESSION_COOKIE).startswith(f"{SESSION_COOKIE}=null;")
    assert (await admin_client.get("/admin/")).status_code == 303


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("alice@example.com", PASSWORD),  # an account, not a superuser
        ("root@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("root\x00@example.com", PASSWORD),  # refused before any query (PostgreSQL has no NUL)
    ],
    ids=["not-a-superuser", "wrong-password", "unknown-email", "nul"],
)
async def test_everyone_else_is_refused_with_one_message(
    client: AsyncClient, user: User, superuser: User, email: str, password: str
) -> None:
    response = await log_in(client, email, password)
    assert response.status_code == 200  # the login page again, with the message
    assert REFUSED in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert (await client.get("/admin/")).status_code == 303


async def test_an_inactive_superuser_is_refused(
    client: AsyncClient, superuser: User, session: AsyncSession
) -> None:
    superuser.is_active = False
    await session.commit()
    response = await log_in(client, superuser.email)
    assert response.status_code == 200  # the login page again, with the message
    assert REFUSED in response.text


async def test_logins_share_the_token_endpoints_rate_limit(
    settings: Settings, superuser: User
) -> None:
    limited = settings.model_copy(update={"login_rate_limit": "2/minute"})
    async with serve(limited) as client:
        form = {"username": superuser.email, "password": "wrong password"}
        assert (await client.post("/api/v1/auth/token", data=form)).status_code == 400
        assert REFUSED in (await log_in(client, superuser.email, "wrong password")).text
        refused = await log_in(client, superuser.email)  # the right password, too late
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")


async def test_a_post_without_the_csrf_token_is_403(client: AsyncClient, superuser: User) -> None:
    await csrf_token(client)  # the CSRF cookie alone is not enough
    form = {"username": superuser.email, "password": PASSWORD}
    response = await client.post("/admin/login", data=form)
    assert response.status_code == 403
    forged = await client.post("/admin/login", data=form | {"csrftoken": "forged"})
    assert forged.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


async def test_a_post_from_another_origin_is_403(
    admin_client: AsyncClient, user: User, session: AsyncSession
) -> None:
    token = await csrf_token(admin_client, f"/admin/user/edit?pk={user.id}")
    form = {"full_name": "Mallory", "is_active": "on", "csrftoken": token}
    url = f"/admin/user/edit?pk={user.id}"
    foreign = await admin_client.post(url, data=form, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert foreign.json() == {"detail": "Cross-origin request refused"}
    await session.refresh(user)
    assert user.full_name == "Alice Liddell"
    own = await admin_client.post(url, data=form, headers={"Origin": "http://test"})
    assert own.status_code == 303
    await session.refresh(user)
    assert user.full_name == "Mallory"


async def test_deactivating_a_user_in_the_admin_ends_their_tokens(
    admin_client: AsyncClient, user: User, settings: Settings, session: AsyncSession
) -> None:
    headers = await bearer(session, user, settings)
    assert (await admin_client.get("/api/v1/users/me", headers=headers)).status_code == 200
    found = await admin_client.get("/admin/user/list", params={"q": user.email})
    assert found.status_code == 200
    assert user.email in found.text
    url = f"/admin/user/edit?pk={user.id}"
    form = {"full_name": "Alice", "csrftoken": await csrf_token(admin_client, url)}
    assert (await admin_client.post(url, data=form)).status_code == 303  # is_active unchecked
    assert (await admin_client.get("/api/v1/users/me", headers=headers)).status_code == 401


async def test_the_last_active_superuser_cannot_be_demoted_here_either(
    admin_client: AsyncClient, superuser: User, session: AsyncSession
) -> None:
    url = f"/admin/user/edit?pk={superuser.id}"
    form = {"is_active": "on", "csrftoken": await csrf_token(admin_client, url)}
    response = await admin_client.post(url, data=form)
    assert response.status_code == 422
    assert LAST_SUPERUSER in response.text
    await session.refresh(superuser)
    assert superuser.is_superuser


async def test_a_demoted_superuser_is_out_at_the_next_request(
    admin_client: AsyncClient, superuser: User, session: AsyncSession
) -> None:
    await make_superuser(session, email="second@example.com")  # so the first may be demoted
    superuser.is_superuser = False
    await session.commit()
    response = await admin_client.get("/admin/")
    assert response.status_code == 303
    assert "/admin/login" in response.headers["location"]


async def test_a_password_change_ends_the_admin_session(
    admin_client: AsyncClient, superuser: User, session: AsyncSession
) -> None:
    superuser.hashed_password = "$argon2id$another"
    await session.commit()
    assert (await admin_client.get("/admin/")).status_code == 303


async def test_no_password_or_hash_on_the_user_pages(admin_client: AsyncClient, user: User) -> None:
    pages = [
        await admin_client.get("/admin/user/list"),
        await admin_client.get(f"/admin/user/detail?pk={user.id}"),
        await admin_client.get(f"/admin/user/edit?pk={user.id}"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "Alice Liddell" in page.text
        assert "password" not in page.text.lower()
        assert user.hashed_password not in page.text
    assert (await admin_client.get("/admin/user/create")).status_code == 403


async def test_a_full_name_the_api_would_refuse_is_refused_here(
    admin_client: AsyncClient, user: User, session: AsyncSession
) -> None:
    url = f"/admin/user/edit?pk={user.id}"
    token = await csrf_token(admin_client, url)
    form = {"full_name": "x" * 201, "is_active": "on", "csrftoken": token}
    assert (await admin_client.post(url, data=form)).status_code == 422
    await session.refresh(user)
    assert user.full_name == "Alice Liddell"


async def test_items_are_edited_and_deleted_through_their_service(
    item_events: ItemEvents, admin_client: AsyncClient, user: User, session: AsyncSession
) -> None:
    item = Item(title="Old title", owner_id=user.id)
    session.add(item)
    await session.commit()
    found = await admin_client.get("/admin/item/list", params={"q": "old"})
    assert "Old title" in found.text
    url = f"/admin/item/edit?pk={item.id}"
    with item_events.subscribe(user.id) as events:
        token = await csrf_token(admin_client, url)
        form = {"title": "New title", "description": "", "csrftoken": token}
        assert (await admin_client.post(url, data=form)).status_code == 303
        assert await next_event(events) == "item.updated"
        empty = form | {"title": ""}
        assert (await admin_client.post(url, data=empty)).status_code == 422

        token = await csrf_token(admin_client, "/admin/item/list")
        deleted = await admin_client.post(
            "/admin/_api/item/row-action",
            params={"name": "delete", "pk": str(item.id)},
            headers={"X-CSRFToken": token},
        )
        assert deleted.status_code == 200, deleted.text
        assert await next_event(events) == "item.deleted"
    session.expunge_all()
    assert await session.get(Item, item.id) is None


async def test_admin_responses_carry_the_service_headers_and_access_lines(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="{{ cookiecutter.package_name }}.access"):
        response = await client.get("/admin/login", headers={"X-Request-ID": "admin-42"})
    assert response.headers["x-request-id"] == "admin-42"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "x-process-time" in response.headers
    lines = [r for r in caplog.records if r.name == "{{ cookiecutter.package_name }}.access"]
    assert [getattr(r, "path", None) for r in lines] == ["/admin/login"]


async def test_the_login_page_loads_nothing_from_another_host(client: AsyncClient) -> None:
    page = await client.get("/admin/login")
    assets = re.findall(r'(?:href|src)="([^"]+)"', page.text)
    assert assets, page.text
    own = ("http://test/admin/", "/admin/", "#", "data:")
    assert all(url.startswith(own) for url in assets), assets
    assert "rsms.me" not in page.text
    for url in assets:
        if "/static/" in url:
            assert (await client.get(url)).status_code == 200, url


async def test_admin_enabled_false_serves_no_admin(settings: Settings) -> None:
    async with serve(settings.model_copy(update={"admin_enabled": False})) as client:
        assert (await client.get("/admin/login")).status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/admin/user/edit?pk=abc", 404),
        ("/admin/user/detail?pk=99999999999999", 404),  # beyond any id: no database error
        ("/admin/user/list?page=99999999999999999999", 200),
        ("/admin/user/list?q=a%00b", 400),  # PostgreSQL cannot compare text holding NUL
        ("/admin/user/list?filter=email__contains%3Da%00b", 400),
    ],
)
async def test_malformed_admin_urls_are_client_errors(
    admin_client: AsyncClient, path: str, status: int
) -> None:
    assert (await admin_client.get(path)).status_code == status


async def test_users_are_not_deleted_here(
    admin_client: AsyncClient, user: User, session: AsyncSession
) -> None:
    token = await csrf_token(admin_client, "/admin/user/list")
    response = await admin_client.post(
        "/admin/_api/user/row-action",
        params={"name": "delete", "pk": str(user.id)},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    session.expunge_all()
    assert await session.get(User, user.id) is not None
