"""``python -m bench query`` as a user runs it, small, on the suite's PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

BENCH = [sys.executable, "-m", "bench"]

NUMBER = r"[\d,]+(?:\.\d+)?"

KINDS = (
    "health",
    "list all",
    "list failed (default)",
    "list by outcome",
    "list by status",
    "list by dossier",
    "list by domain",
    "list by recipient",
    "list by sent range",
    "list page 2",
    "message detail",
    "dossier history",
)

PROJECTIONS = ("sent_mail", "recipient_status", "dossier_history", "daily_counts")


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "MAILLEDGER_BENCH_POSTGRES_URL"}


def _scratch_schemas(postgres_url: str) -> set[str]:
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mailledger_bench_%'"
        ).fetchall()
    return {str(row[0]) for row in rows}


@pytest.mark.postgres
def test_bench_query_prints_every_figure_and_drops_its_schema(
    postgres_url: str, tmp_path: Path
) -> None:
    schemas_before = _scratch_schemas(postgres_url)

    result = subprocess.run(
        [
            *BENCH,
            "query",
            "-n",
            "2000",
            "--requests",
            "30",
            "--warmup",
            "5",
            "--postgres",
            postgres_url,
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
    assert re.search(r"workload: +2,000 messages of 3 recipients, 5 tenants", out)
    assert re.search(
        rf"load: +{NUMBER} events in {NUMBER} COPY transactions .*: {NUMBER} events/s", out
    )
    assert re.search(r"sizes: +2,000 messages, 6,000 recipient rows, [\d,]+ events", out)
    assert re.search(rf"table sizes: +mailledger_events {NUMBER} [KMG]iB", out)
    assert re.search(rf"baseline: +read and decode the log .*: {NUMBER} events/s", out)
    for name in (*PROJECTIONS, "total"):
        assert re.search(
            rf"^{name}: +{NUMBER} events in {NUMBER} s: {NUMBER} events/s = {NUMBER} x baseline",
            out,
            re.MULTILINE,
        ), name
        assert re.search(
            rf"^rebuild {name} >= 30,000 events/s: (met|MISSED) \({NUMBER} events/s\)",
            out,
            re.MULTILINE,
        ), name
    assert re.search(r"requests: +mailledger serve, .* 30 of each kind after 5 of each", out)
    row = r" +".join([NUMBER] * 5)
    for kind in KINDS:
        assert re.search(rf"^{re.escape(kind)} +{row} +(-|{NUMBER})$", out, re.MULTILINE), kind
        if kind != "health":
            assert re.search(
                rf"^{re.escape(kind)} p95 <= 10 ms: (met|MISSED) \({NUMBER} ms\)$",
                out,
                re.MULTILINE,
            ), kind
    assert "[load] building and writing 2,000 messages" in result.stderr
    assert "[rebuild] sent_mail: replaying" in result.stderr
    assert _scratch_schemas(postgres_url) == schemas_before, "the scratch schema must be dropped"
    assert list(tmp_path.iterdir()) == [], "the benchmark must leave no files behind"


def test_bench_query_without_postgres_is_one_line() -> None:
    result = subprocess.run(
        [*BENCH, "query", "-n", "2000"],
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
