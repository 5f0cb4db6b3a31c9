"""Every log line of a request carries its id; one http.request line per request; no bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from adapters.logging import configure_logging
from tests.unit.api.bodies import mailgun_webhook
from tests.unit.api.conftest import TENANT, Api


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Call once to start (logging then writes to the test's captured stderr), then to read."""
    started = False

    def lines() -> list[dict[str, Any]]:
        nonlocal started
        if not started:
            configure_logging("info", json=True)
            started = True
        return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]

    yield lines
    # Back to structlog's defaults: a configuration left on this test's stderr would write
    # to a closed file in later tests.
    structlog.reset_defaults()


def test_a_request_logs_one_access_line_with_its_id_tenant_and_key(
    api: Api, json_logs: Any
) -> None:
    json_logs()

    response = api.get(
        "/v1/messages?subject=secret-subject&tag=a", headers={"X-Request-ID": "req-1"}
    )

    lines = json_logs()
    access = [line for line in lines if line["event"] == "http.request"]
    assert len(access) == 1
    key_id = api.tokens["admin"].split("_")[1]
    assert access[0] | {"ms": 0} == {
        "event": "http.request",
        "level": "info",
        "timestamp": access[0]["timestamp"],
        "request_id": "req-1",
        "method": "GET",
        "path": "/v1/messages",
        "query": ["subject", "tag"],
        "status": response.status_code,
        "ms": 0,
        "tenant": TENANT,
        "key_id": key_id,
    }
    assert "secret-subject" not in json.dumps(lines)


def test_a_webhook_logs_its_outcome_under_the_request_id_and_never_the_body(
    api: Api, json_logs: Any
) -> None:
    json_logs()

    api.post("/v1/webhooks/mailgun", content=mailgun_webhook(), headers={"X-Request-ID": "wh-1"})

    lines = json_logs()
    received = [line for line in lines if line["event"] == "webhook.received"]
    assert [(r["provider"], r["outcome"], r["recorded"]) for r in received] == [
        ("mailgun", "recorded", 1)
    ]
    assert all(line.get("request_id") == "wh-1" for line in lines)
    assert "alice@example.com" not in json.dumps(lines)


def test_an_unexpected_failure_is_logged_with_its_trace_and_request_id(
    api: Api, json_logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api.context.read_side.queries, "daily_counts", broken)
    json_logs()

    api.get("/v1/stats/daily", headers={"X-Request-ID": "fail-1"})

    unhandled = [line for line in json_logs() if line["event"] == "http.unhandled"]
    assert len(unhandled) == 1
    assert unhandled[0]["request_id"] == "fail-1"
    assert "RuntimeError: boom" in unhandled[0]["exception"]
