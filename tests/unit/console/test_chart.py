"""The daily chart: well-formed SVG, every text escaped, the figures in words."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest

from adapters.console.chart import (
    ChartLabels,
    DayCounts,
    daily_chart,
    round_ticks,
    shown_days,
)
from projections.queries import day_item

SVG = "{http://www.w3.org/2000/svg}"

LABELS = ChartLabels(
    title="Recipients per day",
    sent="Sent",
    delivered="Delivered",
    failed="Failed",
    pending="Pending",
    opened="Opened",
    no_data="No messages in this period",
)


def a_day(
    day: date | str = "2026-03-02",
    *,
    recipients: int = 10,
    delivered: int = 7,
    failed: int = 2,
    opened: int = 4,
) -> dict[str, Any]:
    """A row as ``ReadModels.daily_counts`` returns it, made by its own ``day_item``."""
    counts = {
        "messages": recipients,
        "recipients": recipients,
        "delivered": delivered,
        "failed": failed,
        "bounced": failed,
        "soft_bounced": 0,
        "hard_bounced": failed,
        "opened": opened,
        "clicked": 0,
        "complaints": 0,
    }
    return day_item({"day": str(day), **counts})


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def child(element: ET.Element, tag: str) -> ET.Element:
    found = element.find(f"{SVG}{tag}")
    assert found is not None, tag
    return found


def desc(root: ET.Element) -> str:
    return child(root, "desc").text or ""


def titles(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}title")]


def bars(root: ET.Element) -> list[ET.Element]:
    """The drawn parts of the bars: rects with a title of their own."""
    return [
        rect
        for rect in root.iter(f"{SVG}rect")
        if rect.find(f"{SVG}title") is not None and rect.get("fill") != "none"
    ]


def test_a_day_is_an_accessible_image_that_scales_with_its_container() -> None:
    root = parsed(daily_chart([a_day()], labels=LABELS))

    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox") or "")
    title = child(root, "title")
    assert title.text == "Recipients per day"
    assert root.get("aria-labelledby") == "daily-chart-title daily-chart-desc"
    assert {title.get("id"), child(root, "desc").get("id")} == {
        "daily-chart-title",
        "daily-chart-desc",
    }


def test_the_description_gives_the_span_and_the_totals_of_every_series() -> None:
    days = [
        a_day("2026-03-01", recipients=10, delivered=7, failed=2, opened=4),
        a_day("2026-03-02", recipients=5, delivered=1, failed=1, opened=0),
        a_day("2026-03-03", recipients=20, delivered=20, failed=0, opened=9),
    ]

    text = desc(parsed(daily_chart(days, labels=LABELS)))

    assert text == (
        "Recipients per day, 2026-03-01 \u2013 2026-03-03: "
        "Sent 35, Delivered 28, Failed 3, Pending 4, Opened 13."
    )


def test_each_bar_has_a_tooltip_with_its_day_and_count() -> None:
    root = parsed(daily_chart([a_day("2026-03-02")], labels=LABELS))

    tooltips = {child(rect, "title").text for rect in bars(root)}

    assert tooltips == {"2026-03-02: Delivered 7", "2026-03-02: Failed 2", "2026-03-02: Pending 1"}
    assert "2026-03-02: Opened 4" in titles(root)
    assert "2026-03-02: Sent 10, Delivered 7, Failed 2, Pending 1, Opened 4" in titles(root)


def test_the_stack_is_as_tall_as_the_recipients_on_the_axis_s_scale() -> None:
    root = parsed(daily_chart([a_day(recipients=10, delivered=7, failed=2)], labels=LABELS))

    heights = [float(rect.get("height") or 0) for rect in bars(root)]
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.isdigit()]

    assert ticks[:2] == ["0", "5"]
    assert ticks[-1] == "10"
    assert sum(heights) == pytest.approx(200)  # the whole plot: 10 of 10
    assert heights[0] / heights[1] == pytest.approx(7 / 2, rel=1e-2)


def test_every_text_is_escaped_even_a_tenant_s_own_words() -> None:
    hostile = ChartLabels(
        title='Category <script>alert("x")</script> & co',
        sent="Sent",
        delivered="<b>Delivered</b>",
        failed="Failed ' \" >",
        pending="Pending\x00\x1b",
        opened="Opened]]>",
        no_data="<none>",
        format_number=lambda n: f"<{n}>",
    )
    svg = daily_chart([a_day()], labels=hostile)

    root = parsed(svg)
    assert "<script" not in svg
    assert "<b>" not in svg
    assert child(root, "title").text == hostile.title
    assert "\x00" not in svg
    assert "\x1b" not in svg
    assert "Pending <1>" in desc(root)
    assert "Failed ' \" > <2>" in desc(root)
    assert not list(root.iter(f"{SVG}script"))
    assert desc(parsed(daily_chart([], labels=hostile))) == "<none>"


def test_no_days_is_a_chart_that_says_there_is_no_data() -> None:
    root = parsed(daily_chart([], labels=LABELS))

    assert root.get("role") == "img"
    assert desc(root) == "No messages in this period"
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No messages in this period"]
    assert bars(root) == []


def test_days_of_zero_counts_draw_no_bars_but_keep_their_tooltips_and_axis() -> None:
    days = [a_day(f"2026-03-0{n}", recipients=0, delivered=0, failed=0, opened=0) for n in (1, 2)]

    root = parsed(daily_chart(days, labels=LABELS))

    assert bars(root) == []
    assert desc(root).endswith("Sent 0, Delivered 0, Failed 0, Pending 0, Opened 0.")
    assert "2026-03-02: Sent 0, Delivered 0, Failed 0, Pending 0, Opened 0" in titles(root)
    assert [t.text for t in root.iter(f"{SVG}text")][:2] == ["0", "1"]
    assert "nan" not in ET.tostring(root, encoding="unicode")


def test_four_hundred_days_thin_their_labels_and_keep_every_bar() -> None:
    start = date(2025, 1, 1)
    days = [
        a_day(start + timedelta(n), recipients=n % 50, delivered=n % 50, failed=0, opened=0)
        for n in range(400)
    ]

    root = parsed(daily_chart(days, labels=LABELS))

    day_labels = [
        t.text
        for t in root.iter(f"{SVG}text")
        if t.text and re.fullmatch(r"\d{4}-\d\d-\d\d", t.text)
    ]
    assert 2 <= len(day_labels) <= 6
    assert day_labels[-1] == (start + timedelta(399)).isoformat()
    assert len(bars(root)) == sum(1 for n in range(400) if n % 50)
    assert desc(root).startswith("Recipients per day, 2025-01-01 \u2013 2026-02-04: ")
    xs = [float(t.get("x") or 0) for t in root.iter(f"{SVG}text") if t.text in day_labels]
    assert all(b - a > 90 for a, b in pairwise(xs))


def test_the_legend_names_every_series_and_patterns_tell_them_apart() -> None:
    root = parsed(daily_chart([a_day()], labels=LABELS))

    texts = {t.text for t in root.iter(f"{SVG}text")}
    fills = {rect.get("fill") for rect in bars(root)}

    assert {"Delivered", "Failed", "Pending", "Opened"} <= texts
    assert len(fills) == 3
    assert {"url(#daily-chart-failed)", "url(#daily-chart-pending)"} <= fills
    assert {p.get("id") for p in root.iter(f"{SVG}pattern")} == {
        "daily-chart-failed",
        "daily-chart-pending",
    }


def test_two_charts_on_a_page_keep_their_ids_apart() -> None:
    root = parsed(daily_chart([a_day()], labels=LABELS, chart_id="by-category"))

    ids = {element.get("id") for element in root.iter() if element.get("id")}

    assert ids == {
        "by-category-title",
        "by-category-desc",
        "by-category-failed",
        "by-category-pending",
    }
    with pytest.raises(ValueError, match="chart_id"):
        daily_chart([a_day()], labels=LABELS, chart_id='x" onload="alert(1)')


def test_numbers_and_days_are_formatted_as_the_page_asks() -> None:
    german = ChartLabels(
        title="Empfänger pro Tag",
        sent="Gesendet",
        delivered="Zugestellt",
        failed="Fehlgeschlagen",
        pending="Offen",
        opened="Geöffnet",
        no_data="Keine Nachrichten",
        format_number=lambda n: f"{n:,}".replace(",", "."),
        format_day=lambda d: d.strftime("%d.%m.%Y"),
    )
    day = a_day("2026-03-02", recipients=12000, delivered=12000, failed=0, opened=0)

    text = desc(parsed(daily_chart([day], labels=german)))

    assert text == (
        "Empfänger pro Tag, 02.03.2026: "
        "Gesendet 12.000, Zugestellt 12.000, Fehlgeschlagen 0, Offen 0, Geöffnet 0."
    )


def test_rows_and_day_counts_are_drawn_alike_and_bad_counts_refused() -> None:
    row = a_day("2026-03-02")
    counts = DayCounts(date(2026, 3, 2), recipients=10, delivered=7, failed=2, opened=4)

    assert DayCounts.of(row) == counts
    assert daily_chart([row], labels=LABELS) == daily_chart([counts], labels=LABELS)
    with pytest.raises(ValueError, match="delivered must be a count"):
        daily_chart([{**row, "delivered": -1}], labels=LABELS)
    with pytest.raises(ValueError, match="opened must be a count"):
        daily_chart([{**row, "opened": "4"}], labels=LABELS)


@pytest.mark.parametrize(
    ("highest", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (10, [0, 5, 10]),
        (1300, [0, 500, 1000, 1500]),
        (400, [0, 100, 200, 300, 400]),
        (123_456, [0, 50_000, 100_000, 150_000]),
    ],
)
def test_the_axis_has_a_few_round_ticks(highest: int, ticks: list[int]) -> None:
    assert round_ticks(highest) == ticks


@pytest.mark.parametrize("count", [1, 2, 7, 30, 31, 365, 400])
def test_the_days_labelled_fit_the_room_and_end_with_the_last(count: int) -> None:
    shown = shown_days(count, 4)

    assert shown[-1] == count - 1
    assert len(shown) == min(count, 4)
    assert len({b - a for a, b in pairwise(shown)}) <= 1  # evenly spaced
