"""``mailledger projections`` and the rule that views are current whenever a command returns."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

from adapters.storage.database import parse_database_url
from adapters.storage.read_side import open_read_side
from projections.catalogue import READ_MODELS
from tests.e2e.kafka_support import (
    ConsumerProcess,
    Topics,
    consumers,
    succeeds,
    topics,
)
from tests.e2e.logged_process import wait_until
from tests.e2e.test_cli import EVENTS, MAILLEDGER, SENDS, assert_one_line_error, ok, run

__all__ = ["consumers", "topics"]  # fixtures


def positions(database_url: str) -> dict[str, tuple[int, int]]:
    """Each view's position and how far behind the log it is, as `projections status` says."""
    lines = ok(database_url, "projections", "status").splitlines()
    found = {}
    for line in lines:
        name, position, behind = re.fullmatch(r"(\S+)\s+at\s+(\d+)\s+behind\s+(\d+)", line).groups()  # type: ignore[union-attr]
        found[name] = (int(position), int(behind))
    return found


def test_writes_leave_every_view_current(database_url: str) -> None:
    ok(database_url, "register", stdin=SENDS)
    after_register = positions(database_url)
    ok(database_url, "ingest", "--tenant", "acme", "--provider", "generic", stdin=EVENTS)
    after_ingest = positions(database_url)

    # Every view, and the policy process, which follows the log the same way.
    assert set(after_register) == {*READ_MODELS, "policies"}
    assert all(behind == 0 and at > 0 for at, behind in after_register.values())
    assert all(behind == 0 for _, behind in after_ingest.values())
    assert min(at for at, _ in after_ingest.values()) > max(at for at, _ in after_register.values())


def test_rebuild_prints_its_rate_and_leaves_the_view_as_it_was(database_url: str) -> None:
    ok(database_url, "register", stdin=SENDS)
    ok(database_url, "ingest", "--tenant", "acme", "--provider", "generic", stdin=EVENTS)
    before = ok(database_url, "messages", "--all", "--json")

    result = run(database_url, "projections", "rebuild", "sent_mail")

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"rebuilt sent_mail: \d+ events in [\d.]+ s \([\d,]+ events/s\)\n", result.stdout
    )
    assert json.loads(ok(database_url, "messages", "--all", "--json")) == json.loads(before)
    assert all(behind == 0 for _, behind in positions(database_url).values())


def test_rebuild_of_an_unknown_view_is_a_usage_error(database_url: str) -> None:
    result = run(database_url, "projections", "rebuild", "sent_mails")

    assert result.returncode == 2
    assert_one_line_error(result, "sent_mails", "sent_mail", "daily_counts")


def test_run_once_catches_up_what_another_writer_left_behind(database_url: str) -> None:
    # Views emptied behind the log's back: they trail it, as after a consumer without views.
    ok(database_url, "register", stdin=SENDS)
    database = parse_database_url(database_url)
    with open_read_side(database) as side:
        for model in side.models.values():
            model.reset()
    views = {n: p for n, p in positions(database_url).items() if n != "policies"}
    assert views and all(at == 0 and behind > 0 for at, behind in views.values())

    result = run(database_url, "projections", "run", "--once")

    assert result.returncode == 0, result.stderr
    assert '"projections.current"' in result.stderr
    assert all(behind == 0 for _, behind in positions(database_url).values())


def test_run_follows_new_events_and_stops_on_sigterm(database_url: str, tmp_path: Path) -> None:
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(
        [MAILLEDGER, "--database", database_url, "projections", "run", "--interval", "0.05"],
        stderr=log,
        stdout=subprocess.DEVNULL,
    )
    try:
        # register catches up itself; dropping a view afterwards leaves it to the follower.
        ok(database_url, "register", stdin=SENDS)
        database = parse_database_url(database_url)
        with open_read_side(database) as side:
            side.models["daily_counts"].reset()
        wait_until(
            lambda: positions(database_url)["daily_counts"][1] == 0,
            "the follower to catch up",
        )
        assert positions(database_url)["daily_counts"] == positions(database_url)["sent_mail"]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        print((tmp_path / "run.log").read_text())
    assert code == 0
    assert '"projections.stopping"' in (tmp_path / "run.log").read_text()


def test_a_consumer_on_sqlite_leaves_the_views_current(topics: Topics, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'consumed.sqlite'}"
    succeeds(topics, database_url, "publish", "--registrations", stdin=SENDS)
    succeeds(
        topics, database_url, "publish", "--tenant", "acme", "--provider", "generic", stdin=EVENTS
    )

    consumer = ConsumerProcess(topics, database_url, tmp_path / "consumer.log", "--idle-exit", "2")
    assert consumer.wait() == 0, consumer.log_path.read_text()

    views = [
        json.loads(line)
        for line in consumer.log_path.read_text().splitlines()
        if '"consumer.views"' in line
    ]
    assert views and sum(v["events"] for v in views) > 0
    with open_read_side(parse_database_url(database_url)) as side:
        head = side.ledger.recorder.max_notification_id()
        assert head and all(m.view.position() == head for m in side.models.values())
