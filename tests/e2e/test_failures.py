"""Failures as they really happen: a process killed mid-write, a database that goes away."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from adapters.storage.database import open_ledger, parse_database_url
from tests.e2e.test_cli import EVENTS, MAILLEDGER, SENDS, assert_one_line_error, ok, run

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def generic_events(count: int, messages: int) -> str:
    kinds = ["sent", "delivered", "opened", "clicked"]
    lines = [
        json.dumps(
            {
                "provider": "postmark",
                "provider_message_id": f"pm-{n % messages}",
                "recipient": f"user{n % messages}@example.com",
                "event": kinds[n % len(kinds)],
                "occurred_at": (T0 + timedelta(seconds=n)).isoformat(),
                "event_id": f"ev-{n}",
            }
        )
        for n in range(count)
    ]
    return "\n".join(lines) + "\n"


def stored_provider_events(database_url: str) -> int:
    with open_ledger(parse_database_url(database_url)) as ledger:
        return sum(
            len(state.recipients[0].facts)
            for state in ledger.get_messages(list(ledger.message_ids()))
        )


def test_a_rejected_file_leaves_what_was_recorded_before_intact(database_url: str) -> None:
    ok(database_url, "register", stdin=SENDS)
    ok(database_url, "ingest", "--tenant", "acme", "--provider", "generic", stdin=EVENTS)
    before = ok(database_url, "show", "sendgrid:sg-1", "--json")
    result = run(
        database_url,
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "generic",
        stdin=EVENTS + "{broken\n",
    )
    assert_one_line_error(result, "stdin: generic line 6", "not valid JSON")
    assert ok(database_url, "show", "sendgrid:sg-1", "--json") == before


def test_ingest_killed_mid_write_records_all_or_nothing_and_a_rerun_completes_it(
    database_url: str, tmp_path: Path
) -> None:
    count = 20_000
    file = tmp_path / "events.jsonl"
    file.write_text(generic_events(count, messages=2_000))
    process = subprocess.Popen(
        [
            MAILLEDGER,
            "--database",
            database_url,
            "ingest",
            "--tenant",
            "acme",
            "--provider",
            "generic",
            str(file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Any moment will do: whenever the kill lands, the file must be recorded whole or not at all.
    time.sleep(random.uniform(0.3, 2.5))
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert stored_provider_events(database_url) in (0, count)
    lines = ok(
        database_url, "ingest", "--tenant", "acme", "--provider", "generic", str(file)
    ).splitlines()
    assert len(lines) == count
    assert stored_provider_events(database_url) == count


@pytest.fixture
def restartable_postgres(fresh_postgres_url: str) -> Iterator[str]:
    """A fresh database on the suite's PostgreSQL, which this test may stop and start.

    Every test using it is marked ``serial`` (tests/e2e/conftest.py), so nothing runs beside it.
    """
    yield fresh_postgres_url
    services(("start-postgres",), check=False)  # whatever happened, leave it running


def services(args: tuple[str, ...], *, check: bool = True) -> None:
    subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), *args],
        check=check,
        capture_output=True,
        timeout=120,
    )


def wait_until_answering(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_database_down_gives_one_line_and_after_restart_nothing_is_lost(
    restartable_postgres: str,
) -> None:
    url = restartable_postgres
    ok(url, "register", stdin=SENDS)
    ok(url, "ingest", "--tenant", "acme", "--provider", "generic", stdin=EVENTS)
    before = ok(url, "show", "sendgrid:sg-1", "--json")
    services(("stop-postgres",))
    down = run(url, "ingest", "--tenant", "acme", "--provider", "generic", stdin=EVENTS)
    assert_one_line_error(
        down, "cannot use postgresql://mailledger:***@", "MAILLEDGER_DATABASE_URL"
    )
    services(("start-postgres",))
    wait_until_answering(url)
    assert ok(url, "show", "sendgrid:sg-1", "--json") == before
    again = [
        json.loads(line)
        for line in ok(
            url, "ingest", "--tenant", "acme", "--provider", "generic", stdin=EVENTS
        ).splitlines()
    ]
    assert all(line["duplicate"] for line in again)
