"""``python -m bench policies`` as a user runs it, small, on the suite's PostgreSQL."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.test_query_cli import NUMBER, _environment, _scratch_schemas

BENCH = [sys.executable, "-m", "bench"]


@pytest.mark.postgres
def test_bench_policies_prints_every_figure_and_drops_its_schema(
    postgres_url: str, tmp_path: Path
) -> None:
    schemas_before = _scratch_schemas(postgres_url)
    result = subprocess.run(
        [
            *BENCH,
            "policies",
            "-n",
            "500",
            "--addresses",
            "3000",
            "--checks",
            "20",
            "--warmup",
            "2",
            "--postgres",
            postgres_url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
        env=_environment(),
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(
        rf"policy process: +{NUMBER} events in {NUMBER} s: {NUMBER} events/s = {NUMBER} x rebuild"
        rf" \({NUMBER} facts kept, {NUMBER} addresses suppressed\)",
        out,
    ), out
    assert re.search(rf"rebuild: +sent_mail {NUMBER} events in {NUMBER} s: {NUMBER} events/s", out)
    assert re.search(r"check: +20 checks after 2 against 3,000 addresses", out)
    row = r" +".join([NUMBER] * 4)
    for name in ("100 addresses", "1 address"):
        assert re.search(rf"^{name} +{row}$", out, re.MULTILINE), name
    assert re.search(rf"check of 100 p95 <= 10 ms: (met|MISSED) \({NUMBER} ms\)", out)
    assert _scratch_schemas(postgres_url) == schemas_before, "the scratch schema must be dropped"
    assert list(tmp_path.iterdir()) == []
