"""The daily chart as chromium draws it: inside a phone's width, its text readable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page

from adapters.console.chart import FONT_SIZE, WIDTH, DayCounts, daily_chart
from tests.browser.conftest import Screenshot
from tests.unit.console.test_chart import LABELS


def some_days(count: int) -> list[DayCounts]:
    start = date(2026, 1, 1)
    return [
        DayCounts(start + timedelta(n), 100 + n % 7 * 40, 80 + n % 7 * 30, 10, 30 + n % 5 * 9)
        for n in range(count)
    ]


@pytest.mark.browser_context(viewport={"width": 360, "height": 740})
def test_the_chart_fits_a_phone_and_its_text_stays_readable(
    page: Page, screenshot: Screenshot
) -> None:
    page.set_content(
        "<!doctype html><meta name=viewport content='width=device-width'>"
        f"<body style='margin:8px'>{daily_chart(some_days(30), labels=LABELS)}"
        f"{daily_chart([], labels=LABELS, chart_id='empty')}</body>"
    )

    box = page.locator("svg.daily-chart").first.bounding_box()
    assert box is not None
    assert box["width"] == pytest.approx(344, abs=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert FONT_SIZE * box["width"] / WIDTH >= 10  # pixels of text on the screen
    assert page.get_by_role("img", name="Recipients per day").count() == 2
    legend = page.locator("svg.daily-chart .legend text").all_text_contents()
    assert legend == ["Delivered", "Failed", "Pending", "Opened"]
    screenshot(page, "chart-narrow")


def test_the_chart_stops_growing_on_a_wide_screen(page: Page) -> None:
    page.set_content(f"<body style='margin:0'>{daily_chart(some_days(7), labels=LABELS)}</body>")

    box = page.locator("svg.daily-chart").bounding_box()

    assert box is not None
    assert box["width"] == 640  # 40rem, of a 1280 pixels wide window
