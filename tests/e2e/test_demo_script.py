"""``./scripts/demo`` as a new user runs it: it plays the day, prints the console's address
and a sign-in, and serves the console there until stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
_SIGN_IN = re.compile(r"organisation (\S+), e-mail (\S+), password (\S+)")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_demo_prints_the_console_and_a_sign_in_that_works(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "MAILLEDGER_DEMO_PORT": str(port), "TMPDIR": str(tmp_path)}
    demo = subprocess.Popen(
        [str(ROOT / "scripts" / "demo")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert demo.stdout is not None
        printed: list[str] = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            printed.append(line)
            if line.startswith("Serving the console on"):
                break
        output = "".join(printed)
        assert f"The web console: http://127.0.0.1:{port}/" in output, output
        found = _SIGN_IN.search(output)
        assert found is not None, output
        tenant, email, password = found.groups()
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            form = _wait_for(client, "/sign-in")
            token = _CSRF.search(form.text)
            assert token is not None
            answer = client.post(
                "/sign-in",
                data={
                    "csrf": token.group(1),
                    "organisation": tenant,
                    "email": email,
                    "password": password,
                },
            )
            assert answer.status_code == 303
            log = client.get("/messages")
        assert log.status_code == 200
        assert "Invoice INV-2026-0981 for your trip to Lisbon" in log.text
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=30)


def _wait_for(client: httpx.Client, path: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return client.get(path)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
