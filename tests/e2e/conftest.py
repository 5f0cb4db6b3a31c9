"""Fixtures the end-to-end tests share."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.own_broker import OwnBroker

ROOT = Path(__file__).resolve().parents[2]

STOPS_SHARED_SERVICES = frozenset({"restartable_postgres"})
"""Fixtures whose tests stop a service the whole suite shares."""


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects: the marker must already be there
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that stops a shared service is ``serial``: scripts/test runs it alone."""
    for item in items:
        if STOPS_SHARED_SERVICES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.serial)


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[OwnBroker]:
    suite_state = Path(os.environ.get("MAILLEDGER_SERVICES_DIR", ROOT / ".services"))
    env = {
        **os.environ,
        "MAILLEDGER_SERVICES_DIR": str(tmp_path / "own-services"),
        # The jars the suite's broker was started from, rather than resolving them again.
        "MAILLEDGER_KAFKA_LIB": str(suite_state / "kafka-lib"),
    }
    started = subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), "start-own-kafka"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    bootstrap, pid = started.stdout.split()
    broker = OwnBroker(bootstrap, int(pid))
    try:
        yield broker
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(broker.pid, signal.SIGKILL)
