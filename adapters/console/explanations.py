"""What each step of sending and receipt means, for the people who read a message's history.

``explain`` turns a delivery event (its kind and the provider's details, named as in
docs/providers.md) into a title, one sentence, the likely causes of a failure and the facts
worth showing, all in the language of the ``_`` it is given. When the details say why an
e-mail was rejected (the enhanced status, else the SMTP code, else the provider's words),
that cause alone is given; when nothing says which, every likely cause of the kind is listed.
It never raises: an unknown kind gets a neutral sentence naming it, odd details are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.console.i18n import N_, Gettext, status_name
from domain.kinds import MACHINE_OPEN, EventKind


@dataclass(frozen=True, slots=True)
class Explanation:
    """An event as people read it: what happened, why it may have, and the provider's facts."""

    title: str
    sentence: str
    causes: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]


# The likely causes, each worded once.
MAILBOX_FULL = N_("The recipient's mailbox is full.")
UNKNOWN_MAILBOX = N_("The address does not exist at the recipient's mail provider.")
UNKNOWN_DOMAIN = N_("The domain of the address does not exist or does not receive e-mail.")
REFUSED_BY_POLICY = N_(
    "The receiving server refused the e-mail by its rules: filtering, or the sender is blocked."
)
FILTERING = N_("The receiving server's filtering is holding the e-mail back for now.")
SERVER_OFFLINE = N_("The receiving server is offline, unreachable or overloaded.")
CONTENT = N_("The receiving server refused the content of the e-mail (size, attachment, text).")
SUPPRESSED = N_(
    "The address is blocked after an earlier hard bounce, spam complaint or unsubscription."
)
PROVIDER_POLICY = N_("The provider's own rules stopped the sending.")
MALFORMED_ADDRESS = N_("The address is misspelt or incomplete.")
NO_SUCH_ADDRESS = N_("A check of the address found that it cannot receive e-mail.")

_TEMPORARY_CAUSES = (MAILBOX_FULL, SERVER_OFFLINE, CONTENT, FILTERING)
_PERMANENT_CAUSES = (UNKNOWN_MAILBOX, UNKNOWN_DOMAIN, REFUSED_BY_POLICY)

_SENTENCES: dict[str, str] = {
    EventKind.QUEUED: N_("The e-mail is waiting at the provider to be sent."),
    EventKind.SENT: N_(
        "The provider accepted the e-mail and is passing it on to the recipient's server."
    ),
    EventKind.DELIVERED: N_(
        "The recipient's mail server accepted the e-mail: it has arrived, "
        "which does not mean it has been read."
    ),
    EventKind.DEFERRED: N_(
        "The recipient's server temporarily rejected the e-mail; the provider will try again."
    ),
    EventKind.SOFT_BOUNCE: N_(
        "The recipient's server temporarily rejected the e-mail (soft bounce); "
        "the provider will try again and it may still arrive."
    ),
    "delayed": N_(
        "The delivery is delayed: the provider is still trying to reach the recipient's server."
    ),
    EventKind.HARD_BOUNCE: N_(
        "The recipient's server permanently rejected the e-mail (hard bounce): "
        "it will not be delivered to this address."
    ),
    EventKind.OPENED: N_("The recipient opened the e-mail."),
    EventKind.CLICKED: N_("The recipient clicked a link in the e-mail."),
    EventKind.SPAM: N_("The recipient reported the e-mail as spam to their mail provider."),
    EventKind.BLOCKED: N_(
        "The provider did not send the e-mail to this address, "
        "for instance because the address is suppressed."
    ),
    EventKind.INVALID_EMAIL: N_(
        "The address is not a valid e-mail address: the e-mail was not sent."
    ),
    EventKind.UNSUBSCRIBED: N_(
        "The recipient unsubscribed: they no longer wish to receive e-mails of this kind."
    ),
    EventKind.ERROR: N_("The provider could not send the e-mail because of an error."),
}

MACHINE_OPENED = N_(
    "The e-mail was opened by a privacy protection or a security scanner, "
    "not necessarily by a person."
)
CLICKED_URL = N_("The recipient clicked a link in the e-mail: %(url)s")
UNKNOWN_KIND = N_("The provider reported an event the console does not know: %(kind)s.")

_LIKELY_CAUSES: dict[str, tuple[str, ...]] = {
    EventKind.DEFERRED: _TEMPORARY_CAUSES,
    EventKind.SOFT_BOUNCE: _TEMPORARY_CAUSES,
    "delayed": _TEMPORARY_CAUSES,
    EventKind.HARD_BOUNCE: _PERMANENT_CAUSES,
    EventKind.BLOCKED: (SUPPRESSED, PROVIDER_POLICY),
    EventKind.INVALID_EMAIL: (MALFORMED_ADDRESS, NO_SUCH_ADDRESS),
}
"""What a kind's failure may be due to, when the details do not say which."""

_CAUSES_FROM_DETAILS = frozenset(
    {EventKind.DEFERRED, EventKind.SOFT_BOUNCE, "delayed", EventKind.HARD_BOUNCE, EventKind.ERROR}
)
"""Kinds where the receiving server's reply, when there is one, says why."""


def explain(kind: str, details: Mapping[str, object], _: Gettext) -> Explanation:
    """A delivery event explained in the language of ``_`` (a catalogue's gettext)."""
    kind = str(kind)
    details = details if isinstance(details, Mapping) else {}
    return Explanation(
        title=status_name(kind, _),
        sentence=_sentence(kind, details, _),
        causes=tuple(_(cause) for cause in _causes(kind, details)),
        facts=_facts(details, _),
    )


def _sentence(kind: str, details: Mapping[str, object], _: Gettext) -> str:
    if kind == EventKind.OPENED and details.get(MACHINE_OPEN) is True:
        return _(MACHINE_OPENED)
    if kind == EventKind.CLICKED and (url := _text(details.get("url"))):
        return _fill(_, CLICKED_URL, url=url)
    sentence = _SENTENCES.get(kind)
    return _(sentence) if sentence is not None else _fill(_, UNKNOWN_KIND, kind=kind)


def _fill(_: Gettext, message: str, **values: str) -> str:
    """A translated message with its placeholders filled; a translation that broke them
    falls back to the source text rather than failing the page."""
    try:
        return _(message) % values
    except (KeyError, ValueError, TypeError):
        return message % values


def _causes(kind: str, details: Mapping[str, object]) -> tuple[str, ...]:
    if kind in _CAUSES_FROM_DETAILS:
        told = likely_cause(details)
        if told is not None:
            return (told,)
    return _LIKELY_CAUSES.get(kind, ())


def likely_cause(details: Mapping[str, object]) -> str | None:
    """The cause the details name (untranslated), or None: the enhanced status first, then the
    SMTP code, then the provider's words."""
    return (
        _cause_of_status(details.get("smtp_status"))
        or _cause_of_code(details.get("smtp_code"))
        or _cause_of_words(details)
    )


_STATUS = re.compile(r"\s*([245])\.(\d{1,3})\.(\d{1,3})(?!\d)")

_STATUS_CAUSES: dict[tuple[str, str], str] = {
    ("1", "0"): UNKNOWN_MAILBOX,
    ("1", "1"): UNKNOWN_MAILBOX,
    ("1", "3"): UNKNOWN_MAILBOX,  # bad address syntax
    ("1", "6"): UNKNOWN_MAILBOX,  # mailbox has moved
    ("2", "1"): UNKNOWN_MAILBOX,  # mailbox disabled
    ("1", "2"): UNKNOWN_DOMAIN,
    ("1", "10"): UNKNOWN_DOMAIN,  # the domain accepts no mail (null MX)
    ("2", "2"): MAILBOX_FULL,
    ("3", "4"): CONTENT,  # message too big for the system
    ("2", "3"): CONTENT,  # message too long for the mailbox
}
"""Enhanced statuses (RFC 3463) by subject and detail, whatever their class."""


def _cause_of_status(value: object) -> str | None:
    if not isinstance(value, str) or not (match := _STATUS.match(value)):
        return None
    klass, subject, detail = match.groups()
    if (klass, subject, detail) == ("5", "4", "4"):
        return UNKNOWN_DOMAIN  # unable to route: no server for the domain
    if (told := _STATUS_CAUSES.get((subject, detail))) is not None:
        return told
    if subject == "7":
        return REFUSED_BY_POLICY if klass == "5" else FILTERING
    if subject == "4":
        return SERVER_OFFLINE
    if subject == "6":
        return CONTENT
    return None


_CODE_CAUSES: dict[int, str] = {
    421: SERVER_OFFLINE,
    452: MAILBOX_FULL,
    552: MAILBOX_FULL,
    551: UNKNOWN_MAILBOX,
    553: UNKNOWN_MAILBOX,
}
"""Basic SMTP codes that say one thing; 550 and 554 cover too much to pick a cause."""


def _cause_of_code(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return _CODE_CAUSES.get(value) if isinstance(value, int) else None


_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (MAILBOX_FULL, ("mailbox full", "mailbox is full", "quota", "insufficient storage")),
    (
        UNKNOWN_DOMAIN,
        (
            "domain not found",
            "unknown domain",
            "domain does not exist",
            "no such domain",
            "host not found",
            "host unknown",
            "nxdomain",
            "no mx",
            "unrouteable",
            "dns error",
        ),
    ),
    (
        UNKNOWN_MAILBOX,
        (
            "user unknown",
            "unknown user",
            "recipient unknown",
            "unknown recipient",
            "does not exist",
            "no such user",
            "no such recipient",
            "mailbox not found",
            "mailbox unavailable",
            "invalid recipient",
            "invalid mailbox",
            "no email",
        ),
    ),
    (
        CONTENT,
        ("too large", "too big", "message size", "content rejected", "attachment", "virus"),
    ),
    (FILTERING, ("greylist", "graylist", "rate limit", "throttl", "too many")),
    (
        REFUSED_BY_POLICY,
        ("blocked", "blacklist", "blocklist", "policy", "spam", "denied", "reputation"),
    ),
    (
        SERVER_OFFLINE,
        (
            "timed out",
            "timeout",
            "connection refused",
            "unreachable",
            "try again later",
            "temporarily unavailable",
            "service unavailable",
        ),
    ),
)
"""The provider's words for each cause, looked for in this order: a domain that "does not
exist" is the domain's fault before the mailbox's."""

_WORD_SOURCES = ("diagnostic", "reason", "bounce_subtype", "bounce_type")


def _cause_of_words(details: Mapping[str, object]) -> str | None:
    said = " ".join(_squashed(details.get(key)) for key in _WORD_SOURCES).strip()
    if not said:
        return None
    for cause, words in _WORDS:
        if any(_squashed(word) in said for word in words):
            return cause
    return None


def _squashed(value: object) -> str:
    """Lower-case letters and digits only, so "MailboxFull", "mailbox_full" and
    "Mailbox full" read alike."""
    return re.sub(r"[^0-9a-z]+", "", value.lower()) if isinstance(value, str) else ""


_FACT_LABELS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("smtp_code",), N_("SMTP code")),
    (("smtp_status",), N_("Enhanced status")),
    (("diagnostic",), N_("Diagnostic")),
    (("reason",), N_("Reason")),
    (("bounce_type", "bounce_subtype"), N_("Bounce class")),
    (("remote_mta",), N_("Receiving server")),
    (("url",), N_("Clicked link")),
    ((MACHINE_OPEN,), N_("Opened by a machine")),
    (("attempt",), N_("Attempt")),
)
"""The details shown to people, in this order, under these labels; a label with two keys
shows both values ("Permanent / General")."""

YES = N_("Yes")


def _facts(details: Mapping[str, object], _: Gettext) -> tuple[tuple[str, str], ...]:
    """The provider's facts worth showing, labelled; only those present."""
    facts: list[tuple[str, str]] = []
    for keys, label in _FACT_LABELS:
        text = " / ".join(value for key in keys if (value := _shown(key, details, _)))
        if text:
            facts.append((_(label), text))
    return tuple(facts)


def _shown(key: str, details: Mapping[str, object], _: Gettext) -> str:
    if key == MACHINE_OPEN:
        return _(YES) if details.get(key) is True else ""
    return _text(details.get(key))


def _text(value: object) -> str:
    """A detail as text: strings, numbers and lists of them; anything else is not shown."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(text for item in value if (text := _text(item)))
    return ""
