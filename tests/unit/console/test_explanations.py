"""Each delivery event explained to people, in English and French, with its likely cause."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.console.explanations import (
    CONTENT,
    FILTERING,
    MAILBOX_FULL,
    REFUSED_BY_POLICY,
    SERVER_OFFLINE,
    UNKNOWN_DOMAIN,
    UNKNOWN_MAILBOX,
    Explanation,
    explain,
    likely_cause,
)
from adapters.console.i18n import translations
from domain.kinds import MACHINE_OPEN, EventKind

FRENCH = translations("fr").gettext
ENGLISH = translations("en").gettext

KINDS = [*(str(kind) for kind in EventKind), "delayed"]

ENGLISH_WORDS = re.compile(
    r"\b(the|was|has|been|and|not|by|of|to|is|it|its|their|they|this|that|will|from|with|"
    r"provider|server|recipient|mailbox|address|link|delivered|opened|clicked|rejected|"
    r"bounce|sent|unknown|does|because|again|person|offline)\b",
    re.IGNORECASE,
)
"""Words of the English texts that French never uses ("e-mail" and "spam" it does)."""


def english_in(text: str) -> list[str]:
    return ENGLISH_WORDS.findall(text)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_own_sentence_in_both_languages(kind: str) -> None:
    english, french = explain(kind, {}, ENGLISH), explain(kind, {}, FRENCH)

    assert english.title and french.title and english.sentence and french.sentence
    assert "console does not know" not in english.sentence
    assert french.sentence != english.sentence
    assert french.title != english.title
    assert english_in(french.sentence) == [], french.sentence
    for cause in french.causes:
        assert english_in(cause) == [], cause
    assert len(french.causes) == len(english.causes)


def test_the_sentences_of_kinds_differ() -> None:
    sentences = [explain(kind, {}, FRENCH).sentence for kind in KINDS]

    assert len(set(sentences)) == len(sentences)


@pytest.mark.parametrize(
    ("details", "english"),
    [
        ({MACHINE_OPEN: True}, "a privacy protection or a security scanner"),
        ({"url": "https://x.example/offer?id=1"}, "https://x.example/offer?id=1"),
    ],
)
def test_some_sentences_depend_on_the_details(details: Mapping[str, object], english: str) -> None:
    kind = EventKind.OPENED if MACHINE_OPEN in details else EventKind.CLICKED
    plain, particular = explain(kind, {}, ENGLISH), explain(kind, details, ENGLISH)
    french = explain(kind, details, FRENCH)

    assert english in particular.sentence
    assert plain.sentence != particular.sentence
    assert english_in(french.sentence.replace(str(details.get("url", "")), "")) == []


def test_a_machine_open_is_not_said_to_be_the_recipients() -> None:
    explained = explain("opened", {MACHINE_OPEN: True, "user_agent": "Mozilla/5.0"}, FRENCH)

    assert explained.sentence == (
        "L'e-mail a été ouvert par un dispositif de protection de la vie privée ou par un "
        "logiciel d'analyse de sécurité, pas forcément par une personne."
    )
    assert explained.facts == (("Ouverture automatique", "Oui"),)
    assert explain("opened", {MACHINE_OPEN: "yes"}, ENGLISH).sentence == (
        "The recipient opened the e-mail."
    )


def test_the_main_sentences_read_as_people_say_them() -> None:
    assert explain("soft_bounce", {}, FRENCH) == Explanation(
        title="Rejet temporaire",
        sentence="Le serveur du destinataire a temporairement refusé l'e-mail (rejet temporaire)"
        "\u202f; le prestataire d'envoi va réessayer et l'e-mail peut encore arriver.",
        causes=(
            "La boîte de réception du destinataire est pleine.",
            "Le serveur destinataire est hors service, injoignable ou surchargé.",
            "Le serveur destinataire a refusé le contenu de l'e-mail "
            "(taille, pièce jointe, texte).",
            "Le filtrage du serveur destinataire retient l'e-mail pour le moment.",
        ),
        facts=(),
    )
    hard = explain("hard_bounce", {}, ENGLISH)
    assert "permanently rejected" in hard.sentence
    assert hard.causes == (UNKNOWN_MAILBOX, UNKNOWN_DOMAIN, REFUSED_BY_POLICY)
    assert "try again" in explain("deferred", {}, ENGLISH).sentence
    assert "suppressed" in explain("blocked", {}, ENGLISH).sentence


@pytest.mark.parametrize(
    ("status", "cause"),
    [
        ("5.1.1", UNKNOWN_MAILBOX),
        ("5.1.0", UNKNOWN_MAILBOX),
        ("5.1.2", UNKNOWN_DOMAIN),
        ("5.4.4", UNKNOWN_DOMAIN),
        ("5.1.10", UNKNOWN_DOMAIN),
        ("4.2.2", MAILBOX_FULL),
        ("5.2.2", MAILBOX_FULL),
        ("5.7.1", REFUSED_BY_POLICY),
        ("5.7.26", REFUSED_BY_POLICY),
        ("4.7.0", FILTERING),
        ("4.4.1", SERVER_OFFLINE),
        ("4.4.7", SERVER_OFFLINE),
        ("5.6.0", CONTENT),
        ("5.3.4", CONTENT),
        (" 5.1.1 (user unknown)", UNKNOWN_MAILBOX),
    ],
)
def test_the_enhanced_status_says_the_cause(status: str, cause: str) -> None:
    assert likely_cause({"smtp_status": status}) == cause
    assert explain("hard_bounce", {"smtp_status": status}, ENGLISH).causes == (cause,)


@pytest.mark.parametrize(
    ("code", "cause"),
    [(552, MAILBOX_FULL), ("452", MAILBOX_FULL), (421, SERVER_OFFLINE), (551, UNKNOWN_MAILBOX)],
)
def test_without_a_status_the_smtp_code_says_it(code: object, cause: str) -> None:
    assert likely_cause({"smtp_code": code}) == cause


@pytest.mark.parametrize(
    ("details", "cause"),
    [
        ({"diagnostic": "smtp; 550 Requested action not taken: mailbox full"}, MAILBOX_FULL),
        ({"reason": "Over quota"}, MAILBOX_FULL),
        ({"diagnostic": "550 User unknown in virtual mailbox table"}, UNKNOWN_MAILBOX),
        ({"reason": "The email account that you tried to reach does not exist."}, UNKNOWN_MAILBOX),
        ({"reason": "Domain does not exist"}, UNKNOWN_DOMAIN),
        ({"diagnostic": "Host not found"}, UNKNOWN_DOMAIN),
        ({"diagnostic": "554 Message rejected: blocked by Spamhaus"}, REFUSED_BY_POLICY),
        ({"diagnostic": "Connection timed out"}, SERVER_OFFLINE),
        ({"diagnostic": "Greylisted, please try again in 5 minutes"}, FILTERING),
        ({"bounce_type": "Transient", "bounce_subtype": "MailboxFull"}, MAILBOX_FULL),
        ({"bounce_type": "Permanent", "bounce_subtype": "NoEmail"}, UNKNOWN_MAILBOX),
        ({"bounce_type": "Transient", "bounce_subtype": "MessageTooLarge"}, CONTENT),
    ],
)
def test_without_status_or_code_the_providers_words_say_it(
    details: Mapping[str, object], cause: str
) -> None:
    assert likely_cause(details) == cause


def test_the_status_comes_before_the_code_and_the_code_before_the_words() -> None:
    assert likely_cause({"smtp_status": "5.2.2", "smtp_code": 551, "reason": "user unknown"}) == (
        MAILBOX_FULL
    )
    assert likely_cause({"smtp_code": 552, "reason": "user unknown"}) == MAILBOX_FULL
    # A status or a code that says nothing particular leaves the choice to what follows.
    assert likely_cause({"smtp_status": "5.0.0", "smtp_code": 550, "reason": "user unknown"}) == (
        UNKNOWN_MAILBOX
    )


def test_when_nothing_says_which_every_likely_cause_is_listed() -> None:
    vague = {"smtp_status": "4.0.0", "smtp_code": 450, "diagnostic": "Try later, sorry"}

    assert likely_cause(vague) is None
    assert len(explain("deferred", vague, FRENCH).causes) == 4
    assert explain("delivered", vague, ENGLISH).causes == ()


def test_a_picked_cause_is_translated() -> None:
    explained = explain("soft_bounce", {"smtp_status": "4.2.2"}, FRENCH)

    assert explained.causes == ("La boîte de réception du destinataire est pleine.",)


def test_the_facts_are_labelled_in_order_and_only_those_present() -> None:
    details = {
        "attempt": 3,
        "url": "https://x.example/",
        "remote_mta": "mx.x.example",
        "bounce_subtype": "General",
        "bounce_type": "Permanent",
        "reason": "Bounced",
        "diagnostic": "smtp; 550 5.1.1 user unknown",
        "smtp_status": "5.1.1",
        "smtp_code": 550,
        MACHINE_OPEN: True,
        "user_agent": "not shown",
        "tags": ["not", "shown"],
    }

    assert explain("hard_bounce", details, FRENCH).facts == (
        ("Code SMTP", "550"),
        ("Code d'état étendu", "5.1.1"),
        ("Diagnostic", "smtp; 550 5.1.1 user unknown"),
        ("Motif", "Bounced"),
        ("Type de rejet", "Permanent / General"),
        ("Serveur destinataire", "mx.x.example"),
        ("Lien cliqué", "https://x.example/"),
        ("Ouverture automatique", "Oui"),
        ("Tentative", "3"),
    )
    assert explain("deferred", {"attempt": 2, "bounce_subtype": "MailboxFull"}, ENGLISH).facts == (
        ("Bounce class", "MailboxFull"),
        ("Attempt", "2"),
    )
    assert explain("delivered", {}, ENGLISH).facts == ()


@pytest.mark.parametrize(
    "details",
    [
        {"smtp_status": 511, "smtp_code": True, "diagnostic": None, "reason": b"bytes"},
        {"smtp_status": ["5.1.1"], "smtp_code": 5.5, "diagnostic": {"nested": 1}},
        {"smtp_code": "", "attempt": object(), "url": ["https://a.example", 2]},
        {MACHINE_OPEN: "true", "bounce_type": 7},
    ],
)
def test_odd_detail_types_are_shown_when_they_read_as_text_and_never_raise(
    details: Mapping[str, object],
) -> None:
    for kind in KINDS:
        explained = explain(kind, details, FRENCH)
        assert explained.sentence
        assert all(label and value for label, value in explained.facts)


def test_not_a_mapping_is_no_details() -> None:
    assert explain("hard_bounce", None, ENGLISH) == explain("hard_bounce", {}, ENGLISH)  # type: ignore[arg-type]


def test_an_unknown_kind_gets_a_neutral_sentence_naming_it() -> None:
    english, french = explain("teleported", {}, ENGLISH), explain("teleported", {}, FRENCH)

    assert (
        english.sentence == "The provider reported an event the console does not know: teleported."
    )
    assert french.sentence == (
        "Le prestataire d'envoi a signalé un événement que la console ne connaît pas\u00a0: "
        "teleported."
    )
    assert (english.title, english.causes, english.facts) == ("teleported", (), ())
    assert explain(None, {}, FRENCH).title == "None"  # type: ignore[arg-type]


def test_a_translation_that_broke_its_placeholder_falls_back_to_english() -> None:
    def broken(message: str) -> str:
        return "Cliqué : %(lien)s" if "%(url)s" in message else message

    assert explain("clicked", {"url": "https://x.example/"}, broken).sentence == (
        "The recipient clicked a link in the e-mail: https://x.example/"
    )


DETAIL_KEYS = st.sampled_from(
    [
        *("smtp_code", "smtp_status", "diagnostic", "reason", "bounce_type", "bounce_subtype"),
        *("remote_mta", "url", "attempt", MACHINE_OPEN, "other"),
    ]
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=5,
)


@given(st.sampled_from([*KINDS, "", "x"]), st.dictionaries(DETAIL_KEYS, VALUES))
def test_explain_never_raises(kind: str, details: dict[str, object]) -> None:
    for gettext in (ENGLISH, FRENCH):
        explained = explain(kind, details, gettext)
        assert isinstance(explained.sentence, str)
        assert all(isinstance(value, str) for _, value in explained.facts)
