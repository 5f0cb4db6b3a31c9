"""A ``mailledger`` command in a process of its own, its JSON log lines kept in a file."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli import MAILLEDGER


class LoggedProcess:
    """``mailledger ARGS…`` running; stderr (its structlog JSON lines) goes to ``log_path``."""

    def __init__(self, args: Sequence[str], log_path: Path, env: dict[str, str]) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [MAILLEDGER, *args],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env={**os.environ, **env},
        )

    def lines(self) -> list[dict[str, Any]]:
        rows = []
        for raw in self.log_path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(raw))
            except ValueError:
                rows.append({"event": "unparsed", "text": raw})
        return rows

    def events(self, name: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("event") == name]

    def wait(self, timeout: float = 120.0) -> int:
        """The exit status, once the process has ended by itself."""
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._log.close()

    def stop(self) -> None:
        """Kill it if it still runs (a test's clean-up, whatever happened)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self._log.close()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Polls an observable condition; fails naming it when the time is up."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)
