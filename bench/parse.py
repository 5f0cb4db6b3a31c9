"""``python -m bench parse``: provider bodies into observations, against ``json.loads``.

Per provider, N events are made from realistic bodies (``parse_samples.json``: each
provider's own delivery, open, click and bounce events, with fresh message ids, recipients
and event ids). SendGrid and SparkPost post arrays, so their events are cut into bodies of
``--batch`` events; the others post one event a body. What is timed, on one core:

* the baseline: plain ``json.loads`` of the same bodies;
* ``parse``: the provider's parser, from bytes to validated, normalised observations.

Memory: the process's peak RSS before and after parsing every body (the observations of each
body are dropped, as a consumer records and drops them), and, for the array providers, the
peak memory traced while parsing one body of 100 and of 10,000 events, per event.
"""

from __future__ import annotations

import gc
import json
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import click

from adapters.providers.registry import PARSERS, WEBHOOK_PROVIDERS

TARGET_OBSERVATIONS_PER_SECOND = 100_000
PROVIDERS = WEBHOOK_PROVIDERS
MEMORY_BATCHES = (100, 10_000)


@dataclass(frozen=True)
class Samples:
    """A provider's event templates and whether it posts them in arrays."""

    batched: bool
    events: list[str]


@dataclass(frozen=True)
class ParseFigures:
    """What one provider measured."""

    provider: str
    bodies: int
    observations: int
    body_bytes: int
    parse_seconds: float
    loads_seconds: float
    rss_growth_kib: int
    bytes_per_event: dict[int, float]

    @property
    def observations_per_second(self) -> float:
        return self.observations / self.parse_seconds

    @property
    def bodies_per_second(self) -> float:
        return self.bodies / self.parse_seconds

    @property
    def loads_per_second(self) -> float:
        return self.bodies / self.loads_seconds


def load_samples() -> dict[str, Samples]:
    """The templates shipped with the benchmark."""
    text = resources.files("bench").joinpath("parse_samples.json").read_text()
    return {name: Samples(**value) for name, value in json.loads(text).items()}


def make_events(samples: Samples, count: int) -> list[str]:
    """``count`` events: each message gets the provider's events in turn, fresh ids each."""
    events: list[str] = []
    per_message = len(samples.events)
    for number in range(count):
        message, which = divmod(number, per_message)
        text = samples.events[which]
        text = text.replace("@MID@", f"bench-{message:08d}")
        text = text.replace("@EID@", str(10_000_000 + number))
        text = text.replace("@RCPT@", f"user{message % 5000}@example{message % 50}.com")
        for other in (1, 2, 3):
            text = text.replace(f"@RCPT{other}@", f"cc{other}.{message % 5000}@example.org")
        events.append(text)
    return events


def make_bodies(samples: Samples, events: list[str], batch: int) -> list[bytes]:
    """The events as the provider posts them: arrays of ``batch``, or one a body."""
    if not samples.batched:
        return [event.encode() for event in events]
    return [
        ("[" + ",".join(events[start : start + batch]) + "]").encode()
        for start in range(0, len(events), batch)
    ]


def _peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _timed(run: Callable[[], int]) -> tuple[float, int]:
    gc.collect()
    gc.freeze()  # the pre-made bodies are not the parser's garbage to collect
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def measure(provider: str, samples: Samples, count: int, batch: int) -> ParseFigures:
    """Every figure of one provider."""
    parse = PARSERS[provider]
    bodies = make_bodies(samples, make_events(samples, count), batch)

    def loads_all() -> int:
        for body in bodies:
            json.loads(body)
        return len(bodies)

    def parse_all() -> int:
        return sum(len(parse(body).observations) for body in bodies)

    loads_seconds, _ = _timed(loads_all)
    rss_before = _peak_rss_kib()
    parse_seconds, observations = _timed(parse_all)
    rss_growth = _peak_rss_kib() - rss_before
    gc.unfreeze()
    return ParseFigures(
        provider=provider,
        bodies=len(bodies),
        observations=observations,
        body_bytes=sum(len(body) for body in bodies),
        parse_seconds=parse_seconds,
        loads_seconds=loads_seconds,
        rss_growth_kib=rss_growth,
        bytes_per_event=_memory_per_event(parse, samples) if samples.batched else {},
    )


def _memory_per_event(parse: Callable[[bytes], object], samples: Samples) -> dict[int, float]:
    """Peak traced memory of parsing one body, per event, for bodies of several sizes."""
    per_event: dict[int, float] = {}
    for size in MEMORY_BATCHES:
        (body,) = make_bodies(samples, make_events(samples, size), size)
        tracemalloc.start()
        parse(body)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        per_event[size] = peak / size
    return per_event


def format_figures(f: ParseFigures) -> str:
    """One line a provider, with its ratio to the baseline and the target."""
    verdict = "meets" if f.observations_per_second >= TARGET_OBSERVATIONS_PER_SECOND else "misses"
    memory = ", ".join(
        f"{size:,}-event body {value / 1024:.1f} KiB/event"
        for size, value in f.bytes_per_event.items()
    )
    return (
        f"{f.provider:<10} {f.bodies:>7,} bodies ({f.body_bytes / f.bodies:,.0f} B avg)"
        f" {f.observations:>8,} obs | parse {f.observations_per_second:>9,.0f} obs/s"
        f" {f.bodies_per_second:>9,.0f} bodies/s | json.loads {f.loads_per_second:>9,.0f} bodies/s"
        f" | parse takes x{f.parse_seconds / f.loads_seconds:.1f} json.loads time"
        f" | {verdict} {TARGET_OBSERVATIONS_PER_SECOND:,} obs/s"
        f" | peak RSS +{f.rss_growth_kib:,} KiB while parsing" + (f" | {memory}" if memory else "")
    )


@click.command("parse")
@click.option(
    "-n",
    "--events",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Provider events per provider.",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Events per body for the providers that post arrays (SendGrid, SparkPost).",
)
@click.option(
    "--provider",
    "providers",
    type=click.Choice(PROVIDERS),
    multiple=True,
    help="Only this provider (repeatable); all six by default.",
)
def parse(events: int, batch: int, providers: tuple[str, ...]) -> None:
    """Parse realistic webhook bodies of each provider, against json.loads of the same bodies."""
    samples = load_samples()
    click.echo(
        f"bench parse: {events:,} events per provider, {batch} per body where the provider"
        " posts arrays; one process, one core"
    )
    for provider in providers or PROVIDERS:
        click.echo(f"[{provider}] making bodies and parsing ...", err=True)
        click.echo(format_figures(measure(provider, samples[provider], events, batch)))
