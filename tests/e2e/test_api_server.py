"""``mailledger serve`` as operators run it: a real process, real HTTP, both databases."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx

from adapters.intake.registrations import RegistrationIn
from adapters.storage.database import open_ledger, parse_database_url
from tests.e2e.api_support import ServerProcess, create_key, servers, start_server
from tests.e2e.logged_process import wait_until
from tests.e2e.test_cli import MAILLEDGER, assert_one_line_error, jsonl, ok, run
from tests.unit.api.bodies import MAILGUN_KEY, SENT, generic_line, mailgun_webhook, registration

__all__ = ["servers", "start_server"]  # fixtures

Start = Callable[..., ServerProcess]


def test_a_registration_posted_is_answered_by_every_view_at_once(
    database_url: str, start_server: Start
) -> None:
    server = start_server(database_url)
    ingest = server.client(create_key(database_url, "acme", "ingest"))
    admin = server.client(create_key(database_url, "acme", "admin"))

    posted = ingest.post("/v1/messages", json=[registration("inv-1"), registration("inv-2")])
    bounced = ingest.post(
        "/v1/webhooks/generic", content=generic_line("pm-inv-2", event="hard_bounce")
    )

    assert posted.status_code == 201, posted.text
    assert bounced.json() == {"recorded": 1, "duplicates": 0, "skipped": 0, "quarantined": 0}
    ids = [item["id"] for item in posted.json()["items"]]
    # Every read below comes right after the writes returned, without waiting.
    failed = admin.get("/v1/messages").json()["items"]
    assert [row["id"] for row in failed] == [ids[1]]
    assert len(admin.get("/v1/messages", params={"filter": "all"}).json()["items"]) == 2
    detail = admin.get(f"/v1/messages/{ids[1]}").json()
    assert detail["recipients"][0]["status"] == "hard_bounce"
    history = admin.get(f"/v1/messages/{ids[1]}/history").json()
    assert [e["type"] for e in history["events"]][-1] == "Message.HardBounced"
    dossier = admin.get("/v1/dossiers/D-1/history").json()["items"]
    assert [item["kind"] for item in dossier][-1] == "hard_bounce"
    days = admin.get("/v1/stats/daily").json()["days"]
    assert [(d["day"], d["messages"], d["hard_bounced"]) for d in days] == [
        (SENT.date().isoformat(), 2, 1)
    ]


def test_what_the_command_line_writes_is_shown_by_the_running_server(
    database_url: str, start_server: Start
) -> None:
    server = start_server(database_url)
    viewer = server.client(create_key(database_url, "acme", "viewer"))

    ok(database_url, "register", stdin=jsonl(registration("cli-1", dossier_id="D-cli")))
    ok(
        database_url,
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "generic",
        stdin=generic_line("pm-cli-1", event="hard_bounce"),
    )

    def shown() -> bool:
        rows = viewer.get("/v1/messages", params={"dossier": "D-cli"}).json()["items"]
        return [row["external_ref"] for row in rows] == ["cli-1"]

    wait_until(shown, "the server to show what 'mailledger register' and 'ingest' wrote")


def test_the_follower_brings_in_events_stored_behind_the_views(
    database_url: str, start_server: Start
) -> None:
    server = start_server(database_url)
    viewer = server.client(create_key(database_url, "acme", "viewer"))
    send = RegistrationIn.model_validate(registration("behind-1", dossier_id="D-behind"))

    # A writer that leaves the views alone, as a consumer on PostgreSQL does.
    with open_ledger(parse_database_url(database_url)) as ledger:
        ledger.register([send.to_send()])

    def shown() -> bool:
        rows = viewer.get("/v1/messages", params={"filter": "all", "dossier": "D-behind"})
        return [row["external_ref"] for row in rows.json()["items"]] == ["behind-1"]

    wait_until(shown, "the server's follower thread to apply the stored registration")


def test_a_signed_mailgun_webhook_is_recorded_and_shown(
    database_url: str, start_server: Start
) -> None:
    env = {"MAILLEDGER_MAILGUN_SIGNING_KEY": MAILGUN_KEY}
    server = start_server(database_url, env=env)
    token = create_key(database_url, "acme", "ingest")
    admin = server.client(create_key(database_url, "acme", "admin"))
    send = registration(
        "INV-7781",
        provider="mailgun",
        provider_message_id="<20261123093000.5e1c2b7a9d4f8e31@mg.example.org>",
        recipients=["alice@example.com"],
    )
    message_id = admin.post("/v1/messages", json=send).json()["items"][0]["id"]

    # As Mailgun posts it: the key in the webhook URL's credentials, sent as Basic.
    with httpx.Client(base_url=server.url, auth=("mailgun", token)) as mailgun:
        tampered = mailgun.post("/v1/webhooks/mailgun", content=mailgun_webhook(tamper=True))
        genuine = mailgun.post("/v1/webhooks/mailgun", content=mailgun_webhook())

    assert tampered.status_code == 401
    assert genuine.status_code == 200, genuine.text
    assert genuine.json()["recorded"] == 1
    detail = admin.get(f"/v1/messages/{message_id}").json()
    assert [(r["address"], r["status"]) for r in detail["recipients"]] == [
        ("alice@example.com", "delivered")
    ]
    received = server.events("webhook.received")
    assert [r["outcome"] for r in received] == ["refused", "recorded"]
    assert "alice@example.com" not in server.log_path.read_text(encoding="utf-8")


def test_sigterm_stops_the_server_with_exit_0(database_url: str, start_server: Start) -> None:
    server = start_server(database_url)

    assert server.terminate() == 0
    events = [line["event"] for line in server.lines()]
    assert (
        events.index("api.listening") < events.index("api.stopping") < events.index("api.stopped")
    )


def test_every_log_line_is_json_and_a_request_has_one_access_line(
    database_url: str, start_server: Start
) -> None:
    server = start_server(database_url)
    with server.client() as anonymous:
        anonymous.get("/v1/messages", headers={"X-Request-ID": "probe-1"})

    # Not any access line: the start-up probe of /v1/health writes one before this one.
    wait_until(
        lambda: any(line["path"] == "/v1/messages" for line in server.events("http.request")),
        "the access line",
    )
    assert all(line["event"] != "unparsed" for line in server.lines())
    (access,) = [line for line in server.events("http.request") if line["path"] == "/v1/messages"]
    assert (access["request_id"], access["status"]) == ("probe-1", 401)


def test_the_database_that_cannot_be_opened_is_one_line_and_exit_1(
    postgres_url: str, tmp_path: Path
) -> None:
    missing_folder = run(f"sqlite:///{tmp_path / 'nowhere' / 'x.sqlite'}", "serve", "--port", "0")
    unreachable_url = "postgresql://mailledger:s3cret@127.0.0.1:1/mailledger"
    unreachable = run(unreachable_url, "serve", "--port", "0")

    assert missing_folder.returncode == 1
    assert_one_line_error(missing_folder, "does not exist")
    assert unreachable.returncode == 1
    assert_one_line_error(unreachable, "127.0.0.1:1")
    assert "s3cret" not in unreachable.stderr


def test_a_port_in_use_is_an_error_naming_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                MAILLEDGER,
                "--database",
                f"sqlite:///{tmp_path / 'x.sqlite'}",
                "serve",
                "--port",
                str(port),
            ],
            capture_output=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )

    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: cannot listen on 127.0.0.1:{port}")
    assert all(json.loads(line) for line in result.stderr.strip().splitlines()[:-1])


def test_registrations_sent_at_times_are_kept(database_url: str, start_server: Start) -> None:
    server = start_server(database_url)
    admin = server.client(create_key(database_url, "acme", "admin"))
    later = SENT + timedelta(hours=5, minutes=3)

    (item,) = admin.post("/v1/messages", json=[registration("t-1", sent_at=later)]).json()["items"]

    assert admin.get(f"/v1/messages/{item['id']}").json()["sent_at"] == later.isoformat()
