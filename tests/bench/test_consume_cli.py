"""``python -m bench consume`` as a user runs it, small, on the suite's PostgreSQL and broker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
from kafka import KafkaAdminClient

BENCH = [sys.executable, "-m", "bench"]

NUMBER = r"[\d,]+(?:\.\d+)?"

_BENCH_VARIABLES = ("MAILLEDGER_BENCH_POSTGRES_URL", "MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS")


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _BENCH_VARIABLES}


def _scratch_topics_and_groups(bootstrap: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        topics = set(admin.list_topics())
        groups = {group["group_id"] for group in admin.list_groups()}
    finally:
        admin.close()
    return {name for name in topics | groups if name.startswith("mailledger-bench-")}


def _scratch_schemas(postgres_url: str) -> set[str]:
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mailledger_bench_%'"
        ).fetchall()
    return {str(row[0]) for row in rows}


def test_bench_consume_prints_every_figure_and_leaves_nothing_behind(
    postgres_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics_before = _scratch_topics_and_groups(kafka_bootstrap)
    schemas_before = _scratch_schemas(postgres_url)

    result = subprocess.run(
        [
            *BENCH,
            "consume",
            "-n",
            "3000",
            "--partitions",
            "2",
            # Small polls, so that the restart's kill lands in the middle of its events.
            "--max-records",
            "250",
            "--postgres",
            postgres_url,
            "--bootstrap-servers",
            kafka_bootstrap,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env=_environment(),
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== postgresql:" in out
    assert "durable commits: fsync on, synchronous_commit on" in out
    assert re.search(r"workload: +3,000 provider events of [\d,]+ messages; rendered as", out)
    assert re.search(rf"publish: +3,000 events in {NUMBER} records: {NUMBER} records/s", out)
    assert re.search(rf"registrations: +{NUMBER} published .*: {NUMBER} sends/s", out)
    assert re.search(rf"consume: +3,000 events in {NUMBER} batches: {NUMBER} events/s", out)
    assert re.search(rf"peak RSS: +{NUMBER} MB", out)
    assert re.search(rf"ceiling: +3,000 rows by binary COPY .*: {NUMBER} rows/s", out)
    assert re.search(rf"ratio to ceiling: +{NUMBER} %", out)
    assert re.search(rf"restart: +recording again after {NUMBER} s \(kill -9 after", out)
    assert re.search(rf"consume >= 25 % of ceiling: (met|MISSED) \({NUMBER} %\)", out)
    assert re.search(rf"peak RSS <= 200 MB over 1,000,000 events: (met|MISSED) \({NUMBER} MB", out)
    assert re.search(rf"restart after kill -9 <= 5 s: (met|MISSED) \({NUMBER} s\)", out)
    assert "[consume] recording 3,000 provider events" in result.stderr
    assert _scratch_topics_and_groups(kafka_bootstrap) == topics_before
    assert _scratch_schemas(postgres_url) == schemas_before
    assert list(tmp_path.iterdir()) == [], "the benchmark must leave no files behind"


def test_bench_consume_without_postgres_is_one_line(kafka_bootstrap: str) -> None:
    result = subprocess.run(
        [*BENCH, "consume", "--bootstrap-servers", kafka_bootstrap],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_environment(),
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--postgres" in result.stderr
    assert "MAILLEDGER_BENCH_POSTGRES_URL" in result.stderr
