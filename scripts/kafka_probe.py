"""Wait until a Kafka broker answers a metadata request, or give up.

Usage: kafka_probe.py BOOTSTRAP TIMEOUT_SECONDS [PID] [--raw]

Exits 0 once the broker at BOOTSTRAP (host:port) lists its topics, 1 on timeout, 2 when the
process PID (the broker's JVM) died first, 3 when the probe itself is misconfigured. Uses
kafka-python's admin client when it is importable (the project's virtualenv has it); otherwise,
or with --raw, speaks just enough of the Kafka protocol with the standard library: ApiVersions,
then Metadata for all topics.
Only the standard library and kafka-python are used, so it runs before .venv exists too.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import sys
import time

_CLIENT_ID = b"mailledger-services-probe"
_API_METADATA = 3
_API_VERSIONS = 18


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = sock.recv(remaining)
        if not chunk:
            raise ConnectionError("broker closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _request(
    sock: socket.socket, api_key: int, version: int, correlation: int, body: bytes
) -> bytes:
    header = struct.pack(">hhih", api_key, version, correlation, len(_CLIENT_ID)) + _CLIENT_ID
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    (size,) = struct.unpack(">i", _recv_exact(sock, 4))
    response = _recv_exact(sock, size)
    (got,) = struct.unpack(">i", response[:4])
    if got != correlation:
        raise ConnectionError(f"correlation id {got} != {correlation}")
    return response[4:]


def _raw_probe(host: str, port: int) -> None:
    """One ApiVersions (v0) and one Metadata (v4..v7) round trip; raises when not ready."""
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.settimeout(5)
        body = _request(sock, _API_VERSIONS, 0, 1, b"")
        (error,) = struct.unpack(">h", body[:2])
        if error != 0:
            raise ConnectionError(f"ApiVersions error {error}")
        (count,) = struct.unpack(">i", body[2:6])
        metadata_max = -1
        for i in range(count):
            key, _low, high = struct.unpack(">hhh", body[6 + 6 * i : 12 + 6 * i])
            if key == _API_METADATA:
                metadata_max = high
        if metadata_max < 4:
            raise ConnectionError(f"broker offers Metadata up to v{metadata_max}, need v4+")
        version = min(metadata_max, 7)
        # topics: null array (all topics); allow_auto_topic_creation: false
        body = _request(sock, _API_METADATA, version, 2, struct.pack(">ib", -1, 0))
        # v3+: throttle_time_ms, then the brokers array
        (brokers,) = struct.unpack(">i", body[4:8])
        if brokers < 1:
            raise ConnectionError("metadata lists no broker yet")


def _kafka_python_probe(bootstrap: str) -> None:
    from kafka import KafkaAdminClient

    # Refused connections while the broker boots are expected: keep them off stderr.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id=_CLIENT_ID.decode(),
        request_timeout_ms=5000,
    )
    try:
        admin.list_topics()
    finally:
        admin.close()


def main(argv: list[str]) -> int:
    raw = "--raw" in argv
    args = [a for a in argv if a != "--raw"]
    if len(args) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 64
    bootstrap, timeout = args[0], float(args[1])
    pid = int(args[2]) if len(args) == 3 else None
    host, _, port = bootstrap.rpartition(":")

    if not raw:
        try:
            import kafka  # noqa: F401 - only checking that it is installed
        except ImportError:
            raw = True

    deadline = time.monotonic() + timeout
    last_error = "no attempt made"
    while True:
        if not _alive(pid):
            print(f"kafka_probe: broker process {pid} exited", file=sys.stderr)
            return 2
        try:
            # A cheap connect first: kafka-python's client blocks for seconds on a closed port.
            socket.create_connection((host, int(port)), timeout=1).close()
            if raw:
                _raw_probe(host, int(port))
            else:
                _kafka_python_probe(bootstrap)
        except Exception as error:  # any failure means "not ready yet"...
            if type(error).__name__ == "KafkaConfigurationError":  # ...but this one never heals
                print(f"kafka_probe: {error}", file=sys.stderr)
                return 3
            last_error = f"{type(error).__name__}: {error}"
        else:
            return 0
        if time.monotonic() >= deadline:
            print(f"kafka_probe: {bootstrap} not ready: {last_error}", file=sys.stderr)
            return 1
        time.sleep(0.2)  # poll interval between readiness checks


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
