"""Browser tests: Debian's chromium, driven by Playwright, against a real ``mailledger serve``.

One browser for the whole session (starting chromium is the slow part); a fresh context, and
so fresh cookies and storage, for every test. The browser never leaves the loopback: every
request to another host is aborted and kept in ``blocked_requests``, so a page that would
fetch something from the internet shows it in a test rather than hanging on the closed
network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from tests.e2e.api_support import ServerProcess

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's package, as scripts/install-deps.sh installs it (MAILLEDGER_CHROMIUM there)."""

CHROMIUM_ARGS = (
    "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

DEFAULT_CONTEXT: dict[str, Any] = {
    "locale": "en-US",
    "timezone_id": "UTC",
    "viewport": {"width": 1280, "height": 800},
}
"""What ``@pytest.mark.browser_context(...)`` overrides, key by key."""

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

SCREENSHOTS = ROOT / "docs" / "console"
SCREENSHOT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")

Screenshot = Callable[[Page, str], Path]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless chromium from Debian, one for the session.

    ``launch`` gives chromium a fresh temporary user-data dir of its own and removes it on
    close; no profile survives the session.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-deps.sh", pytrace=False)
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS)
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(params=["sqlite"])
def console_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database for the console's server: SQLite unless parametrised.

    ``@pytest.mark.parametrize("console_database_url", ["sqlite", "postgres"],
    indirect=True)`` runs a test on both; a test may also override this fixture.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'console.sqlite'}"
    if request.param == "postgres":
        url: str = request.getfixturevalue("fresh_postgres_url")
        return url
    raise ValueError(f"unknown database {request.param!r}: sqlite or postgres")


@pytest.fixture
def console_process(console_database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """``mailledger serve`` as a process of its own on a free loopback port."""
    server = ServerProcess(console_database_url, tmp_path / "console-serve.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def console_server(console_process: ServerProcess) -> str:
    """The base URL of a real ``mailledger serve``, e.g. ``http://127.0.0.1:PORT``."""
    return console_process.url


@pytest.fixture
def blocked_requests() -> list[str]:
    """The URLs the page asked for outside the loopback, each aborted."""
    return []


def context_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The defaults, overridden by the test's ``browser_context`` marker."""
    options = dict(DEFAULT_CONTEXT)
    marker = request.node.get_closest_marker("browser_context")
    if marker is not None:
        if marker.args:
            raise TypeError("browser_context takes keywords: locale=, timezone_id=, viewport=")
        unknown = set(marker.kwargs) - set(DEFAULT_CONTEXT)
        if unknown:
            raise TypeError(f"browser_context does not know {sorted(unknown)}")
        options.update(marker.kwargs)
    return options


@pytest.fixture
def context(
    browser: Browser, request: pytest.FixtureRequest, blocked_requests: list[str]
) -> Iterator[BrowserContext]:
    """A fresh browser context for one test (locale, time zone, viewport: see the marker)."""
    context = browser.new_context(**context_options(request))

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            blocked_requests.append(route.request.url)
            route.abort("blockedbyclient")

    context.route(re.compile(r"^https?://"), only_loopback)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """The context's page; closed with the context."""
    return context.new_page()


@pytest.fixture
def screenshot(tmp_path: Path) -> Screenshot:
    """``screenshot(page, name)``: a PNG of the page, and its path.

    Into ``docs/console/NAME.png`` when MAILLEDGER_SCREENSHOTS=1 (to refresh the pictures the
    docs show), else into the test's tmp dir, so a run of the suite never rewrites them.
    """

    def take(page: Page, name: str) -> Path:
        if not SCREENSHOT_NAME.fullmatch(name):
            raise ValueError(f"screenshot name {name!r}: lower-case letters, digits, - and _")
        folder = SCREENSHOTS if os.environ.get("MAILLEDGER_SCREENSHOTS") == "1" else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
