"""``mailledger consume`` in a process of its own, as an operator runs it, watched via its logs.

Its JSON log lines on stderr are read as they come: the "consumer.batch" lines give the
figures, and the moment each arrives gives the restart time.

Its peak RSS is the kernel's high-water mark of the process (``VmHWM``), read every tenth
of a second once it logs (so after its exec: before, /proc shows the forking parent's).
Not ``ru_maxrss``: Linux carries the parent's RSS at the fork over into the child's, so a
benchmark holding its traffic would be charged to the consumer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from adapters.settings import child_environment, variable
from bench.kafka_scratch import ScratchKafka

MAILLEDGER = str(Path(sys.executable).with_name("mailledger"))
"""The console script installed next to this interpreter."""

IDLE_EXIT_SECONDS = 3.0
"""How long a consumer waits for more records before it exits 0."""

_KEPT_LINES = 20
"""Log lines kept for the message of a consumer that fails."""


class ConsumerFailedError(RuntimeError):
    """The consumer exited non-zero, or did not exit in time; names its last log line."""


@dataclass(frozen=True)
class Batch:
    """One "consumer.batch" line: a partition's records saved in one transaction."""

    partition: str
    records: int
    observations: int
    sends: int
    duplicates: int
    dead_letters: int
    ms: float
    logged_at: datetime
    """When the batch was saved (the line's own timestamp)."""
    seen_at: float
    """When this process read the line (``time.monotonic()``)."""

    @classmethod
    def of(cls, line: dict[str, Any], seen_at: float) -> Batch:
        return cls(
            partition=str(line["partition"]),
            records=int(line["records"]),
            observations=int(line["observations"]),
            sends=int(line.get("sends", 0)),
            duplicates=int(line["duplicates"]),
            dead_letters=int(line["dead_letters"]),
            ms=float(line["ms"]),
            logged_at=datetime.fromisoformat(str(line["timestamp"])),
            seen_at=seen_at,
        )


class ConsumerProcess:
    """One ``mailledger consume --idle-exit`` process on the scratch topics and database."""

    def __init__(
        self,
        scratch: ScratchKafka,
        database_url: str,
        max_records: int,
        *,
        instance_id: str | None = None,
    ) -> None:
        command = [
            MAILLEDGER,
            "--log-level",
            "info",
            "consume",
            "--bootstrap-servers",
            scratch.settings.bootstrap_servers,
            "--provider-events-topic",
            scratch.settings.provider_events_topic,
            "--messages-topic",
            scratch.settings.messages_topic,
            "--dead-letter-topic",
            scratch.settings.dead_letter_topic,
            "--partitions",
            str(scratch.settings.partitions),
            "--group-id",
            scratch.group_id,
            "--max-records",
            str(max_records),
            "--idle-exit",
            str(IDLE_EXIT_SECONDS),
        ]
        if instance_id is not None:
            command += ["--instance-id", instance_id]
        # The URL goes by the environment, so that its password is not on a command line.
        env = child_environment({variable("database_url"): database_url})
        self.batches: list[Batch] = []
        self.first_observations_at: float | None = None
        self._recent: deque[str] = deque(maxlen=_KEPT_LINES)
        self._changed = threading.Condition()
        self._logging = threading.Event()
        self.launched_at = time.monotonic()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.peak_rss_kib: int | None = None
        assert self.process.stderr is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True)
        self._reader.start()

    @property
    def observations(self) -> int:
        """Provider events in the batches logged so far."""
        return sum(b.observations for b in self.batches)

    @property
    def sends(self) -> int:
        """Registrations in the batches logged so far."""
        return sum(b.sends for b in self.batches)

    @property
    def exited(self) -> bool:
        """True once the process closed its stderr, i.e. exited (without reaping it)."""
        return not self._reader.is_alive()

    def wait_for_observations(self, timeout: float) -> float:
        """Seconds from launch until the first batch that held provider events was logged."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.first_observations_at is None:
                remaining = deadline - time.monotonic()
                # The reader ends when the process closes stderr, i.e. when it exits.
                if remaining <= 0 or not self._reader.is_alive():
                    when = "before it exited" if self.exited else f"within {timeout:.0f} s"
                    raise ConsumerFailedError(
                        f"the consumer logged no batch of provider events {when}"
                        f"{self._last_words()}"
                    )
                self._changed.wait(min(remaining, 0.5))
            return self.first_observations_at - self.launched_at

    def wait(self, timeout: float, tick: Callable[[], None] | None = None) -> None:
        """Until the process exits 0 (it does once idle); ConsumerFailedError otherwise.

        ``tick`` is called every tenth of a second meanwhile, and once at the end.
        """
        deadline = time.monotonic() + timeout
        while True:
            peak = _peak_rss_kib(self.process.pid) if self._logging.is_set() else None
            if peak is not None:
                self.peak_rss_kib = max(peak, self.peak_rss_kib or 0)
            if self.process.poll() is not None:
                break
            if time.monotonic() > deadline:
                self.kill()
                raise ConsumerFailedError(
                    f"the consumer was still running after {timeout:.0f} s; killed"
                    f"{self._last_words()}"
                )
            if tick is not None:
                tick()
            time.sleep(0.1)
        self._reader.join(timeout=10)
        if tick is not None:
            tick()
        if self.process.returncode != 0:
            raise ConsumerFailedError(
                f"the consumer exited with {self.process.returncode}{self._last_words()}"
            )

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM killer would; reaped at once."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._reader.join(timeout=10)

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            seen_at = time.monotonic()
            text = raw.decode("utf-8", "replace").rstrip()
            self._logging.set()
            self._recent.append(text)
            try:
                line = json.loads(text)
            except ValueError:
                continue  # not one of the consumer's JSON lines (a warning of a library)
            if not isinstance(line, dict) or line.get("event") != "consumer.batch":
                continue
            batch = Batch.of(line, seen_at)
            with self._changed:
                self.batches.append(batch)
                if batch.observations > 0 and self.first_observations_at is None:
                    self.first_observations_at = seen_at
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _last_words(self) -> str:
        last = [line for line in self._recent if line.strip()]
        return f"; its last log line: {last[-1]}" if last else ""


def _peak_rss_kib(pid: int) -> int | None:
    """The process's peak resident set so far, in KiB; None once it is gone (or off Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def stop_all(consumers: Sequence[ConsumerProcess]) -> None:
    """Kill whatever is still running, e.g. when the benchmark itself fails."""
    for consumer in consumers:
        consumer.kill()
