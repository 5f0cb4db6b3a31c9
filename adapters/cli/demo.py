"""``mailledger demo``: a realistic day of sends, played with real providers' disorder."""

from __future__ import annotations

import random
import tempfile
import zlib
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import click
import orjson

from adapters.access.roles import Role
from adapters.access.users import UserStore
from adapters.cli.presenters import format_list, format_message, format_outcomes
from adapters.cli.sample_traffic import (
    PlannedSend,
    arrival_order,
    observations_of,
    sample_content,
)
from adapters.intake.recording import Batch, record_batch
from adapters.storage.contact_links import ContactLinks
from adapters.storage.contents import ContentStore
from adapters.storage.database import open_ledger, parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from domain.values import Recipient, RecipientType, Send, utc_now
from projections.address_queries import SuppressionQuery
from projections.queries import MessageQuery, every_item
from projections.signal_outbox import OUTBOX_TABLE, Signal, signals_after
from projections.signals import SignalDecisions

_DAY = [
    # hours before now, tenant, dossier, category, subject, sender, provider, recipients+scenarios
    (
        7.5,
        "acme-travel",
        "BK-2026-0412",
        "invoice",
        "Invoice INV-2026-0981 for your trip to Lisbon",
        "billing@acme-travel.example",
        "sendgrid",
        [
            ("ana.silva@mail.example", "opened"),
            ("finance@silva-family.example", "late_hard_bounce"),
            ("archive@acme-travel.example", "delivered"),
        ],
    ),
    (
        7.0,
        "acme-travel",
        "BK-2026-0412",
        "reminder",
        "Reminder: balance due in 14 days",
        "billing@acme-travel.example",
        "brevo",
        [("ana.silva@mail.example", "clicked")],
    ),
    (
        6.2,
        "northwind-legal",
        "CASE-77-031",
        "contract",
        "Engagement letter ready for signature",
        "contracts@northwind-legal.example",
        "postmark",
        [("j.doe@corp.example", "soft_then_delivered"), ("legal@corp.example", "opened")],
    ),
    (
        5.5,
        "northwind-legal",
        "CASE-77-031",
        "invitation",
        "Invitation: case review, Thursday 10:00",
        "office@northwind-legal.example",
        "mailgun",
        [
            ("j.doe@corp.example", "delivered"),
            ("m.kim@corp.example", "hard_bounce"),
            ("counsel@partner-firm.example", "spam"),
        ],
    ),
    (
        4.8,
        "acme-travel",
        "BK-2026-0519",
        "invoice",
        "Invoice INV-2026-0994 for your stay in Porto",
        "billing@acme-travel.example",
        "ses",
        [("li.wei@mail.example", "blocked"), ("li.wei@work.example", "invalid")],
    ),
    (
        3.9,
        "acme-travel",
        "BK-2026-0519",
        "confirmation",
        "Your booking is confirmed",
        "bookings@acme-travel.example",
        "sendgrid",
        [("li.wei@mail.example", "clicked")],
    ),
    (
        2.5,
        "northwind-legal",
        "CASE-80-002",
        "contract",
        "Settlement agreement for signature",
        "contracts@northwind-legal.example",
        "postmark",
        [("p.novak@client.example", "opened"), ("cc-desk@client.example", "deferred")],
    ),
    (
        1.2,
        "acme-travel",
        "BK-2026-0600",
        "reminder",
        "Your option on Hotel Miramar expires tomorrow",
        "bookings@acme-travel.example",
        "brevo",
        [("r.costa@mail.example", "unsubscribed")],
    ),
    (
        26.0,
        "acme-travel",
        "BK-2026-0377",
        "invoice",
        "Invoice INV-2026-0950 (final)",
        "billing@acme-travel.example",
        "mailgun",
        [("t.berg@mail.example", "opened")],
    ),
    (
        30.0,
        "northwind-legal",
        "CASE-77-031",
        "invitation",
        "Kick-off meeting invitation",
        "office@northwind-legal.example",
        "sendgrid",
        [("j.doe@corp.example", "clicked"), ("legal@corp.example", "delivered")],
    ),
]


def demo_day() -> list[PlannedSend]:
    """The demo's sends, placed relative to now so the list reads like today's log."""
    now = utc_now().replace(second=0, microsecond=0)
    planned = []
    for n, (hours, tenant, dossier, category, subject, sender, provider, recipients) in enumerate(
        _DAY
    ):
        send = Send(
            tenant=tenant,
            external_ref=f"{category}-{dossier}-{n}",
            recipients=tuple(
                Recipient(address, RecipientType.TO, contact_ref=contact_ref_of(address))
                for address, _ in recipients
            ),
            sent_at=now - timedelta(hours=hours),
            provider=provider,
            provider_message_id=f"<{n:04d}.{provider}.demo@mail.example>"
            if provider in ("mailgun", "ses")
            else f"demo{n:04d}{provider}",
            dossier_id=dossier,
            category=category,
            subject=subject,
            sender=sender,
            content=sample_content(category, subject, dossier, sender),
        )
        planned.append(PlannedSend(send, tuple(scenario for _, scenario in recipients)))
    return planned


def contact_ref_of(address: str) -> str | None:
    """The platform's contact id of a customer (its own mailboxes are no contacts)."""
    if address.split("@", 1)[1].startswith(("acme-travel", "northwind-legal")):
        return None
    return f"C-{zlib.crc32(address.encode()) % 9000 + 1000}"


DEMO_PEOPLE = (
    ("acme-travel", "clerk@acme-travel.example", Role.ADMIN, "Camille Clerk"),
    ("northwind-legal", "office@northwind-legal.example", Role.VIEWER, "Noor Office"),
)
"""Who can sign in to the console on the demo data: organisation, e-mail, role, name."""
DEMO_CONTACT_LINK = "https://crm.{tenant}.example/contacts/{{contact_ref}}"
"""Where each demo organisation keeps its contact records, for the console to link to."""
DEMO_PASSWORD = "lisbon-porto-2026"
"""Their password: the demo's data is made up and served on loopback only."""


@click.command()
@click.option("--seed", default=7, show_default=True, help="Seed of the arrival disorder.")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write demo.sqlite (a new folder; by default a temporary one).",
)
@click.option(
    "--console-url",
    help="Where the console will be served: printed with the sign-in for the demo data.",
)
def demo(seed: int, folder: Path | None, console_url: str | None) -> None:
    """Play a realistic day into a fresh SQLite ledger and show what users would see."""
    rng = random.Random(seed)
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="mailledger-demo-"))
    elif (folder / "demo.sqlite").exists():
        raise click.ClickException(f"{folder / 'demo.sqlite'} exists: give a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    database = parse_database_url(f"sqlite:///{folder / 'demo.sqlite'}")
    planned = demo_day()
    now = utc_now()
    refused = Send(
        tenant="acme-travel",
        external_ref="invoice-BK-2026-0611",
        recipients=(Recipient("no-reply@invalid-domain"),),
        sent_at=now - timedelta(minutes=40),
        dossier_id="BK-2026-0611",
        category="invoice",
        subject="Invoice INV-2026-1003",
        sender="billing@acme-travel.example",
        error="provider refused the send: recipient domain has no MX record",
        content=sample_content(
            "invoice", "Invoice INV-2026-1003", "BK-2026-0611", "billing@acme-travel.example"
        ),
    )
    events = [o for p in planned for o in observations_of(p, until=now)]
    arriving = arrival_order(events, rng, duplicate_share=0.2)
    with open_ledger(database) as ledger, ContentStore(database) as contents:
        # Some webhooks beat the platform's registration: the first batch lands before it.
        early, late = arriving[: len(arriving) // 3], arriving[len(arriving) // 3 :]
        recorded = ledger.record(early)
        # The copies of the e-mails are kept before the registrations that reference them.
        record_batch(ledger, Batch(sends=[p.send for p in planned] + [refused]), contents=contents)
        for start in range(0, len(late), 7):
            recorded += ledger.record(late[start : start + 7])
        duplicates = sum(r.duplicate for r in recorded)
        with open_read_side(database, ledger) as side:
            side.catch_up()
            items = list(every_item(side.queries, MessageQuery(tenant=None, failed_only=False)))
            alert_id = next(i["id"] for i in items if (i["external_ref"] or "").endswith("-0"))
            alert = side.queries.message(UUID(alert_id), tenant=None)
            assert alert is not None
            suppressed = side.address_queries.suppressions(
                SuppressionQuery(tenant="acme-travel", now=now)
            ).items
            signals = _signals(side)
    today = now.astimezone()
    click.echo(f"A day of sends on a fresh SQLite ledger: {database.url}")
    click.echo(
        f"Registered {len(planned) + 1} sends; {len(arriving)} provider events arrived "
        f"shuffled, {duplicates} of them duplicates (ignored), a third before their registration.\n"
    )
    click.echo("Sent-mail list, all messages, newest first:")
    click.echo(format_list(items, today))
    click.echo(f"\nOutcomes  {format_outcomes(items)}\n")
    click.echo("Timeline of an alert message (a late hard bounce after delivery):")
    click.echo(format_message(alert))
    click.echo("\nSuppressed addresses of acme-travel (the pre-send check refuses them):")
    for item in suppressed:
        click.echo(f"  {item['reason']:<14}  {item['address']}")
    click.echo(f"\nSignals decided ({len(signals)}), for webhook subscriptions and Kafka:")
    for signal in signals[:6]:
        click.echo(f"  {signal.kind:<32}  {signal.tenant:<16}  {_subject(signal)}")
    click.echo(
        "\nExplore it yourself:\n"
        f"  mailledger --database {database.url} messages          # failed only\n"
        f"  mailledger --database {database.url} history {alert_id}\n"
        f"  mailledger --database {database.url} suppressions --tenant acme-travel"
    )
    with UserStore(database) as users, ContactLinks(database) as links:
        for tenant, email, role, name in DEMO_PEOPLE:
            users.create(tenant, email, role, DEMO_PASSWORD, name=name)
            links.set(tenant, DEMO_CONTACT_LINK.format(tenant=tenant), by="demo")
    if console_url:
        tenant, email, role, _ = DEMO_PEOPLE[0]
        click.echo(
            f"\nThe web console: {console_url}\n"
            f"  Sign in with organisation {tenant}, e-mail {email}, password {DEMO_PASSWORD}\n"
            f"  ({DEMO_PEOPLE[1][1]} of {DEMO_PEOPLE[1][0]}, same password, sees only its own.)"
        )


def _signals(side: ReadSide) -> list[Signal]:
    view = side.models[SignalDecisions.name].view
    with view.reading() as tx:
        return signals_after(tx, view.table(OUTBOX_TABLE), 0, 1000)


def _subject(signal: Signal) -> str:
    """What the signal is about, in a few words."""
    document = orjson.loads(signal.body)
    if "address" in document:
        return f"{document['address']['address']} ({document['address']['reason']})"
    message = document["message"]
    return str(message["subject"] or message["provider_message_id"])
