"""Superusers: the admin routes, the last-superuser rule and `create-superuser`."""

import asyncio
import getpass
import sys

import pytest
from httpx2 import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.__main__ import main
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.users.models import User

from tests.helpers import PASSWORD, bearer, make_superuser, process_env

LAST_SUPERUSER = {"detail": "The last active superuser cannot be removed, demoted or deactivated"}


@pytest.fixture
async def superuser(session: AsyncSession) -> User:
    return await make_superuser(session)


@pytest.fixture
async def superuser_headers(
    session: AsyncSession, superuser: User, settings: Settings
) -> dict[str, str]:
    return await bearer(session, superuser, settings)


def admin_requests(user_id: int) -> list[tuple[str, str, dict[str, object] | None]]:
    url = f"/api/v1/users/{user_id}"
    return [
        ("GET", "/api/v1/users", None),
        ("GET", url, None),
        ("PATCH", url, {"full_name": "Mallory"}),
        ("DELETE", url, None),
    ]


async def test_user_read_shows_whether_a_superuser(
    client: AsyncClient, auth_headers: dict[str, str], superuser_headers: dict[str, str]
) -> None:
    me = await client.get("/api/v1/users/me", headers=auth_headers)
    assert me.json()["is_superuser"] is False
    root = await client.get("/api/v1/users/me", headers=superuser_headers)
    assert root.json()["is_superuser"] is True


@pytest.mark.parametrize("existing", [True, False], ids=["existing-id", "missing-id"])
async def test_admin_routes_are_403_for_everyone_else(
    client: AsyncClient,
    auth_headers: dict[str, str],
    other_user: User,
    superuser: User,
    session: AsyncSession,
    existing: bool,
) -> None:
    for method, url, body in admin_requests(other_user.id if existing else 999_999):
        response = await client.request(method, url, json=body, headers=auth_headers)
        assert response.status_code == 403, (method, url)
        assert response.json() == {"detail": "Superusers only"}
        anonymous = await client.request(method, url, json=body)
        assert anonymous.status_code == 401, (method, url)
    await session.refresh(other_user)
    assert other_user.full_name == "Alice Liddell"


async def test_superuser_lists_every_user_a_page_at_a_time(
    client: AsyncClient,
    superuser: User,
    user: User,
    other_user: User,
    superuser_headers: dict[str, str],
) -> None:
    first = await client.get("/api/v1/users?limit=2", headers=superuser_headers)
    assert first.status_code == 200
    body = first.json()
    assert [u["email"] for u in body["items"]] == [other_user.email, user.email]
    assert body["next_cursor"]
    second = await client.get(
        "/api/v1/users",
        params={"limit": 2, "cursor": body["next_cursor"]},
        headers=superuser_headers,
    )
    assert second.json() == {
        "items": [shown_as(second.json()["items"][0], superuser)],
        "next_cursor": None,
    }


def shown_as(body: dict[str, object], user: User) -> dict[str, object]:
    """The body as the service shows `user`, checked against the row."""
    assert body["id"] == user.id
    assert body["email"] == user.email
    assert body["is_superuser"] is user.is_superuser
    assert not any("password" in key for key in body)
    return body


async def test_superuser_reads_one_user_and_404_for_none(
    client: AsyncClient, user: User, superuser_headers: dict[str, str]
) -> None:
    response = await client.get(f"/api/v1/users/{user.id}", headers=superuser_headers)
    assert response.status_code == 200
    shown_as(response.json(), user)
    missing = await client.get("/api/v1/users/999999", headers=superuser_headers)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "User not found"}


async def test_superuser_changes_name_and_flags_but_never_a_password(
    client: AsyncClient, user: User, superuser_headers: dict[str, str]
) -> None:
    url = f"/api/v1/users/{user.id}"
    response = await client.patch(
        url, json={"full_name": "Alice L.", "is_superuser": True}, headers=superuser_headers
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Alice L."
    assert response.json()["is_superuser"] is True
    assert response.json()["is_active"] is True
    for field in ("password", "hashed_password", "email"):
        refused = await client.patch(url, json={field: "x" * 12}, headers=superuser_headers)
        assert refused.status_code == 422, field


async def test_deactivation_takes_effect_on_the_next_request(
    client: AsyncClient, user: User, auth_headers: dict[str, str], superuser_headers: dict[str, str]
) -> None:
    assert (await client.get("/api/v1/users/me", headers=auth_headers)).status_code == 200
    response = await client.patch(
        f"/api/v1/users/{user.id}", json={"is_active": False}, headers=superuser_headers
    )
    assert response.json()["is_active"] is False
    assert (await client.get("/api/v1/users/me", headers=auth_headers)).status_code == 401
    assert (await client.get("/api/v1/items", headers=auth_headers)).status_code == 401


async def test_demotion_takes_effect_on_the_next_request(
    client: AsyncClient, session: AsyncSession, superuser: User, settings: Settings
) -> None:
    second = await make_superuser(session, email="second@example.com")
    headers = await bearer(session, second, settings)
    assert (await client.get("/api/v1/users", headers=headers)).status_code == 200
    response = await client.patch(
        f"/api/v1/users/{second.id}",
        json={"is_superuser": False},
        headers=await bearer(session, superuser, settings),
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/users", headers=headers)).status_code == 403


@pytest.mark.parametrize(
    ("method", "body"),
    [("PATCH", {"is_superuser": False}), ("PATCH", {"is_active": False}), ("DELETE", None)],
    ids=["demote", "deactivate", "delete"],
)
async def test_the_last_active_superuser_stays(
    client: AsyncClient,
    session: AsyncSession,
    superuser: User,
    superuser_headers: dict[str, str],
    settings: Settings,
    method: str,
    body: dict[str, object] | None,
) -> None:
    url = f"/api/v1/users/{superuser.id}"
    response = await client.request(method, url, json=body, headers=superuser_headers)
    assert response.status_code == 409
    assert response.json() == LAST_SUPERUSER
    # With another active superuser, the same request goes through.
    second = await make_superuser(session, email="second@example.com")
    response = await client.request(
        method, url, json=body, headers=await bearer(session, second, settings)
    )
    assert response.status_code in (200, 204)


async def test_an_inactive_superuser_does_not_count(
    client: AsyncClient, session: AsyncSession, superuser: User, superuser_headers: dict[str, str]
) -> None:
    dormant = await make_superuser(session, email="dormant@example.com")
    dormant.is_active = False
    await session.commit()
    response = await client.patch(
        f"/api/v1/users/{superuser.id}", json={"is_superuser": False}, headers=superuser_headers
    )
    assert response.status_code == 409


async def test_deleting_a_user_deletes_their_items(
    client: AsyncClient,
    session: AsyncSession,
    user: User,
    auth_headers: dict[str, str],
    superuser_headers: dict[str, str],
) -> None:
    created = await client.post("/api/v1/items", json={"title": "mine"}, headers=auth_headers)
    assert created.status_code == 201
    response = await client.delete(f"/api/v1/users/{user.id}", headers=superuser_headers)
    assert response.status_code == 204
    assert await session.scalar(select(func.count()).select_from(Item)) == 0
    assert (await client.get("/api/v1/users/me", headers=auth_headers)).status_code == 401


async def run_command(*command: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


CREATE_SUPERUSER = (sys.executable, "-m", "{{ cookiecutter.package_name }}", "create-superuser")


async def test_create_superuser_command_creates_then_is_idempotent(
    settings: Settings, session: AsyncSession
) -> None:
    env = process_env(settings, SUPERUSER_PASSWORD=PASSWORD)
    status, output = await run_command(*CREATE_SUPERUSER, "Root@Example.com", env=env)
    assert (status, output) == (0, "created the superuser root@example.com\n")
    assert PASSWORD not in output
    status, output = await run_command(*CREATE_SUPERUSER, "root@example.com", env=env)
    assert (status, output) == (0, "root@example.com is already a superuser\n")
    users = list(await session.scalars(select(User)))
    assert [(u.email, u.is_superuser, u.is_active) for u in users] == [
        ("root@example.com", True, True)
    ]


async def test_create_superuser_command_refuses_bad_input(settings: Settings) -> None:
    env = process_env(settings, SUPERUSER_PASSWORD="short")
    status, output = await run_command(*CREATE_SUPERUSER, "root@example.com", env=env)
    assert status == 2
    assert "create-superuser: the password must have 8 to 128 characters" in output
    assert "short" not in output
    common = process_env(settings, SUPERUSER_PASSWORD="Password1", REJECT_COMMON_PASSWORDS="true")
    status, output = await run_command(*CREATE_SUPERUSER, "root@example.com", env=common)
    assert status == 2
    assert "create-superuser: the password is one of the most used: choose another" in output
    assert "Password1" not in output
    status, output = await run_command(*CREATE_SUPERUSER, "not-an-email", env=env)
    assert status == 2
    assert "'not-an-email' is not a valid email address" in output
    status, output = await run_command(*CREATE_SUPERUSER, env=env)
    assert status == 2
    assert "the following arguments are required: email" in output


def run_main(*args: str) -> int:
    """`main` in a thread of its own: it runs its own event loop."""
    return main(["create-superuser", *args])


@pytest.fixture
def command_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command, run in this process, finds the test's database and no password."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.delenv("SUPERUSER_PASSWORD", raising=False)


@pytest.mark.usefixtures("command_env")
async def test_create_superuser_promotes_an_existing_account_without_a_password(
    session: AsyncSession, user: User, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await asyncio.to_thread(run_main, user.email) == 0
    assert capsys.readouterr().out == f"{user.email} is now a superuser\n"
    await session.refresh(user)
    assert user.is_superuser


@pytest.mark.usefixtures("command_env")
async def test_create_superuser_prompts_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter([PASSWORD, "something else"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(answers))
    assert await asyncio.to_thread(run_main, "new@example.com") == 2
    assert "the passwords do not match" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert await asyncio.to_thread(run_main, "new@example.com") == 0
    assert capsys.readouterr().out == "created the superuser new@example.com\n"
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert await asyncio.to_thread(run_main, "other@example.com") == 2
    assert "set SUPERUSER_PASSWORD" in capsys.readouterr().err


async def test_create_superuser_on_an_unmigrated_database(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    assert await asyncio.to_thread(run_main, "root@example.com") == 1
    assert "alembic upgrade head" in capsys.readouterr().err
