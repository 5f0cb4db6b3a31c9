"""``python -m bench append`` as a user runs it, small and on SQLite only."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = [sys.executable, "-m", "bench"]

NUMBER = r"[\d,]+(?:\.\d+)?"


def test_bench_append_prints_every_figure_for_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MAILLEDGER_BENCH_POSTGRES_URL"}
    result = subprocess.run(
        [*BENCH, "append", "-n", "2000", "--batch-messages", "50", "--single", "200"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env=env,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== sqlite:" in out
    assert "postgresql" not in out
    assert re.search(rf"domain appends: +2,000 events in {NUMBER} transactions", out)
    assert re.search(rf"domain appends: .*: {NUMBER} events/s \({NUMBER} s\)", out)
    assert re.search(rf"ceiling: +2,000 rows by .*: {NUMBER} rows/s", out)
    assert re.search(rf"ratio to ceiling: +{NUMBER} %", out)
    assert re.search(rf"one tx per event: +200 events: {NUMBER} events/s = {NUMBER} %", out)
    assert re.search(rf"replay: +1,000-event message .*: {NUMBER} ms with snapshots", out)
    assert re.search(rf"sqlite replay <= 5 ms: (met|MISSED) \({NUMBER} ms\)", out)
    assert "[sqlite] recording 2,000 events" in result.stderr
    assert list(tmp_path.iterdir()) == [], "the benchmark must leave no files behind"
