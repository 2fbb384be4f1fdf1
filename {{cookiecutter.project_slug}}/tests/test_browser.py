"""The pages as a person sees them: the real service, served by uvicorn, in headless Chromium.

Playwright drives a Chromium installed on the machine (Debian: `apt-get install chromium`) and never
downloads a browser of its own. Where none is found these tests skip, unless `REQUIRE_BROWSER=1`
makes that an error. `BROWSER_EXECUTABLE` names another browser than the first of `BROWSER_NAMES`
on PATH. Each test leaves a screenshot of the page it ends on in `BROWSER_ARTIFACTS` (default:
`test-artifacts/browser/`).
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx2
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    async_playwright,
    expect,
)

from {{ cookiecutter.package_name }} import __version__
{%- if cookiecutter.use_admin %}
from {{ cookiecutter.package_name }}.admin.auth import REFUSED
{%- endif %}
from {{ cookiecutter.package_name }}.core.config import PROJECT_NAME
{%- if cookiecutter.use_admin %}
from {{ cookiecutter.package_name }}.db.session import create_engine, create_session_factory
{%- endif %}

from tests.helpers import PASSWORD, free_port{% if cookiecutter.use_admin %}, make_superuser{% endif %}

pytestmark = pytest.mark.browser

APP = "{{ cookiecutter.package_name }}.main:app"

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless on a machine that may have no network: no sandbox (containers run as root), no GPU, and
# none of the browser's own traffic (component updates, sync, field trials).
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # for each action and each expectation
STARTUP_SECONDS = 30
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"


def find_browser() -> str | None:
    """The browser to drive: BROWSER_EXECUTABLE if set, else the first of BROWSER_NAMES on PATH."""
    configured = os.environ.get("BROWSER_EXECUTABLE")
    if configured:
        return shutil.which(configured)
    return next(filter(None, map(shutil.which, BROWSER_NAMES)), None)


@pytest.fixture(scope="session")
def browser_executable() -> str:
    executable = find_browser()
    if executable is None:
        wanted = os.environ.get("BROWSER_EXECUTABLE") or " or ".join(BROWSER_NAMES)
        reason = f"no browser: {wanted} not found (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and REQUIRE_BROWSER=1")
        pytest.skip(reason)
    return executable


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("BROWSER_ARTIFACTS") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def base_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real service: uvicorn in a process of its own on a free loopback port."""
    workdir = tmp_path_factory.mktemp("service")  # where no developer's .env is read
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "browser-tests-secret-key-that-is-long-enough",
        "DOCS_ENABLED": "true",
{%- if cookiecutter.broker == "redis" %}
        "REDIS_KEY_PREFIX": f"test-browser-{port}",  # its own keys, not the service's
{%- endif %}
    }
    with (workdir / "uvicorn.log").open("w+") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, server, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: IO[str]) -> None:
    """Wait until the service answers /health; fail with its log if it exits or never does."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.poll() is not None:
            log.seek(0)
            pytest.fail(f"uvicorn exited with {server.returncode}:\n{log.read()}")
        try:
            if httpx2.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        if time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(f"no answer on {url}/health after {STARTUP_SECONDS}s:\n{log.read()}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
async def browser(browser_executable: str, playwright: Playwright) -> AsyncIterator[Browser]:
    browser = await playwright.chromium.launch(
        executable_path=browser_executable, args=BROWSER_ARGS
    )
    expect.set_options(timeout=TIMEOUT_MS)  # a busy machine renders the docs slowly
    yield browser
    await browser.close()


@dataclass
class Visit:
    """A page in a fresh browser context, with every request it made and every error it met."""

    page: Page
    base_url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("requestfailed", lambda request: self.errors.append(f"failed: {request.url}"))
        context.on("weberror", lambda error: self.errors.append(f"uncaught: {error.error}"))
        context.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location['url']})")

    def assert_clean(self) -> None:
        """Nothing went wrong in the page, and it asked no other host than the service."""
        own = urlsplit(self.base_url).netloc
        foreign = [url for url in self.requests if urlsplit(url).netloc not in (own, "")]
        assert foreign == [], "the page made requests to other hosts"
        assert self.errors == []


@pytest.fixture
async def visit(
    browser: Browser, base_url: str, artifacts: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Visit]:
    """A fresh page; afterwards, a screenshot of where the test left it."""
    context = await browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    visit = Visit(await context.new_page(), base_url)
    visit.watch(context)
    try:
        yield visit
    finally:
        await visit.page.screenshot(path=artifacts / f"{request.node.name}.png", full_page=True)
        await context.close()


def operation(page: Page, method: str, path: str) -> Locator:
    """One operation of Swagger UI, by its HTTP method and path."""
    return page.locator(
        f".opblock-{method}", has=page.locator(f'.opblock-summary-path[data-path="{path}"]')
    )


async def try_it_out(block: Locator) -> Locator:
    """Expand an operation, press "Try it out" and "Execute"; return its live response."""
    await block.locator(".opblock-summary").click()
    await block.get_by_role("button", name="Try it out").click()
    await block.get_by_role("button", name="Execute").click()
    return block.locator(".live-responses-table .response")


async def operations(base_url: str) -> set[tuple[str, str]]:
    async with httpx2.AsyncClient(base_url=base_url) as client:
        schema = (await client.get("/openapi.json")).json()
    return {(method, path) for path, item in schema["paths"].items() for method in item}


async def test_landing_page_shows_the_service(visit: Visit) -> None:
    page = visit.page
    await page.goto("/")
    await expect(page).to_have_title(PROJECT_NAME)
    await expect(page.get_by_role("heading", level=1)).to_have_text(PROJECT_NAME)
    await expect(page.locator(".meta")).to_contain_text(f"version {__version__}")
    await expect(page.locator(".meta")).to_contain_text("environment test")
    # The stylesheet applied: the links are drawn as buttons.
    docs_link = page.get_by_role("link", name="API docs (Swagger UI)")
    await expect(docs_link).to_have_css("border-top-style", "solid")
    assert await docs_link.get_attribute("href") == "/docs"
    visit.assert_clean()


async def test_swagger_ui_lists_every_operation(visit: Visit) -> None:
    page = visit.page
    expected = await operations(visit.base_url)
    await page.goto("/docs")
    await expect(page.locator(".opblock")).to_have_count(len(expected))
    shown = await page.locator(".opblock").evaluate_all(
        """blocks => blocks.map(block => [
            block.querySelector(".opblock-summary-method").textContent.toLowerCase(),
            block.querySelector(".opblock-summary-path").dataset.path,
        ])"""
    )
    assert {(method, path) for method, path in shown} == expected
    await expect(page.locator(".info .title")).to_contain_text(PROJECT_NAME)
    visit.assert_clean()


async def test_swagger_ui_executes_get_health(visit: Visit) -> None:
    page = visit.page
    await page.goto("/docs")
    response = await try_it_out(operation(page, "get", "/health"))
    await expect(response.locator(".response-col_status")).to_have_text("200")
    await expect(response.locator(".response-col_description")).to_contain_text('"status": "ok"')
    assert f"{visit.base_url}/health" in visit.requests
    visit.assert_clean()


async def test_swagger_ui_authorizes_with_the_password_flow(visit: Visit) -> None:
    page = visit.page
    email = f"swagger-{uuid.uuid4().hex[:8]}@example.com"
    signup = await page.request.post("/api/v1/users", data={"email": email, "password": PASSWORD})
    assert signup.status == 201, await signup.text()

    await page.goto("/docs")
    await page.locator(".auth-wrapper").get_by_text("Authorize", exact=True).click()
    dialog = page.locator(".modal-ux")
    await dialog.get_by_label("username").fill(email)
    await dialog.get_by_label("password").fill(PASSWORD)
    await dialog.get_by_text("Authorize", exact=True).click()
    await expect(dialog.get_by_text("Logout", exact=True)).to_be_visible()
    await dialog.get_by_text("Close", exact=True).click()

    response = await try_it_out(operation(page, "get", "/api/v1/users/me"))
    await expect(response.locator(".response-col_status")).to_have_text("200")
    await expect(response.locator(".response-col_description")).to_contain_text(email)
    visit.assert_clean()


async def test_redoc_renders_every_operation(visit: Visit) -> None:
    page = visit.page
    expected = await operations(visit.base_url)
    await page.goto("/redoc")
    sections = page.locator('[data-section-id*="/operation/"]')
    await expect(sections).to_have_count(len(expected))
    shown = await sections.evaluate_all(
        """sections => sections.map(section => {
            const verb = section.querySelector(".http-verb");
            return [verb.textContent, verb.nextElementSibling.textContent];
        })"""
    )
    assert {(method, path) for method, path in shown} == expected
    await expect(page.get_by_role("heading", level=1)).to_contain_text(PROJECT_NAME)
    visit.assert_clean()

{%- if cookiecutter.use_admin %}


async def create_superuser(database_url: str) -> str:
    """A superuser in the served database, made as `create-superuser` makes one; its email."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            user = await make_superuser(session, f"root-{uuid.uuid4().hex[:8]}@example.com")
    finally:
        await engine.dispose()
    return user.email


async def sign_up(page: Page) -> tuple[str, str]:
    """A new account through the API: its email and an access token."""
    email = f"user-{uuid.uuid4().hex[:8]}@example.com"
    signup = await page.request.post("/api/v1/users", data={"email": email, "password": PASSWORD})
    assert signup.status == 201, await signup.text()
    form: dict[str, str | float | bool] = {"username": email, "password": PASSWORD}
    token = await page.request.post("/api/v1/auth/token", form=form)
    return email, (await token.json())["access_token"]


async def settle(page: Page) -> None:
    """Wait until the page has all it asked for: leaving it before would abort (fail) requests."""
    await page.wait_for_load_state("networkidle")


async def admin_login(page: Page, email: str) -> None:
    """Open /admin, which sends a visitor to its login page, and sign in there."""
    await page.goto("/admin/")
    await page.wait_for_url("**/admin/login?**")
    await page.locator('input[name="username"]').fill(email)
    await page.locator('input[name="password"]').fill(PASSWORD)
    await settle(page)
    await page.get_by_role("button", name="Sign in").click()


async def test_admin_superuser_deactivates_a_user(visit: Visit, database_url: str) -> None:
    page = visit.page
    email, token = await sign_up(page)
    me = {"Authorization": f"Bearer {token}"}
    assert (await page.request.get("/api/v1/users/me", headers=me)).status == 200

    await admin_login(page, await create_superuser(database_url))
    await settle(page)
    await page.get_by_role("link", name="Users").first.click()
    search = page.get_by_role("searchbox", name="Search in list")
    await search.fill(email)
    await settle(page)
    await search.press("Enter")
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(email)
    await settle(page)
    await rows.first.locator('a[href*="/admin/user/edit"]').click()

    active = page.get_by_label("Is active")
    await expect(active).to_be_checked()
    await active.uncheck()
    await settle(page)
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_url("**/admin/user/list**")
    await expect(page.get_by_text("was changed successfully")).to_be_visible()

    assert (await page.request.get("/api/v1/users/me", headers=me)).status == 401
    await search.fill(email)
    await settle(page)
    await search.press("Enter")
    await expect(rows).to_have_count(1)  # the screenshot: the user, inactive
    visit.assert_clean()


async def test_admin_refuses_a_user_who_is_not_a_superuser(visit: Visit) -> None:
    page = visit.page
    email, _ = await sign_up(page)
    await admin_login(page, email)
    await expect(page.get_by_text(REFUSED)).to_be_visible()
    await settle(page)
    await page.goto("/admin/user/list")
    await page.wait_for_url("**/admin/login?**")
    visit.assert_clean()
{%- endif %}
