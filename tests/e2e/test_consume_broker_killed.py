"""A broker killed with -9 and left down: the consumer waits, idle, then exits non-zero.

The broker is one of this test's own (``scripts/services.sh start-own-kafka``), never the
suite's, which every other test shares.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.kafka_support import ConsumerProcess, Topics
from tests.e2e.logged_process import wait_until

ROOT = Path(__file__).resolve().parents[2]
BROKER_TIMEOUT = 30
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class OwnBroker:
    bootstrap: str
    pid: int


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


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def test_a_broker_killed_and_left_down_ends_the_consumer_at_its_timeout_idle_meanwhile(
    own_broker: OwnBroker, tmp_path: Path
) -> None:
    topics = Topics(own_broker.bootstrap, "killed")
    database = f"sqlite:///{tmp_path / 'consumed.sqlite'}"
    consumer = ConsumerProcess(
        topics,
        database,
        tmp_path / "consumer.log",
        "--broker-timeout",
        str(BROKER_TIMEOUT),
    )
    try:
        wait_until(
            lambda: any(a["positions"] for a in consumer.events("consumer.assigned")),
            "the consumer's partitions",
        )
        pid = consumer.process.pid
        os.kill(own_broker.pid, signal.SIGKILL)
        killed_at, cpu_at_kill = time.monotonic(), cpu_seconds(pid)
        last_sample = (killed_at, cpu_at_kill)
        while consumer.process.poll() is None and time.monotonic() - killed_at < 60:
            try:
                last_sample = (time.monotonic(), cpu_seconds(pid))
            except (FileNotFoundError, ProcessLookupError):
                break  # it exited between the two checks
            time.sleep(0.5)
        status = consumer.wait(timeout=30)
        exited_after = time.monotonic() - killed_at
    finally:
        consumer.stop()

    assert status != 0
    assert exited_after < BROKER_TIMEOUT + 10, f"exited {exited_after:.1f}s after the kill"
    assert exited_after >= BROKER_TIMEOUT - 3, "it waited for the broker first"
    waited, used = last_sample[0] - killed_at, last_sample[1] - cpu_at_kill
    print(f"exited {exited_after:.1f}s after the kill; {used:.2f}s CPU in {waited:.1f}s")
    assert used / waited < 0.10, f"{used:.2f}s of CPU in {waited:.1f}s of waiting"
    last = consumer.log_path.read_text().strip().splitlines()[-1]
    assert f"Kafka at {own_broker.bootstrap} unusable for" in last
    assert "--broker-timeout" in last
