"""Rebuilt views equal the views kept live, whatever the page size and the recording order."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.cli.presenters import message_json
from adapters.storage.database import open_ledger, parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from adapters.storage.tenant_policies import PolicyDefaults
from domain.kinds import EventKind
from domain.ledger import Ledger
from domain.values import Observation, Recipient, RecipientType, Send
from tests.conftest import T0
from tests.integration.test_projections import Dump, dump_tables

SHARED_KEY = PolicyDefaults(address_key=bytes(range(32)))
"""One address key for databases whose views are compared: the ids derive from it."""

Input = Send | Observation
"""One registration or provider event, as a platform or a provider hands it over."""

ADDRESSES = [
    f"{name}@{domain}"
    for name in ("ana", "bob", "carl", "dora")
    for domain in ("example.com", "example.org", "mail.example.net")
]
TENANTS = ("acme", "globex", "initech")
DOSSIERS = (None, "DOS-1", "DOS-2", "DOS-3", "DOS-4")
KINDS = list(EventKind)


def write(ledger: Ledger, inputs: Sequence[Input]) -> None:
    """Record inputs in order, each run of registrations or of events as one ledger batch."""
    for is_send, run in groupby(inputs, key=lambda item: isinstance(item, Send)):
        items = list(run)
        if is_send:
            ledger.register([item for item in items if isinstance(item, Send)])
        else:
            ledger.record([item for item in items if isinstance(item, Observation)])


def message_inputs(rnd: random.Random, n: int) -> tuple[Send | None, list[Observation]]:
    """One message's registration (or none yet) and its provider events."""
    provider = rnd.choice(["sendgrid", "mailgun"])
    provider_message_id = f"m-{n}"
    sent_at = T0 + timedelta(minutes=rnd.randrange(3 * 24 * 60))
    recipients = rnd.sample(ADDRESSES, rnd.randint(1, 3))
    refused = rnd.random() < 0.05
    tenant = rnd.choice(TENANTS)
    registration = (
        None
        if rnd.random() < 0.1
        else Send(
            tenant=tenant,
            external_ref=f"ref-{n}",
            recipients=tuple(
                Recipient(address, rnd.choice(list(RecipientType))) for address in recipients
            ),
            sent_at=sent_at,
            provider=None if refused else provider,
            provider_message_id=None if refused else provider_message_id,
            dossier_id=rnd.choice(DOSSIERS),
            category=rnd.choice([None, "billing"]),
            template=rnd.choice([None, None, "tpl-invoice", "tpl-reminder"]),
            subject=f"Subject {n}",
            sender=rnd.choice(["billing@acme.example", "support@acme.example"]),
            tags=tuple(rnd.sample(["a", "b", "c"], rnd.randint(0, 2))),
            error="rejected" if refused else None,
        )
    )
    if refused:
        return registration, []  # no provider ever heard of it
    observations = [
        Observation(
            tenant=tenant,
            provider=provider,
            provider_message_id=provider_message_id,
            # Now and then someone the registration did not name (a forward, a list), or
            # no one: a fact about the whole message (a send the provider refused).
            recipient=rnd.choice(
                [*[rnd.choice(recipients)] * 17, rnd.choice(ADDRESSES), rnd.choice(ADDRESSES), None]
            ),
            kind=rnd.choice(KINDS),
            occurred_at=sent_at + timedelta(minutes=rnd.randint(-2, 90)),
            event_id=rnd.choice([None, *(f"e{k}" for k in range(6))]),
            details=rnd.choice([{}, {"reason": f"550 no such user {n}"}, {"url": "https://x"}]),
        )
        for _ in range(rnd.randint(0, 8))
    ]
    return registration, observations


def rounds_of(seed: int, messages: int, rounds: int) -> list[list[Input]]:
    """A mixed traffic in rounds: registrations early or late, events, and duplicates of both."""
    rnd = random.Random(seed)
    written: list[list[Input]] = [[] for _ in range(rounds)]
    for n in range(messages):
        registration, observations = message_inputs(rnd, n)
        for observation in observations:
            written[rnd.randrange(rounds)].append(observation)
            if rnd.random() < 0.15:  # a provider that sends the same event again
                written[rnd.randrange(rounds)].append(observation)
        if registration is not None:
            # Often in a later round than some of its events: a late registration.
            written[rnd.randrange(rounds)].append(registration)
            if rnd.random() < 0.1:  # a platform that registers the same send twice
                written[rnd.randrange(rounds)].append(registration)
    for inputs in written:
        rnd.shuffle(inputs)
    return written


def rebuilt(side: ReadSide) -> Dump:
    """Every view dropped and replayed by another read side, with large pages."""
    with open_read_side(side.database, side.ledger, page_size=1000) as other:
        for name in other.models:
            other.rebuild(name)
        return dump_tables(other)


def test_views_rebuilt_from_the_log_equal_the_views_kept_live(
    database_url: str, ledger: Ledger
) -> None:
    # Pages of seven events: batch boundaries fall between a message's events everywhere.
    with open_read_side(parse_database_url(database_url), ledger, page_size=7) as side:
        for inputs in rounds_of(seed=20261123, messages=300, rounds=4):
            write(ledger, inputs)
            side.catch_up()
        live = dump_tables(side)

        ids = list(ledger.message_ids())
        assert len(live["sent_mail.sent_mail"]) == len(ids) > 250
        assert len(live["dossier_history.dossier_history"]) > 300
        assert live["dossier_history.dossier_pending"]  # events of never-registered messages
        assert live["recipient_status.recipient_status_everyone"]  # facts about whole messages
        registered = [ledger.get_message(i) for i in ids]
        registered = [state for state in registered if state.registration is not None]
        assert sum(day["messages"] for day in side.queries.daily_counts(None)) == len(registered)
        # Templates present, and the counts split by category and by template add up.
        assert {s.registration.template for s in registered if s.registration} == {
            None,
            "tpl-invoice",
            "tpl-reminder",
        }
        assert live["daily_counts.daily_group_counts"]
        for by in ("category", "template"):
            split = side.queries.daily_counts(None, by=by)
            assert sum(day["messages"] for day in split) == len(registered)
            groups = side.queries.groups(None, by)
            assert sum(group["messages"] for group in groups) == len(registered)
        # The live views say what the ledger says of every message.
        for message_id in ids:
            assert side.queries.message(message_id, None) == message_json(
                ledger.get_message(message_id)
            )

        assert rebuilt(side) == live
        # The rebuild replaced the views in place: the first read side reads the same rows.
        assert dump_tables(side) == live


def test_rebuilding_one_view_leaves_the_others_where_they_stand(
    database_url: str, ledger: Ledger
) -> None:
    with open_read_side(parse_database_url(database_url), ledger, page_size=7) as side:
        for inputs in rounds_of(seed=7, messages=40, rounds=2):
            write(ledger, inputs)
            side.catch_up()
        live = dump_tables(side)
        positions = {name: model.view.position() for name, model in side.models.items()}

        read = side.rebuild("daily_counts")

        assert read > 0
        assert {name: model.view.position() for name, model in side.models.items()} == positions
        assert dump_tables(side) == live


# --- the final views depend on the set of events only ---------------------------------------


@dataclass(frozen=True)
class Traffic:
    """Each message's inputs in the order they reach the ledger, and how they interleave."""

    per_message: list[list[Input]]
    interleaving: list[int]
    """Message numbers: the k-th occurrence of m stands for message m's k-th input."""
    catch_up_after: list[bool]
    page_size: int

    def recorded(self) -> list[Input]:
        """Every input in the interleaved order, each message's own order kept."""
        taken = [0] * len(self.per_message)
        ordered = []
        for m in self.interleaving:
            ordered.append(self.per_message[m][taken[m]])
            taken[m] += 1
        return ordered


@st.composite
def one_message(draw: st.DrawFn, m: int) -> list[Input]:
    """A message's registration (maybe none, maybe after its events) and a few events."""
    recipients = draw(st.lists(st.sampled_from(ADDRESSES[:5]), min_size=1, max_size=3, unique=True))
    refused = draw(st.booleans()) and draw(st.booleans())
    tenant = draw(st.sampled_from(TENANTS[:2]))
    events: list[Input] = []
    if not refused:
        events = [
            Observation(
                tenant=tenant,
                provider="mailgun",
                provider_message_id=f"h-{m}",
                recipient=draw(st.sampled_from(recipients)),
                kind=draw(st.sampled_from(KINDS)),
                occurred_at=T0 + timedelta(minutes=draw(st.integers(0, 3))),
                event_id=draw(st.sampled_from([None, "e1", "e2", "e3"])),
                details={"reason": "r"} if draw(st.booleans()) else {},
            )
            for _ in range(draw(st.integers(0, 5)))
        ]
        events += draw(st.lists(st.sampled_from(events), max_size=2)) if events else []
    if draw(st.booleans()) or refused:
        send = Send(
            tenant=tenant,
            external_ref=f"ref-{m}",
            recipients=tuple(Recipient(address) for address in recipients),
            sent_at=T0 + timedelta(days=draw(st.integers(0, 1)), minutes=m),
            provider=None if refused else "mailgun",
            provider_message_id=None if refused else f"h-{m}",
            dossier_id=draw(st.sampled_from(DOSSIERS[:3])),
            category=draw(st.sampled_from([None, "billing"])),
            template=draw(st.sampled_from([None, "tpl-invoice"])),
            error="rejected" if refused else None,
        )
        events.insert(draw(st.integers(0, len(events))), send)
    return events


@st.composite
def traffics(draw: st.DrawFn) -> Traffic:
    count = draw(st.integers(1, 4))
    per_message = [draw(one_message(m)) for m in range(count)]
    slots = [m for m, inputs in enumerate(per_message) for _ in inputs]
    return Traffic(
        per_message=per_message,
        interleaving=draw(st.permutations(slots)),
        catch_up_after=draw(st.lists(st.booleans(), min_size=len(slots), max_size=len(slots))),
        page_size=draw(st.integers(1, 10)),
    )


def views_after(
    folder: Path, inputs: Sequence[Input], catch_up_after: Sequence[bool], page_size: int
) -> Dump:
    """The views of a new SQLite database after recording ``inputs`` one at a time."""
    database = parse_database_url(f"sqlite:///{folder / 'ledger.sqlite'}")
    with (
        open_ledger(database) as ledger,
        open_read_side(database, ledger, page_size=page_size, policies=SHARED_KEY) as side,
    ):
        for item, catch_up in zip(inputs, catch_up_after, strict=True):
            write(ledger, [item])
            if catch_up:
                side.catch_up()
        side.catch_up()
        dumped = dump_tables(side)
    # How many times an address was suppressed and reinstated on the way depends on the order
    # its facts arrived in; where it ends up does not.
    for row in dumped["addresses.address_status"]:
        row.pop("version")
    return dumped


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(traffics())
def test_final_views_depend_neither_on_page_size_nor_on_how_messages_interleave(
    tmp_path_factory: pytest.TempPathFactory, traffic: Traffic
) -> None:
    inputs = traffic.recorded()
    interleaved = views_after(
        tmp_path_factory.mktemp("interleaved"), inputs, traffic.catch_up_after, traffic.page_size
    )
    one_after_another = [item for own in traffic.per_message for item in own]
    baseline = views_after(
        tmp_path_factory.mktemp("baseline"),
        one_after_another,
        [False] * len(one_after_another),
        1000,
    )
    assert interleaved == baseline
    assert len(baseline["sent_mail.sent_mail"]) == sum(1 for own in traffic.per_message if own)
