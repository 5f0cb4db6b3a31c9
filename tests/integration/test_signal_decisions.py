"""Signals decided from the log, on both databases: one per transition, none for a message
that was only ever delivered, none again after a rebuild or a second reader."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from adapters.storage.database import parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from domain.kinds import EventKind
from domain.ledger import Ledger
from projections.signal_outbox import OUTBOX_TABLE, SignalKind, signals_after
from tests.conftest import a_send, an_observation, bound

ANA, BOB = "ana@example.com", "bob@example.com"


def outbox(side: ReadSide) -> list[dict[str, Any]]:
    view = side.models["signals"].view
    with view.reading() as tx:
        found = signals_after(tx, view.table(OUTBOX_TABLE), 0, 10_000)
    return [{"seq": s.seq, "kind": s.kind, **json.loads(s.body)} for s in found]


def send(ledger: Ledger, ref: str, *events: tuple[EventKind, float, str]) -> None:
    ledger.register([a_send(ANA, BOB, provider_message_id=ref, external_ref=ref)])
    ledger.record(
        bound(
            an_observation(kind, minutes, address, provider_message_id=ref)
            for kind, minutes, address in events
        )
    )


def test_each_transition_gives_one_signal_and_a_delivered_message_none(
    database_url: str, ledger: Ledger
) -> None:
    with open_read_side(parse_database_url(database_url), ledger) as side:
        send(ledger, "fine", (EventKind.DELIVERED, 1, ANA), (EventKind.DELIVERED, 2, BOB))
        send(ledger, "half", (EventKind.DELIVERED, 1, ANA), (EventKind.HARD_BOUNCE, 2, BOB))
        side.catch_up()
        # A late bounce after Ana's delivery: the message goes from alert to error.
        ledger.record(
            bound([an_observation(EventKind.HARD_BOUNCE, 30, ANA, provider_message_id="half")])
        )
        side.catch_up()
        signals = outbox(side)

    kinds = Counter((s["kind"], s.get("message", {}).get("provider_message_id")) for s in signals)
    assert kinds == {
        (SignalKind.MESSAGE_ALERT, "half"): 1,
        (SignalKind.MESSAGE_ERROR, "half"): 1,
        (SignalKind.RECIPIENT_FAILED_AFTER_DELIVERY, "half"): 1,
        (SignalKind.ADDRESS_SUPPRESSED, None): 2,
    }
    assert not [s for s in signals if s.get("message", {}).get("provider_message_id") == "fine"]
    late = next(s for s in signals if s["kind"] == SignalKind.RECIPIENT_FAILED_AFTER_DELIVERY)
    assert late["recipient"]["address"] == ANA and late["recipient"]["status"] == "hard_bounce"
    suppressed = {
        s["address"]["address"] for s in signals if s["kind"] == SignalKind.ADDRESS_SUPPRESSED
    }
    assert suppressed == {ANA, BOB}
    assert all(s["tenant"] == "acme" and s["format"] == 1 for s in signals)
    assert [s["seq"] for s in signals] == sorted(s["seq"] for s in signals)
    assert len({s["id"] for s in signals}) == len(signals)


def test_a_rebuild_and_a_second_reader_decide_nothing_twice(
    database_url: str, ledger: Ledger
) -> None:
    database = parse_database_url(database_url)
    sides = [open_read_side(database, page_size=size) for size in (3, 7)]
    try:
        for n in range(8):
            send(ledger, f"m{n}", (EventKind.DELIVERED, 1, ANA), (EventKind.SOFT_BOUNCE, n, BOB))
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda side: side.catch_up(), sides))
        before = outbox(sides[0])
        assert Counter(s["kind"] for s in before)[SignalKind.MESSAGE_ALERT] == 8
        sides[1].rebuild("signals")
        assert outbox(sides[1]) == before
    finally:
        for side in sides:
            side.close()


def test_events_before_the_registration_give_the_registered_outcome_only(
    database_url: str, ledger: Ledger
) -> None:
    with open_read_side(parse_database_url(database_url), ledger) as side:
        # The provider names only Bob, who bounced: alone he would make it an error.
        ledger.record(
            bound([an_observation(EventKind.HARD_BOUNCE, 2, BOB, provider_message_id="early")])
        )
        side.catch_up()
        assert [s for s in outbox(side) if "message" in s] == []
        ledger.register([a_send(ANA, BOB, provider_message_id="early", external_ref="early")])
        side.catch_up()
        [signal] = [s for s in outbox(side) if "message" in s]
    assert signal["kind"] == SignalKind.MESSAGE_ALERT
    assert signal["message"]["external_ref"] == "early"
