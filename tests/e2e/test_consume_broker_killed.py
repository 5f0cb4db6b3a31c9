"""A broker killed with -9 and left down: the consumer waits, idle, then exits non-zero.

The broker is one of this test's own (``scripts/services.sh start-own-kafka``), never the
suite's, which every other test shares.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.e2e.kafka_support import ConsumerProcess, Topics
from tests.e2e.logged_process import wait_until
from tests.e2e.own_broker import OwnBroker

BROKER_TIMEOUT = 30
TICKS = os.sysconf("SC_CLK_TCK")


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
