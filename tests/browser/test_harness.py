"""The harness itself: Debian's chromium opens pages of a real ``mailledger serve``."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHROMIUM, SCREENSHOTS, Screenshot


def test_the_served_swagger_ui_page_opens_with_its_title(
    page: Page, console_server: str, screenshot: Screenshot, blocked_requests: list[str]
) -> None:
    response = page.goto(f"{console_server}/docs")

    assert response is not None
    assert response.status == 200
    expect(page).to_have_title("mailledger - Swagger UI")
    assert page.evaluate("navigator.userAgent").startswith("Mozilla/5.0")
    # Swagger UI's scripts come from a CDN: the browser asked, and was kept on the loopback.
    assert blocked_requests, "the page fetched nothing from outside: is /docs Swagger UI?"
    assert all("127.0.0.1" not in url for url in blocked_requests)
    shot = screenshot(page, "harness-docs")
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.browser_context(viewport={"width": 360, "height": 740}, locale="de-DE")
def test_a_page_opens_at_360_pixels_wide_in_the_context_asked_for(
    page: Page, console_server: str, screenshot: Screenshot
) -> None:
    page.goto(f"{console_server}/docs")

    assert page.evaluate("document.documentElement.clientWidth") == 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("navigator.language") == "de-DE"
    width, _ = _png_size(screenshot(page, "harness-docs-narrow"))
    assert width == 360


@pytest.mark.browser_context(timezone_id="Pacific/Auckland")
def test_the_time_zone_asked_for_is_the_page_s(page: Page) -> None:
    page.set_content("<title>t</title><p>a page")

    zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert zone == "Pacific/Auckland"
    assert page.evaluate("navigator.language") == "en-US"  # the default, not overridden


@pytest.mark.parametrize("console_database_url", ["sqlite", "postgres"], indirect=True)
def test_the_server_answers_with_the_content_types_expected(
    page: Page, console_server: str
) -> None:
    health = page.goto(f"{console_server}/v1/health")
    assert health is not None
    assert health.status == 200
    assert health.headers["content-type"] == "application/json"

    docs = page.goto(f"{console_server}/docs")
    assert docs is not None
    assert docs.headers["content-type"].startswith("text/html")


def test_screenshots_go_to_the_tmp_dir_unless_asked_for(
    page: Page, screenshot: Screenshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILLEDGER_SCREENSHOTS", raising=False)
    page.set_content("<title>t</title><p>a page")

    shot = screenshot(page, "kept-out-of-docs")

    assert shot == tmp_path / "kept-out-of-docs.png"
    assert _png_size(shot) == (1280, 800)
    assert not (SCREENSHOTS / "kept-out-of-docs.png").exists()
    with pytest.raises(ValueError, match="screenshot name"):
        screenshot(page, "../escape")


def test_the_browser_is_debian_s_chromium(browser: Browser) -> None:
    installed = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout

    assert browser.version.split(".")[0].isdigit(), browser.version
    assert browser.version in installed.split()


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_every_context_starts_without_the_cookies_of_another(browser: Browser, page: Page) -> None:
    page.context.add_cookies([{"name": "session", "value": "one", "url": "http://127.0.0.1/"}])
    other = browser.new_context()
    try:
        assert other.cookies() == []
        assert [cookie["name"] for cookie in page.context.cookies()] == ["session"]
    finally:
        other.close()
