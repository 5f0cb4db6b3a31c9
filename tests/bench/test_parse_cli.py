"""``python -m bench parse`` as a user runs it, small."""

from __future__ import annotations

import re
import subprocess
import sys

from adapters.providers.registry import PARSERS
from bench.parse import PROVIDERS, load_samples, make_bodies, make_events

BENCH = [sys.executable, "-m", "bench"]
NUMBER = r"[\d,]+(?:\.\d+)?"


def test_bench_parse_prints_every_figure_for_every_provider() -> None:
    result = subprocess.run(
        [*BENCH, "parse", "-n", "500", "--batch", "50"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    assert [line.split()[0] for line in lines] == list(PROVIDERS)
    for line in lines:
        assert re.search(rf"parse +{NUMBER} obs/s +{NUMBER} bodies/s", line), line
        assert re.search(rf"json.loads +{NUMBER} bodies/s", line), line
        assert re.search(rf"x{NUMBER} json.loads time \| (meets|misses) 100,000 obs/s", line)
    sendgrid = next(line for line in lines if line.startswith("sendgrid"))
    assert re.search(r"10 bodies .* 500 obs", sendgrid)
    assert "10,000-event body" in sendgrid


def test_bench_bodies_are_bodies_each_parser_reads_whole() -> None:
    for provider, samples in load_samples().items():
        events = make_events(samples, 2 * len(samples.events))
        parsed = [PARSERS[provider](body) for body in make_bodies(samples, events, 3)]
        assert all(not p.notices for p in parsed), provider
        observations = [o for p in parsed for o in p.observations]
        assert len(observations) >= len(events), provider
        assert len({o.provider_message_id for o in observations}) == 2, provider
