"""The figures of ``bench consume``, and how they are printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.consumer_process import Batch

RATIO_TARGET_PERCENT = 25.0
"""The consumer should record events at this share of the raw COPY ceiling, or more."""

RSS_TARGET_MB = 200.0
RSS_TARGET_EVENTS = 1_000_000
"""The consumer's peak RSS should stay within RSS_TARGET_MB over this many events."""

RESTART_TARGET_SECONDS = 5.0
"""After kill -9, a restarted consumer should record again within this many seconds."""


@dataclass(frozen=True)
class Sustained:
    """What a consumer's batch lines say: how much it recorded, and over how long."""

    batches: int
    records: int
    observations: int
    sends: int
    duplicates: int
    dead_letters: int
    window_seconds: float
    """From the start of the first batch to the end of the last: no group join, no idling."""
    busy_seconds: float
    """The batches' own time (decode, load, apply, save); the rest of the window is polls."""

    @property
    def observations_per_second(self) -> float:
        return _rate(self.observations, self.window_seconds)

    @property
    def sends_per_second(self) -> float:
        return _rate(self.sends, self.window_seconds)


def sustained(batches: Sequence[Batch]) -> Sustained:
    """The totals of the batch lines and the window they span.

    A line is logged when its batch is saved, so the window opens at the first line's
    time less that batch's own duration, and closes at the last line's time.
    """
    if not batches:
        return Sustained(0, 0, 0, 0, 0, 0, 0.0, 0.0)
    first, last = batches[0], batches[-1]
    window = (last.logged_at - first.logged_at).total_seconds() + first.ms / 1000
    return Sustained(
        batches=len(batches),
        records=sum(b.records for b in batches),
        observations=sum(b.observations for b in batches),
        sends=sum(b.sends for b in batches),
        duplicates=sum(b.duplicates for b in batches),
        dead_letters=sum(b.dead_letters for b in batches),
        window_seconds=window,
        busy_seconds=sum(b.ms for b in batches) / 1000,
    )


@dataclass(frozen=True)
class Published:
    """What was put on the topics, and how long the broker took to acknowledge it."""

    records: int
    events: int
    seconds: float
    """Time in the publisher only: sending and waiting for acknowledgements."""
    render_seconds: float
    """Time spent before, rendering bodies and building records (parsed and split)."""

    @property
    def records_per_second(self) -> float:
        return _rate(self.records, self.seconds)

    @property
    def events_per_second(self) -> float:
        return _rate(self.events, self.seconds)


@dataclass(frozen=True)
class Restart:
    """The kill -9 measurement: None seconds when there was nothing left to record."""

    events: int
    recorded_before_kill: int
    seconds: float | None


@dataclass(frozen=True)
class ConsumeFigures:
    """Every figure of one run."""

    where: str
    durability: str
    workload: str
    partitions: int
    max_records: int
    messages: int
    registrations_published: Published
    registrations: Sustained
    events_published: Published
    events: Sustained
    peak_rss_kib: int | None
    """None where the process's peak could not be read (no /proc)."""
    ceiling_rows: int
    ceiling_seconds: float
    restart: Restart | None

    @property
    def peak_rss_mb(self) -> float | None:
        """In MB of 10^6 bytes, as the target is given."""
        return None if self.peak_rss_kib is None else self.peak_rss_kib * 1024 / 1_000_000

    @property
    def ceiling_per_second(self) -> float:
        return _rate(self.ceiling_rows, self.ceiling_seconds)

    @property
    def ratio_percent(self) -> float:
        return 100 * self.events.observations_per_second / self.ceiling_per_second


def format_figures(f: ConsumeFigures) -> str:
    """The labelled lines of a run."""
    e, r = f.events, f.registrations
    pe, pr = f.events_published, f.registrations_published
    lines = [
        f"== postgresql: {f.where} ({f.durability}) ==",
        f"workload:           {e.observations:,} provider events of {f.messages:,} messages;"
        f" {f.workload}",
        f"consumer:           {f.partitions} partitions, one process, up to"
        f" {f.max_records:,} records per poll, each partition's share one transaction",
        f"publish:            {pe.events:,} events in {pe.records:,} records:"
        f" {pe.records_per_second:,.0f} records/s, {pe.events_per_second:,.0f} events/s"
        f" ({pe.seconds:.2f} s; rendering, parsing and splitting the bodies before took"
        f" {pe.render_seconds:.2f} s)",
        f"registrations:      {pr.records:,} published ({pr.records_per_second:,.0f} records/s),"
        f" consumed first, in a run of their own: {r.sends_per_second:,.0f} sends/s"
        f" ({r.window_seconds:.2f} s; not part of the figures below)",
        f"consume:            {e.observations:,} events in {e.batches:,} batches:"
        f" {e.observations_per_second:,.0f} events/s sustained ({e.window_seconds:.2f} s from"
        f" the first batch to the last; {e.busy_seconds:.2f} s of it in batches, the rest"
        " in poll(): fetching and unpacking records)",
        f"peak RSS:           {_mb(f.peak_rss_mb)} (the consumer process's high-water mark,"
        f" over {e.observations:,} events)",
        f"ceiling:            {f.ceiling_rows:,} rows by binary COPY into a logged table like"
        f" the event table, one transaction: {f.ceiling_per_second:,.0f} rows/s"
        f" ({f.ceiling_seconds:.2f} s)",
        f"ratio to ceiling:   {f.ratio_percent:.1f} %",
    ]
    if f.restart is not None:
        lines.append(_restart_line(f.restart))
    return "\n".join(lines)


def format_targets(f: ConsumeFigures) -> str:
    """Whether the run met each target."""
    rss_note = (
        ""
        if f.events.observations >= RSS_TARGET_EVENTS
        else f"; measured over {f.events.observations:,} events, the target is over"
        f" {RSS_TARGET_EVENTS:,}: run -n {RSS_TARGET_EVENTS}"
    )
    lines = [
        "== targets ==",
        f"consume >= {RATIO_TARGET_PERCENT:.0f} % of ceiling:"
        f" {_verdict(f.ratio_percent >= RATIO_TARGET_PERCENT)} ({f.ratio_percent:.1f} %)",
        f"peak RSS <= {RSS_TARGET_MB:.0f} MB over {RSS_TARGET_EVENTS:,} events:"
        f" {_verdict(f.peak_rss_mb is not None and f.peak_rss_mb <= RSS_TARGET_MB)}"
        f" ({_mb(f.peak_rss_mb)}{rss_note})",
    ]
    if f.restart is not None:
        seconds = f.restart.seconds
        shown = f"{seconds:.2f} s" if seconds is not None else "not measured"
        met = seconds is not None and seconds <= RESTART_TARGET_SECONDS
        lines.append(
            f"restart after kill -9 <= {RESTART_TARGET_SECONDS:.0f} s: {_verdict(met)} ({shown})"
        )
    return "\n".join(lines)


def _restart_line(r: Restart) -> str:
    head = "restart:            "
    if r.seconds is None:
        return (
            f"{head}not measured: the consumer had recorded all {r.events:,} events before it"
            " was killed; use a larger -n or a smaller --max-records"
        )
    return (
        f"{head}recording again after {r.seconds:.2f} s (kill -9 after {r.recorded_before_kill:,}"
        f" of {r.events:,} events, restarted under the same --instance-id; from launch to its"
        " first batch of events; every event stored exactly once)"
    )


def _mb(value: float | None) -> str:
    return "unknown (no /proc to read it from)" if value is None else f"{value:,.1f} MB"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")
