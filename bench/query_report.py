"""The figures of ``bench query``, and how they are printed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bench.query_load import DAYS, DOMAINS, TENANTS, LoadFigures

LATENCY_TARGET_MS = 10.0
"""Lists (filtered or not), a message's detail and a dossier's history: p95 through HTTP."""

PAGE_TARGETS_MS = {"page": 50.0, "message page": 30.0}
"""The console's pages: p95 of the server's own time (its ``http.request`` lines), by group:
the log and dossier pages, the message page."""

REBUILD_TARGET = 30_000.0
"""Events per second a projection catches up at when rebuilt, each and all together."""


@dataclass(frozen=True)
class Sizes:
    """What the scratch schema holds once the views are rebuilt."""

    messages: int
    recipient_rows: int
    events: int
    tables: tuple[tuple[str, int], ...]
    """Every table of the schema and its pg_total_relation_size (indexes, TOAST), largest first."""


@dataclass(frozen=True)
class Rebuild:
    """One projection dropped and replayed from the whole log."""

    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return _rate(self.events, self.seconds)


@dataclass(frozen=True)
class RebuildFigures:
    """The rebuilds, and the baseline of reading and decoding the log in the same run."""

    baseline_events: int
    baseline_seconds: float
    rebuilds: tuple[Rebuild, ...]

    @property
    def baseline_rate(self) -> float:
        return _rate(self.baseline_events, self.baseline_seconds)

    @property
    def total(self) -> Rebuild:
        """Every projection one after the other: the sum of events over the sum of seconds."""
        return Rebuild(
            "total",
            sum(r.events for r in self.rebuilds),
            sum(r.seconds for r in self.rebuilds),
        )


@dataclass(frozen=True)
class Latencies:
    """One kind of request, timed ``len(ms)`` times."""

    name: str
    group: str
    """health, list, detail, history, page or message page: which target the kind answers
    to."""
    ms: tuple[float, ...]
    """Each request's time in the client: from sending it to reading the whole answer."""
    server_ms: tuple[float, ...]
    """The same requests' time in the server, as its ``http.request`` log lines give it."""
    rows: int
    """Rows in all the answers: items of a page, recipients of a message."""

    def p(self, percent: float) -> float:
        return percentile(self.ms, percent)

    @property
    def rows_per_request(self) -> float:
        return self.rows / len(self.ms) if self.ms else 0.0


@dataclass(frozen=True)
class QueryFigures:
    """Every kind of request, against one tenant's data."""

    tenant: str
    tenant_messages: int
    requests: int
    warmup: int
    kinds: tuple[Latencies, ...]

    @property
    def health(self) -> Latencies:
        return next(k for k in self.kinds if k.group == "health")


@dataclass(frozen=True)
class QueryBenchFigures:
    """Everything one run measured."""

    where: str
    server: str
    load: LoadFigures
    sizes: Sizes
    rebuild: RebuildFigures
    queries: QueryFigures


def percentile(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value at least ``percent`` % of them reach."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def format_figures(f: QueryBenchFigures) -> str:
    """The labelled lines of a run."""
    load, sizes, rebuild, queries = f.load, f.sizes, f.rebuild, f.queries
    lines = [
        f"== postgresql: {f.where} ({f.server}) ==",
        f"workload:           {load.messages:,} messages of {load.recipients_per_message}"
        f" recipients, {TENANTS} tenants, {load.dossiers:,} dossiers, {DOMAINS} recipient"
        f" domains, sent over {DAYS} days; {load.provider_events:,} provider events"
        f" (90 % delivered, a third of those opened; 6 % soft then hard bounces; 4 % blocked"
        f" or invalid); {load.late_registrations:,} messages registered after their first"
        " provider events; the log in arrival order",
        f"load:               {load.events:,} events in {load.transactions:,} COPY transactions"
        f" (built by the domain and mapped by the ledger's mapper in {load.processes}"
        f" processes): {load.events_per_second:,.0f} events/s ({load.seconds:.1f} s,"
        f" {load.insert_seconds:.1f} s of it in COPY)",
        f"sizes:              {sizes.messages:,} messages, {sizes.recipient_rows:,} recipient"
        f" rows, {sizes.events:,} events",
        "table sizes:        "
        + ", ".join(f"{name} {_size(size)}" for name, size in sizes.tables)
        + f"; {_size(sum(size for _, size in sizes.tables))} in all",
        "== projection catch-up speed when rebuilding ==",
        f"baseline:           read and decode the log (select_notifications +"
        f" mapper.to_domain_event, no writing): {rebuild.baseline_events:,} events in"
        f" {rebuild.baseline_seconds:.1f} s: {rebuild.baseline_rate:,.0f} events/s",
    ]
    for r in (*rebuild.rebuilds, rebuild.total):
        label = f"{r.name}:"
        lines.append(
            f"{label:<20}{r.events:,} events in {r.seconds:.1f} s: {r.rate:,.0f} events/s"
            f" = {r.rate / rebuild.baseline_rate:.2f} x baseline"
        )
    health_p50 = queries.health.p(50)
    lines += [
        "== queries through the HTTP API ==",
        f"requests:           mailledger serve, one keep-alive client, sequential;"
        f" {queries.requests:,} of each kind after {queries.warmup} of each to warm up, the"
        f" kinds interleaved; tenant {queries.tenant} ({queries.tenant_messages:,} messages)",
        f"{'kind':<22}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'x health':>10}"
        f"{'server p50':>12}{'rows/req':>10}",
    ]
    for k in queries.kinds:
        rows = "-" if k.group == "health" else f"{k.rows_per_request:,.1f}"
        lines.append(
            f"{k.name:<22}{k.p(50):>8.2f}{k.p(95):>8.2f}{k.p(99):>8.2f}"
            f"{k.p(50) / health_p50:>10.1f}{percentile(k.server_ms, 50):>12.2f}{rows:>10}"
        )
    lines.append(
        "                    (x health: p50 over the health check's p50; server p50: the"
        " time inside the server, from its http.request log lines; rows/req: items of a"
        " page, recipients of a message)"
    )
    return "\n".join(lines)


def format_targets(f: QueryBenchFigures) -> str:
    """Whether each target was met."""
    lines = ["== targets =="]
    for k in f.queries.kinds:
        if k.group == "health":
            continue
        if k.group in PAGE_TARGETS_MS:
            target = PAGE_TARGETS_MS[k.group]
            server_p95 = percentile(k.server_ms, 95)
            lines.append(
                f"{k.name} server p95 <= {target:.0f} ms: {_verdict(server_p95 <= target)}"
                f" ({server_p95:.2f} ms)"
            )
            continue
        p95 = k.p(95)
        lines.append(
            f"{k.name} p95 <= {LATENCY_TARGET_MS:.0f} ms: {_verdict(p95 <= LATENCY_TARGET_MS)}"
            f" ({p95:.2f} ms)"
        )
    for r in (*f.rebuild.rebuilds, f.rebuild.total):
        lines.append(
            f"rebuild {r.name} >= {REBUILD_TARGET:,.0f} events/s:"
            f" {_verdict(r.rate >= REBUILD_TARGET)} ({r.rate:,.0f} events/s)"
        )
    return "\n".join(lines)


def _size(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):,.2f} GiB"
    if size >= 1 << 20:
        return f"{size / (1 << 20):,.1f} MiB"
    return f"{size / (1 << 10):,.0f} KiB"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")
