"""The daily counts as an inline SVG chart, drawn on the server: no script, no library.

Each day is one bar of its recipients, stacked from the bottom: delivered, failed, and those
with no delivery fact yet (pending); a day's opens are a line with marks over the bars. The
three parts are told apart by pattern as well as by colour, and the legend names them, so the
chart reads in grey too. Every part carries a ``<title>`` (the browser's tooltip), and the
chart's ``<title>`` and ``<desc>`` say what it shows in words, for screen readers.

The SVG scales to its container (``viewBox``, width 100 %); its text is sized for a 360 px
wide phone. Every text in it is escaped: the labels come from translations, and a title may
carry a tenant's own words (a category's name).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 440
"""The viewBox's width; text of FONT_SIZE stays readable when it is drawn 360 px wide."""
FONT_SIZE = 14
PLOT_HEIGHT = 200
MAX_BAR = 56
CHAR_WIDTH = 8.5
"""About the widest a character of FONT_SIZE is: the server cannot measure text."""
TOP = 12
LEGEND_ROW = 24
MAX_WIDTH = "40rem"
"""Past this the chart stops growing with its container, or its text grows huge."""

DELIVERED = "#1f5fa8"  # 6.3:1 on white
FAILED = "#b42318"  # 6.5:1 on white, hatched
PENDING = "#6b7280"  # 4.8:1 on white, dotted on a pale ground
OPENED = "#111827"
AXIS = "#4b5563"
GRID = "#d1d5db"

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words, already translated; numbers and days formatted as the page does."""

    title: str
    sent: str
    delivered: str
    failed: str
    pending: str
    opened: str
    no_data: str
    format_number: Callable[[int], str] = str
    format_day: Callable[[date], str] = date.isoformat


@dataclass(frozen=True)
class DayCounts:
    """One day's counts as the chart draws them."""

    day: date
    recipients: int
    delivered: int
    failed: int
    opened: int

    @property
    def pending(self) -> int:
        """Recipients with no delivery fact yet (delivered and failed exclude each other)."""
        return max(self.recipients - self.delivered - self.failed, 0)

    @classmethod
    def of(cls, item: Mapping[str, object]) -> DayCounts:
        """From a row of ``ReadModels.daily_counts`` (``projections.queries.day_item``)."""
        day = item["day"]
        return cls(
            day=day if isinstance(day, date) else date.fromisoformat(str(day)),
            recipients=_count(item, "recipients"),
            delivered=_count(item, "delivered"),
            failed=_count(item, "failed"),
            opened=_count(item, "opened"),
        )


def daily_chart(
    days: Sequence[Mapping[str, object] | DayCounts],
    *,
    labels: ChartLabels,
    chart_id: str = "daily-chart",
) -> str:
    """The SVG of the days (oldest first), as markup to insert unescaped.

    ``days`` are rows of ``daily_counts`` (or DayCounts). ``chart_id`` prefixes the ids of
    the SVG's parts, so two charts on one page keep theirs apart.
    """
    if not _ID.fullmatch(chart_id):
        raise ValueError(f"chart_id {chart_id!r}: a letter, then letters, digits, - or _")
    counts = [day if isinstance(day, DayCounts) else DayCounts.of(day) for day in days]
    if not counts:
        return _empty(labels, chart_id)
    return _chart(counts, labels, chart_id)


def _count(item: Mapping[str, object], name: str) -> int:
    value = item.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a day's {name} must be a count, not {value!r}")
    return value


def text(value: str) -> str:
    """Escaped for SVG text and attributes, characters XML cannot hold dropped."""
    return html.escape(_NOT_XML.sub("", value), quote=True)


def _svg_open(chart_id: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="daily-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'style="max-width:{MAX_WIDTH};height:auto" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}">'
    )


def _empty(labels: ChartLabels, chart_id: str) -> str:
    height = 80
    return "".join(
        (
            _svg_open(chart_id, height),
            f'<title id="{chart_id}-title">{text(labels.title)}</title>',
            f'<desc id="{chart_id}-desc">{text(labels.no_data)}</desc>',
            f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" '
            f'fill="none" stroke="{GRID}"/>',
            f'<text x="{WIDTH / 2}" y="{height / 2}" text-anchor="middle" '
            f'dominant-baseline="middle" fill="{AXIS}">{text(labels.no_data)}</text>',
            "</svg>",
        )
    )


def _chart(days: list[DayCounts], labels: ChartLabels, chart_id: str) -> str:
    ticks = round_ticks(max(max(d.recipients, d.opened) for d in days))
    top_value = ticks[-1]
    tick_texts = [labels.format_number(tick) for tick in ticks]
    left = 8 + CHAR_WIDTH * max(len(t) for t in tick_texts)
    right = WIDTH - 8
    bottom = TOP + PLOT_HEIGHT
    slot = (right - left) / len(days)
    # Bars a few units wide or less touch, or anti-aliasing greys them out.
    bar = min(slot * 0.72 if slot >= 3 else slot, MAX_BAR)
    legend_top = bottom + 32
    height = legend_top + 2 * LEGEND_ROW

    def y(value: float) -> float:
        return bottom - PLOT_HEIGHT * value / top_value

    parts = [
        _svg_open(chart_id, height),
        f'<title id="{chart_id}-title">{text(labels.title)}</title>',
        f'<desc id="{chart_id}-desc">{text(summary(days, labels))}</desc>',
        _patterns(chart_id),
    ]
    parts.append(f'<g class="axis" fill="{AXIS}" text-anchor="end">')
    for tick, tick_text in zip(ticks, tick_texts, strict=True):
        parts.append(
            f'<line x1="{left:.1f}" x2="{right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}"/>'
            f'<text x="{left - 6:.1f}" y="{y(tick) + 5:.1f}">{text(tick_text)}</text>'
        )
    parts.append("</g>")

    parts.append('<g class="bars">')
    for index, day in enumerate(days):
        x = left + index * slot + (slot - bar) / 2
        day_text = labels.format_day(day.day)
        parts.append(f"<g><title>{text(day_summary(day, labels))}</title>")
        # A full-height hit area, so a day with few or no recipients still has its tooltip.
        parts.append(
            f'<rect x="{left + index * slot:.2f}" y="{TOP}" width="{slot:.2f}" '
            f'height="{PLOT_HEIGHT}" fill="#fff" fill-opacity="0"/>'
        )
        base = 0
        for name, value, fill in (
            (labels.delivered, day.delivered, DELIVERED),
            (labels.failed, day.failed, f"url(#{chart_id}-failed)"),
            (labels.pending, day.pending, f"url(#{chart_id}-pending)"),
        ):
            if value == 0:
                continue
            parts.append(
                f'<rect x="{x:.2f}" y="{y(base + value):.2f}" width="{bar:.2f}" '
                f'height="{y(base) - y(base + value):.2f}" fill="{fill}">'
                f"<title>{text(f'{day_text}: {name} {labels.format_number(value)}')}</title>"
                "</rect>"
            )
            base += value
        parts.append("</g>")
    parts.append("</g>")

    centres = [left + (index + 0.5) * slot for index in range(len(days))]
    points = " ".join(f"{cx:.2f},{y(d.opened):.2f}" for cx, d in zip(centres, days, strict=True))
    parts.append(
        f'<g class="opened"><polyline points="{points}" fill="none" stroke="#fff" '
        f'stroke-width="4" stroke-linejoin="round"/><polyline points="{points}" fill="none" '
        f'stroke="{OPENED}" stroke-width="2" stroke-linejoin="round"/>'
    )
    if slot >= 6:
        for cx, day in zip(centres, days, strict=True):
            opened = f"{labels.format_day(day.day)}: {labels.opened} "
            opened += labels.format_number(day.opened)
            parts.append(
                f'<circle cx="{cx:.2f}" cy="{y(day.opened):.2f}" r="{min(4.0, slot / 3):.2f}" '
                f'fill="{OPENED}" stroke="#fff" stroke-width="1.5">'
                f"<title>{text(opened)}</title></circle>"
            )
    parts.append("</g>")

    parts.append(f'<g class="days" fill="{AXIS}" text-anchor="middle">')
    parts.append(
        f'<line x1="{left:.1f}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{AXIS}"/>'
    )
    day_texts = [labels.format_day(day.day) for day in days]
    width_of_one = CHAR_WIDTH * max(len(t) for t in day_texts) + 12
    kept: list[tuple[float, str]] = []
    for index in reversed(shown_days(len(days), max(1, int((right - left) // width_of_one)))):
        # Kept inside the viewBox (the first and last days' labels would stick out), and a
        # label pushed inward onto its neighbour is left out.
        half = CHAR_WIDTH * len(day_texts[index]) / 2
        x = min(max(centres[index], left + half), WIDTH - 2 - half)
        if not kept or kept[-1][0] - x >= width_of_one:
            kept.append((x, day_texts[index]))
    for x, label in reversed(kept):
        parts.append(f'<text x="{x:.2f}" y="{bottom + 20}">{text(label)}</text>')
    parts.append("</g>")

    parts.append(_legend(labels, chart_id, legend_top))
    parts.append("</svg>")
    return "".join(parts)


def _patterns(chart_id: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{chart_id}-failed" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{FAILED}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>'
        f'<pattern id="{chart_id}-pending" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#e5e7eb"/>'
        f'<circle cx="2.5" cy="2.5" r="1.3" fill="{PENDING}"/></pattern>'
        "</defs>"
    )


def _legend(labels: ChartLabels, chart_id: str, top: float) -> str:
    entries = (
        (labels.delivered, f'<rect width="14" height="14" fill="{DELIVERED}"/>'),
        (labels.failed, f'<rect width="14" height="14" fill="url(#{chart_id}-failed)"/>'),
        (
            labels.pending,
            f'<rect width="14" height="14" fill="url(#{chart_id}-pending)" stroke="{PENDING}"/>',
        ),
        (
            labels.opened,
            f'<line x1="0" y1="7" x2="14" y2="7" stroke="{OPENED}" stroke-width="2"/>'
            f'<circle cx="7" cy="7" r="4" fill="{OPENED}"/>',
        ),
    )
    parts = ['<g class="legend">']
    for index, (name, swatch) in enumerate(entries):
        x = 8 + (index % 2) * (WIDTH / 2)
        y = top + (index // 2) * LEGEND_ROW
        parts.append(
            f'<g transform="translate({x:.0f} {y:.0f})">{swatch}'
            f'<text x="20" y="12" fill="{OPENED}">{text(name)}</text></g>'
        )
    parts.append("</g>")
    return "".join(parts)


def round_ticks(highest: int) -> list[int]:
    """0 up to a round number at or above ``highest``: 2 to 4 steps of 1, 2 or 5 times 10**n."""
    if highest <= 0:
        return [0, 1]
    raw = highest / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return list(range(0, math.ceil(highest / step) * step + 1, step))


def shown_days(count: int, room: int) -> list[int]:
    """The indices of the days whose labels fit: every n-th, the last one always among them."""
    every = max(1, math.ceil(count / room))
    return list(range((count - 1) % every, count, every))


def summary(days: Sequence[DayCounts], labels: ChartLabels) -> str:
    """The chart in a sentence: the span of days and the totals of each series."""
    number = labels.format_number
    first, last = labels.format_day(days[0].day), labels.format_day(days[-1].day)
    span = first if first == last else f"{first} \u2013 {last}"  # an en dash
    totals = (
        (labels.sent, sum(d.recipients for d in days)),
        (labels.delivered, sum(d.delivered for d in days)),
        (labels.failed, sum(d.failed for d in days)),
        (labels.pending, sum(d.pending for d in days)),
        (labels.opened, sum(d.opened for d in days)),
    )
    return f"{labels.title}, {span}: " + ", ".join(f"{n} {number(v)}" for n, v in totals) + "."


def day_summary(day: DayCounts, labels: ChartLabels) -> str:
    """One day's tooltip: its date and each of its counts."""
    number = labels.format_number
    return f"{labels.format_day(day.day)}: " + ", ".join(
        f"{name} {number(value)}"
        for name, value in (
            (labels.sent, day.recipients),
            (labels.delivered, day.delivered),
            (labels.failed, day.failed),
            (labels.pending, day.pending),
            (labels.opened, day.opened),
        )
    )
