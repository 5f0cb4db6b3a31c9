"""Two tenants whose provider message ids collide never meet: whatever the interleaving of
their registrations and events, each tenant's views are exactly what they would be if the
other tenant did not exist."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.intake.recording import Batch, record_batch
from adapters.storage.database import parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from domain.kinds import EventKind
from domain.values import Observation, Recipient, Send
from projections.queries import MAX_PAGE_SIZE, MessageQuery
from tests.conftest import T0

TENANTS = ("acme", "globex")
IDS = ("msg-1", "msg-2", "msg-3")
"""Provider message ids both tenants use: every one of them collides."""
ADDRESSES = ("ana@example.com", "bob@example.org", "cy@example.net")

Item = tuple[str, Send | Observation]
"""A tenant and what it records: a registration or a provider event."""


def _send(
    tenant: str,
    provider_message_id: str,
    recipients: Sequence[str],
    subject: str,
    template: str | None = None,
) -> Send:
    return Send(
        tenant=tenant,
        external_ref=f"{tenant}-{provider_message_id}",
        recipients=tuple(Recipient(a) for a in recipients),
        sent_at=T0,
        provider="sendgrid",
        provider_message_id=provider_message_id,
        dossier_id=f"DOS-{provider_message_id}",
        subject=subject,
        sender=f"billing@{tenant}.example",
        # Categories and templates of the same names in both tenants, and one of each's own.
        category=subject.lower(),
        template=template,
    )


@st.composite
def items_of(draw: st.DrawFn, tenant: str) -> list[Item]:
    """One tenant's registrations and events, in the order that tenant sends them."""
    items: list[Item] = []
    for provider_message_id in draw(st.lists(st.sampled_from(IDS), unique=True)):
        recipients = draw(st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=2, unique=True))
        subject = draw(st.sampled_from(["Invoice", "Contract", "Reminder"]))
        template = draw(st.sampled_from([None, "tpl-shared", f"tpl-{tenant}"]))
        items.append((tenant, _send(tenant, provider_message_id, recipients, subject, template)))
    events = st.builds(
        Observation,
        provider=st.just("sendgrid"),
        provider_message_id=st.sampled_from(IDS),
        recipient=st.sampled_from(ADDRESSES),
        kind=st.sampled_from(list(EventKind)),
        occurred_at=st.integers(0, 600).map(lambda m: T0 + timedelta(minutes=m)),
        tenant=st.just(tenant),
    )
    items += [(tenant, o) for o in draw(st.lists(events, max_size=12))]
    return draw(st.permutations(items))


@st.composite
def interleavings(draw: st.DrawFn) -> tuple[list[Item], list[Item], list[Item]]:
    """Each tenant's items, and one interleaving of both that keeps each tenant's order."""
    first, second = draw(items_of(TENANTS[0])), draw(items_of(TENANTS[1]))
    turns = draw(st.permutations([0] * len(first) + [1] * len(second)))
    queues = [list(first), list(second)]
    merged = [queues[turn].pop(0) for turn in turns]
    return first, second, merged


def _record(side: ReadSide, items: Sequence[Item]) -> None:
    assert side.ledger is not None
    for _, item in items:
        batch = Batch(sends=[item]) if isinstance(item, Send) else Batch(observations=[item])
        record_batch(side.ledger, batch)
    side.catch_up()


def _views_of(side: ReadSide, tenant: str) -> dict[str, Any]:
    """Everything a tenant can read: its list, each message, its dossiers, its day counts,
    its categories and templates and their counts, its lists by template."""
    queries = side.queries
    listed = queries.list_messages(_all_of(tenant)).items
    messages = {item["id"]: queries.message(UUID(item["id"]), tenant) for item in listed}
    dossiers = {
        item["dossier_id"]: queries.dossier_history(tenant, item["dossier_id"]).items
        for item in listed
        if item["dossier_id"]
    }
    return {
        "list": listed,
        "messages": messages,
        "dossiers": dossiers,
        "daily": queries.daily_counts(tenant),
        "daily by category": queries.daily_counts(tenant, by="category"),
        "daily by template": queries.daily_counts(tenant, by="template"),
        "categories": queries.groups(tenant, "category"),
        "templates": queries.groups(tenant, "template"),
        "by template": {
            template: queries.list_messages(replace(_all_of(tenant), template=template)).items
            for template in ("tpl-shared", *(f"tpl-{name}" for name in TENANTS))
        },
        "templated": queries.list_messages(replace(_all_of(tenant), templated=True)).items,
    }


def _all_of(tenant: str) -> MessageQuery:
    return MessageQuery(tenant=tenant, failed_only=False, limit=MAX_PAGE_SIZE)


def _side(folder: Path, name: str) -> ReadSide:
    # The read side opens its own ledger, and closes it with the views.
    return open_read_side(parse_database_url(f"sqlite:///{folder / name}.sqlite"))


@settings(max_examples=40, deadline=None)
@given(interleavings())
def test_each_tenants_views_are_as_if_the_other_did_not_exist(
    scenario: tuple[list[Item], list[Item], list[Item]],
) -> None:
    first, second, merged = scenario
    with tempfile.TemporaryDirectory() as folder:
        together, alone_first, alone_second = (
            _side(Path(folder), name) for name in ("together", "first", "second")
        )
        try:
            _record(together, merged)
            _record(alone_first, first)
            _record(alone_second, second)
            assert _views_of(together, TENANTS[0]) == _views_of(alone_first, TENANTS[0])
            assert _views_of(together, TENANTS[1]) == _views_of(alone_second, TENANTS[1])
        finally:
            for side in (together, alone_first, alone_second):
                side.close()
