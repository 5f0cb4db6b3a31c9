"""Progress of long phases on stderr: a line at the start, at most one a second, one at the end."""

from __future__ import annotations

import time

import click


class PhaseProgress:
    """Reports one phase: when it starts, how far it got now and then, and when it ends."""

    def __init__(self, database: str, phase: str) -> None:
        self.database = database
        self.phase = phase
        self.started = self.reported = time.perf_counter()
        announce(database, phase)

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - self.reported < 1.0:
            return
        self.reported = now
        percent = 100 * done // total if total > 0 else 100
        click.echo(
            f"[{self.database}] {self.phase}: {percent} % ({now - self.started:.1f} s)", err=True
        )


def announce(database: str, phase: str) -> None:
    """A phase with no progress to report."""
    click.echo(f"[{database}] {phase} ...", err=True)
