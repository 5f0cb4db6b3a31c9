"""The JSON shapes of the API, for validation of requests and the OpenAPI document.

Responses reuse the command line's JSON (``show``, ``messages --json``, ``history --json``),
so times are ISO-8601 text as the presenters write them. Rows of the views may carry more
fields than named here; they are passed through.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from adapters.access.roles import Role


class ErrorDetail(BaseModel):
    """What went wrong, and where."""

    status: int = Field(examples=[404])
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no message 6f1c… of this tenant"])
    where: str | None = Field(
        description="The part of the request at fault: path.ref, query.limit, body[0].tenant.",
        examples=["path.ref"],
    )
    request_id: str = Field(description="Also in the X-Request-ID header; quote it in reports.")


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer."""

    error: ErrorDetail


class Health(BaseModel):
    """The server answers."""

    status: Literal["ok"] = "ok"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class MessageRow(_Open):
    """One row of the sent-mail list."""

    id: str
    sent_at: str | None
    tenant: str | None
    dossier_id: str | None
    external_ref: str | None = None
    provider: str | None = None
    provider_message_id: str | None = None
    subject: str | None
    sender: str | None
    recipients: list[str]
    tags: list[str] = Field(default_factory=list)
    registered: bool = True
    last_status: str
    outcome: str
    counts: dict[str, int] = Field(
        default_factory=dict, description="Recipients per current status."
    )


class MessagePage(BaseModel):
    """A page of the sent-mail list, newest first."""

    items: list[MessageRow]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: last.")


class KindTimes(BaseModel):
    """When a recipient first and last had an event of one kind, and how often."""

    first: str
    last: str
    count: int


class Fact(BaseModel):
    """One provider event of a recipient."""

    kind: str
    occurred_at: str
    event_id: str | None
    raw_type: str | None
    details: dict[str, Any]


class RecipientDetail(BaseModel):
    """A recipient, its status and timeline."""

    address: str
    type: str
    contact_ref: str | None = Field(
        default=None, description="The platform's id of the contact record, when registered."
    )
    contact_url: str | None = Field(
        default=None,
        description="The tenant's contact link filled in (GET /v1/settings/contact-link); "
        "null without a template, or when it needs a contact_ref the recipient has not.",
    )
    status: str
    delivered: bool
    failed: bool
    times: dict[str, KindTimes]
    events: list[Fact]


class ContentSummary(BaseModel):
    """What is kept of the e-mail as sent; the copy itself: GET /v1/messages/{ref}/content."""

    sha256: str
    size: int = Field(description="UTF-8 bytes of the text and the HTML body together.")
    has_text: bool
    has_html: bool
    attachments: int


class AttachmentOut(BaseModel):
    """An attachment the e-mail named: never its bytes."""

    name: str
    size: int
    content_type: str | None


class MessageContentOut(BaseModel):
    """The copy of the e-mail as sent."""

    message_id: str
    subject: str | None
    text: str | None
    html: str | None
    attachments: list[AttachmentOut]
    sha256: str
    size: int


class ContactLinkOut(BaseModel):
    """The tenant's contact URL template; null: none set."""

    template: str | None
    updated_at: str | None
    updated_by: str | None


class MessageDetail(_Open):
    """A message as ``mailledger show --json`` prints it."""

    id: str
    provider: str | None
    provider_message_id: str | None
    tenant: str | None
    external_ref: str | None
    dossier_id: str | None
    category: str | None
    template: str | None
    subject: str | None
    sender: str | None
    tags: list[str]
    error: str | None
    sent_at: str | None
    registered: bool
    outcome: str
    last_status: str
    version: int
    content: ContentSummary | None = Field(
        default=None, description="null: no copy of the e-mail was registered."
    )
    recipients: list[RecipientDetail]


class StoredEvent(BaseModel):
    """One stored event of a message, as auditors read it."""

    version: int
    type: str
    recorded_at: str | None
    payload: dict[str, Any]


class MessageHistory(BaseModel):
    """Every stored event of a message, in log order."""

    message_id: str
    events: list[StoredEvent]


class AsOf(BaseModel):
    """Which state: at a moment (``at``, as asked) or at a version; ``version`` is the state's."""

    at: str | None
    version: int


class MessageStateAt(BaseModel):
    """A message's state as of a version or a moment."""

    message_id: str
    as_of: AsOf
    state: MessageDetail


class DossierEvent(_Open):
    """One provider event of a message of the dossier."""

    occurred_at: str
    message_id: str
    version: int
    kind: str
    recipient: str | None
    event_id: str | None
    raw_type: str | None
    details: dict[str, Any]


class DossierPage(BaseModel):
    """A page of a dossier's events, oldest first."""

    items: list[DossierEvent]
    next_cursor: str | None


class Day(_Open):
    """One day's sends (by sent time, UTC) and what became of their recipients."""

    day: str = Field(examples=["2026-11-23"])
    messages: int
    recipients: int
    delivered: int
    failed: int
    bounced: int
    soft_bounced: int
    hard_bounced: int
    opened: int
    clicked: int
    complaints: int
    delivery_rate: float | None = Field(description="delivered / recipients; null without any.")
    bounce_rate: float | None = Field(description="bounced / recipients.")
    open_rate: float | None = Field(description="opened / delivered.")


class DailyStats(BaseModel):
    """One row per day, oldest first, with counts and rates; with ``by=category`` (or
    ``template``), one row per day and value, the value under ``category`` (or ``template``),
    null for the sends without one."""

    days: list[Day]


class CategoryCount(BaseModel):
    """A category and how many of the tenant's sends had it."""

    category: str | None = Field(description="null: the sends registered without one.")
    messages: int
    failed: int = Field(description="Of these, messages where some recipient failed.")


class CategoryList(BaseModel):
    """Every category of the tenant's sends in the range, by name, null last."""

    items: list[CategoryCount]


class TemplateCount(BaseModel):
    """A template and how many of the tenant's sends were rendered from it."""

    template: str | None = Field(description="null: the sends from no template.")
    messages: int
    failed: int = Field(description="Of these, messages where some recipient failed.")


class TemplateList(BaseModel):
    """Every template of the tenant's sends in the range, by name, null last."""

    items: list[TemplateCount]


class RegisteredItem(BaseModel):
    """What became of one send."""

    id: str
    external_ref: str
    recorded: bool = Field(description="False: the same registration was already stored.")


class Registered(BaseModel):
    """Sends stored, one item per send in the order posted."""

    items: list[RegisteredItem]


class AcceptedItem(BaseModel):
    """A send put on the registrations topic."""

    id: str
    external_ref: str


class RegistrationsAccepted(BaseModel):
    """Sends acknowledged by Kafka; the consumer records them."""

    records: int
    items: list[AcceptedItem]


class WebhookRecorded(BaseModel):
    """A webhook body stored."""

    recorded: int = Field(description="Observations that were new.")
    duplicates: int = Field(description="Observations already stored (provider retries).")
    skipped: int = Field(description="Events that record nothing (see docs/providers.md).")
    quarantined: int = Field(
        default=0,
        description="Events that could not be read, kept for an admin to see and replay "
        "(GET /v1/quarantine); the rest of the body was recorded.",
    )


class WebhookAccepted(BaseModel):
    """A webhook body acknowledged by Kafka; the consumer records it."""

    records: int
    events: int


class KeyOut(BaseModel):
    """An API key, never its secret."""

    key_id: str
    tenant: str
    role: Role
    label: str
    created_at: str
    revoked_at: str | None


class KeyList(BaseModel):
    """The tenant's keys, oldest first, revoked ones too."""

    items: list[KeyOut]


class KeyRequest(BaseModel):
    """A key to issue for the caller's tenant."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    label: str = ""


class KeyIssued(BaseModel):
    """A new key and its token, shown this once."""

    key: KeyOut
    token: str = Field(description="The bearer token; only its hash is stored.")


class SubscriptionOut(BaseModel):
    """A webhook subscription, never its secret."""

    id: str
    tenant: str
    url: str
    kinds: list[str] = Field(description="The signal kinds it takes; empty: every kind.")
    category: str | None
    template: str | None
    active: bool = Field(description="False once disabled after failing for 24 hours.")
    failures: int = Field(description="Failed attempts since the last success.")
    failing_since: str | None
    paused_until: str | None = Field(description="No attempt before then (the backoff).")
    disabled_at: str | None
    created_at: str


class SubscriptionList(BaseModel):
    """The tenant's subscriptions, oldest first."""

    items: list[SubscriptionOut]


class SubscriptionRequest(BaseModel):
    """A webhook subscription to create for the caller's tenant."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        description="https, to a public address; http only to loopback when the server allows it."
    )
    kinds: list[str] = Field(
        default_factory=list,
        description="Signal kinds to receive (message.alert, message.error, "
        "recipient.failed_after_delivery, address.suppressed, subscription.disabled); "
        "empty: every kind.",
    )
    category: str | None = Field(default=None, description="Only messages of this category.")
    template: str | None = Field(default=None, description="Only messages of this template.")


class SubscriptionCreated(BaseModel):
    """A new subscription and the secret that signs its deliveries, shown this once."""

    subscription: SubscriptionOut
    secret: str = Field(description="Verify Mailledger-Signature with it; not shown again.")


class DeliveryAttemptOut(BaseModel):
    """One attempt to deliver a signal to a subscription."""

    subscription_id: str
    signal_id: str
    attempt: int
    at: str
    status: int | None = Field(description="The receiver's status code; null: no answer.")
    error: str | None = Field(description="Why there was no answer: timeout, refused, URL.")
    outcome: Literal["delivered", "retrying", "failed"]
    next_attempt_at: str | None


class DeliveryPage(BaseModel):
    """A page of a subscription's delivery log, newest first."""

    items: list[DeliveryAttemptOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: last.")
