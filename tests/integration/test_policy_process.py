"""The policy process on both databases: facts kept once whoever catches up, the address key
made once and kept, the addresses view rebuilt to what it was live."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from adapters.errors import SettingError
from adapters.storage.address_key import address_key
from adapters.storage.database import open_ledger, parse_database_url
from adapters.storage.read_side import open_read_side
from adapters.storage.tenant_policies import PolicyDefaults
from domain.address import Address
from domain.kinds import EventKind
from domain.ledger import Ledger
from domain.policy_process import PROCESS_NAME
from domain.suppression import SuppressionPolicy
from tests.conftest import a_send, an_observation, bound
from tests.integration.test_projections import dump_tables

ADDRESSES = [f"user{n}@example.com" for n in range(30)]


def write_failures(ledger: Ledger, first: int, count: int) -> None:
    """Sends to every address, each message soft-bouncing for some, hard for others."""
    for n in range(first, first + count):
        ledger.register([a_send(*ADDRESSES, provider_message_id=f"m-{n}", external_ref=f"ref-{n}")])
        kinds = [EventKind.SOFT_BOUNCE, EventKind.DELIVERED, EventKind.HARD_BOUNCE]
        ledger.record(
            bound(
                an_observation(kinds[(i + n) % 3], n, address, provider_message_id=f"m-{n}")
                for i, address in enumerate(ADDRESSES)
            )
        )


def address_events(ledger: Ledger) -> list[Address.Event]:
    events = ledger.recorder.select_notifications(1, 100_000)
    decoded = [ledger.mapper.to_domain_event(n) for n in events]
    return [e for e in decoded if isinstance(e, Address.Event)]


def test_two_read_sides_catching_up_at_once_keep_each_fact_once(
    database_url: str, ledger: Ledger
) -> None:
    database = parse_database_url(database_url)
    sides = [open_read_side(database, page_size=size) for size in (17, 40)]
    try:
        for first in (0, 6):
            write_failures(ledger, first, 6)
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda side: side.catch_up(), sides))
        noted = [e for e in address_events(ledger) if isinstance(e, Address.FactNoted)]
        assert len(noted) == 12 * len(ADDRESSES)
        assert len({(e.originator_id, e.message_id, e.event_id) for e in noted}) == len(noted)
        assert sides[0].policies.position() == ledger.tracked_position(PROCESS_NAME)
        # Every address had a hard bounce: all are suppressed, each by one event.
        suppressed = [e for e in address_events(ledger) if isinstance(e, Address.Suppressed)]
        assert len({e.originator_id for e in suppressed}) == len(ADDRESSES)
        live = dump_tables(sides[0])["addresses.address_status"]
        assert len(live) == len(ADDRESSES) and all(row["suppressed"] == 1 for row in live)
        sides[1].rebuild("addresses")
        assert dump_tables(sides[1])["addresses.address_status"] == live
    finally:
        for side in sides:
            side.close()


def test_a_second_run_after_a_crash_replays_nothing_twice(database_url: str) -> None:
    database = parse_database_url(database_url)
    with open_ledger(database) as ledger:
        write_failures(ledger, 0, 3)
        with open_read_side(database, ledger) as side:
            side.catch_up()
            kept = len(address_events(ledger))
        # A new process, as after kill -9, starts from the tracked position.
        with open_read_side(database, ledger) as again:
            again.catch_up()
            assert len(address_events(ledger)) == kept


def test_the_address_key_is_made_once_and_a_different_one_stops_the_process(
    database_url: str,
) -> None:
    database = parse_database_url(database_url)
    first = address_key(database)
    assert len(first) == 32
    assert address_key(database) == first
    assert address_key(database, first) == first
    with pytest.raises(SettingError, match="MAILLEDGER_ADDRESS_KEY: differs"):
        address_key(database, bytes(32))
    with pytest.raises(SettingError, match="at least 32 bytes"):
        address_key(database, b"short")


def test_a_configured_key_is_the_one_stored_on_a_new_database(database_url: str) -> None:
    database = parse_database_url(database_url)
    key = bytes(range(100, 132))
    policies = PolicyDefaults(SuppressionPolicy(soft_failures=1, window=timedelta(days=1)), key)
    with (
        open_ledger(database) as ledger,
        open_read_side(database, ledger, policies=policies) as side,
    ):
        ledger.register([a_send("ana@example.com")])
        ledger.record(bound([an_observation(EventKind.SOFT_BOUNCE, 1)]))
        side.catch_up()
        assert side.address_book.key == key
        # One soft failure is enough under these rules.
        [row] = dump_tables(side)["addresses.address_status"]
        assert (row["suppressed"], row["reason"]) == (1, "soft_failures")
    assert address_key(database) == key
