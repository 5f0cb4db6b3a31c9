"""The figures of one database's run, and how they are printed."""

from __future__ import annotations

from dataclasses import dataclass

from bench.replay import Replay

RATIO_TARGET_PERCENT = 10.0
"""Batched appends into PostgreSQL should reach this share of the raw COPY ceiling."""

REPLAY_TARGET_MS = 5.0
"""A 1,000-event message should load within this many milliseconds."""


@dataclass(frozen=True)
class Figures:
    """What one database measured."""

    database: str
    where: str
    sends: int
    register_seconds: float
    events: int
    transactions: int
    batch_messages: int
    append_seconds: float
    ceiling_method: str
    ceiling_rows: int
    ceiling_seconds: float
    single_events: int
    single_seconds: float
    replay: Replay
    snapshot_interval: int

    @property
    def events_per_second(self) -> float:
        return _rate(self.events, self.append_seconds)

    @property
    def ceiling_per_second(self) -> float:
        return _rate(self.ceiling_rows, self.ceiling_seconds)

    @property
    def ratio_percent(self) -> float:
        return 100 * self.events_per_second / self.ceiling_per_second

    @property
    def single_per_second(self) -> float:
        return _rate(self.single_events, self.single_seconds)

    @property
    def single_ratio_percent(self) -> float:
        return 100 * self.single_per_second / self.ceiling_per_second


def format_figures(f: Figures) -> str:
    """One block of labelled lines for a database."""
    r = f.replay
    lines = [
        f"== {f.database}: {f.where} ==",
        f"registrations:      {f.sends:,} sends, {f.batch_messages:,} per transaction:"
        f" {_rate(f.sends, f.register_seconds):,.0f} sends/s ({f.register_seconds:.2f} s;"
        " not part of the figures below)",
        f"domain appends:     {f.events:,} events in {f.transactions:,} transactions"
        f" of {f.batch_messages:,} messages: {f.events_per_second:,.0f} events/s"
        f" ({f.append_seconds:.2f} s)",
        f"ceiling:            {f.ceiling_rows:,} rows by {f.ceiling_method}:"
        f" {f.ceiling_per_second:,.0f} rows/s ({f.ceiling_seconds:.2f} s)",
        f"ratio to ceiling:   {f.ratio_percent:.1f} %",
        f"one tx per event:   {f.single_events:,} events: {f.single_per_second:,.0f} events/s"
        f" = {f.single_ratio_percent:.2f} % of ceiling"
        f" (batching gains x{f.events_per_second / f.single_per_second:,.1f})",
        f"replay:             {r.events:,}-event message (version {r.version:,}):"
        f" {r.with_snapshots_ms:.2f} ms with snapshots every {f.snapshot_interval}"
        f" (mean of {r.loads} uncached loads; median {r.with_snapshots_median_ms:.2f} ms),"
        f" {r.events_only_ms:.2f} ms from events alone",
    ]
    return "\n".join(lines)


def format_targets(figures: list[Figures]) -> str:
    """Whether each database met the targets."""
    lines = ["== targets =="]
    for f in figures:
        if f.database == "postgresql":
            lines.append(
                f"{f.database} appends >= {RATIO_TARGET_PERCENT:.0f} % of ceiling:"
                f" {_verdict(f.ratio_percent >= RATIO_TARGET_PERCENT)}"
                f" ({f.ratio_percent:.1f} %)"
            )
        lines.append(
            f"{f.database} replay <= {REPLAY_TARGET_MS:.0f} ms:"
            f" {_verdict(f.replay.with_snapshots_ms <= REPLAY_TARGET_MS)}"
            f" ({f.replay.with_snapshots_ms:.2f} ms)"
        )
    return "\n".join(lines)


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")
