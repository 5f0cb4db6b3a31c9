"""The console's languages: which one a request gets, its catalogue, and the Jinja2 set-up.

English is the source language: every msgid is the English text, so English needs no
catalogue. The French catalogue is read from its ``.po`` file at first use (no compile step,
no binary ``.mo`` in the repository), then kept for the life of the process.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from adapters.console import moments
from domain.kinds import EventKind, Outcome

LANGUAGES = ("en", "fr")
"""The languages the console speaks, the source language first."""

SOURCE_LANGUAGE = LANGUAGES[0]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

Gettext = Callable[[str], str]

_MAX_RANGES = 32
"""Language ranges of one Accept-Language header looked at; browsers send a handful."""

_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")
_QUALITY = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def N_(message: str) -> str:  # noqa: N802 - the name extraction and translators know
    """Marks a literal for extraction; it is translated where it is shown."""
    return message


def supported(language: object) -> str | None:
    """The console's language for a tag (``fr-CA`` → ``fr``), or None when it has none."""
    if not isinstance(language, str) or not _TAG.fullmatch(language.strip()):
        return None
    primary = re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()
    return primary if primary in LANGUAGES else None


def negotiate(accept_language: str | None, chosen: str | None) -> str:
    """The language of a response: the one chosen (cookie, preference) when the console has
    it, else the best of Accept-Language by quality, else English. Never raises."""
    picked = supported(chosen)
    if picked is not None:
        return picked
    if not isinstance(accept_language, str):
        return SOURCE_LANGUAGE
    named: dict[str, float] = {}
    wildcard: float | None = None
    for item in accept_language.split(",")[:_MAX_RANGES]:
        tag, quality = _range(item)
        if tag is None:
            continue
        if tag == "*":
            wildcard = quality if wildcard is None else wildcard
            continue
        language = supported(tag)
        if language is not None:
            # "fr-CA;q=0.2, fr" accepts French at 1: a language is worth its best range.
            named[language] = max(quality, named.get(language, 0.0))
    if wildcard is not None:
        # "*" stands for every language not named, English included.
        for language in LANGUAGES:
            named.setdefault(language, wildcard)
    # Stable: of equal quality, the one the header names first.
    ranked = sorted(
        (language for language, quality in named.items() if quality > 0),
        key=lambda language: -named[language],
    )
    return ranked[0] if ranked else SOURCE_LANGUAGE


def _range(item: str) -> tuple[str | None, float]:
    """One ``tag;q=0.8`` of the header; a malformed one gives no tag."""
    tag, _, parameters = item.strip().partition(";")
    tag = tag.strip()
    if tag != "*" and not _TAG.fullmatch(tag):
        return None, 0.0
    quality = 1.0
    for parameter in parameters.split(";") if parameters else ():
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() != "q":
            continue
        if not _QUALITY.fullmatch(value.strip()):
            return None, 0.0
        quality = float(value.strip())
    return tag, quality


def translations(language: str) -> Translations | gettext.NullTranslations:
    """The catalogue of a language (English, or a language the console lacks: none)."""
    language = supported(language) or SOURCE_LANGUAGE
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return _catalogue(language)


@lru_cache(maxsize=len(LANGUAGES))
def _catalogue(language: str) -> Translations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    # Compiled in memory: gettext reads only the .mo form, and fuzzy entries stay untranslated.
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


STATUS_NAMES: dict[str, str] = {
    EventKind.QUEUED: N_("Queued"),
    EventKind.SENT: N_("Sent"),
    EventKind.DEFERRED: N_("Deferred"),
    EventKind.SOFT_BOUNCE: N_("Soft bounce"),
    EventKind.DELIVERED: N_("Delivered"),
    EventKind.OPENED: N_("Opened"),
    EventKind.CLICKED: N_("Clicked"),
    EventKind.UNSUBSCRIBED: N_("Unsubscribed"),
    EventKind.SPAM: N_("Marked as spam"),
    EventKind.BLOCKED: N_("Blocked"),
    EventKind.INVALID_EMAIL: N_("Invalid address"),
    EventKind.HARD_BOUNCE: N_("Hard bounce"),
    EventKind.ERROR: N_("Error"),
    # Not a kind of the domain: some providers' word for a deferral, explained all the same.
    "delayed": N_("Delayed"),
}
"""Each delivery event's name as people say it, untranslated."""

OUTCOME_NAMES: dict[str, str] = {
    Outcome.PENDING: N_("In progress"),
    Outcome.DELIVERED: N_("Delivered"),
    Outcome.ALERT: N_("Alert: some recipients failed"),
    Outcome.ERROR: N_("Failed: not delivered"),
}
"""Each message outcome's name as people say it, untranslated."""


def status_name(kind: object, _: Gettext) -> str:
    """A delivery event's name in the language of ``_``; an unknown kind is named as given."""
    name = STATUS_NAMES.get(str(kind))
    return _(name) if name is not None else str(kind)


def outcome_name(outcome: object, _: Gettext) -> str:
    """A message outcome's name in the language of ``_``; an unknown one is named as given."""
    name = OUTCOME_NAMES.get(str(outcome))
    return _(name) if name is not None else str(outcome)


def environment(loader: jinja2.BaseLoader, language: str) -> jinja2.Environment:
    """A Jinja2 environment that speaks ``language``: ``_()``, ``{% trans %}`` (trimmed, as
    extraction reads them), and the filters ``when``, ``full``, ``status_name``,
    ``outcome_name``. Built once per language."""
    language = supported(language) or SOURCE_LANGUAGE
    catalogue = translations(language)
    env = jinja2.Environment(
        loader=loader,
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = _when_filter(language)
    env.filters["full"] = _full_filter(language)
    env.filters["status_name"] = partial(status_name, _=catalogue.gettext)
    env.filters["outcome_name"] = partial(outcome_name, _=catalogue.gettext)
    env.globals["language"] = language
    return env


def _when_filter(language: str) -> Callable[[datetime, datetime, ZoneInfo], str]:
    def when(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
        """``{{ event.at|when(now, zone) }}``: the time if today, else the date."""
        return moments.when(moment, now, zone, language)

    return when


def _full_filter(language: str) -> Callable[[datetime, ZoneInfo], str]:
    def full(moment: datetime, zone: ZoneInfo) -> str:
        """``{{ event.at|full(zone) }}``: date, time and the zone's abbreviation."""
        return moments.full(moment, zone, language)

    return full
