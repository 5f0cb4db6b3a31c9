"""The French catalogue has every message of the console, translated and reviewed.

The messages are extracted here as scripts/translations extracts them (babel.cfg, Babel's
Python extractor and Jinja2's), so a string added to a page or a module without its French
breaks the build, named with where it is. Run scripts/translations, translate, commit.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from adapters.console.i18n import LANGUAGES, LOCALE_DIR, translations

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
PLACEHOLDER = re.compile(r"%\([^)]+\)[#0 +-]?\d*(?:\.\d+)?[a-zA-Z]|\{[^{}]*\}")


def extracted(root: Path = ROOT) -> dict[str, str]:
    """Every msgid under ``root`` as babel.cfg maps it, with where it first appears."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids[:1]:
            if msgid:
                found.setdefault(msgid, f"{filename}:{line}")
    return found


def catalogue(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def texts(value: object) -> tuple[str, ...]:
    """A msgid's or msgstr's forms: one, or a plural's several."""
    forms = value if isinstance(value, tuple | list) else (value,)
    return tuple(form if isinstance(form, str) else "" for form in forms)


def strings(message: Message) -> tuple[str, ...]:
    return texts(message.string)


def test_extraction_sees_the_console_modules() -> None:
    messages = extracted()

    assert "Soft bounce" in messages
    assert messages["Alert: some recipients failed"].startswith("adapters/console/i18n.py:")
    assert any(where.startswith("adapters/console/explanations.py:") for where in messages.values())


def test_extraction_sees_templates_as_the_console_renders_them(tmp_path: Path) -> None:
    templates = tmp_path / "adapters" / "console" / "templates" / "pages"
    templates.mkdir(parents=True)
    (templates / "page.html").write_text(
        "<h1>{{ _('Messages') }}</h1>\n"
        "{% trans count=n %}\n  One message\n{% pluralize %}\n  {{ count }} messages\n"
        "{% endtrans %}\n",
        encoding="utf-8",
    )

    # Trimmed, as the environment renders {% trans %} blocks: the msgid a page looks up.
    assert set(extracted(tmp_path)) == {"Messages", "One message"}


def untranslated(messages: dict[str, str], po: Catalog) -> list[str]:
    """Each message the catalogue lacks, leaves empty or has fuzzy, named with where it is."""
    problems = []
    for msgid, where in sorted(messages.items(), key=lambda item: item[1]):
        entry = po.get(msgid)
        if entry is None or not all(strings(entry)):
            problems.append(f"{where}: no {po.locale} translation for {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"{where}: the {po.locale} translation of {msgid!r} is fuzzy")
    return problems


def lost_placeholders(po: Catalog) -> list[str]:
    """Each translation that drops a ``%(name)s`` or ``{name}`` of its msgid. A plural's
    forms are taken together: "Un message" may leave the count out."""
    problems = []
    for entry in po:
        if not entry.id:
            continue
        wanted = {
            placeholder for msgid in texts(entry.id) for placeholder in PLACEHOLDER.findall(msgid)
        }
        if not any(strings(entry)):
            continue
        found = {
            placeholder for text in strings(entry) for placeholder in PLACEHOLDER.findall(text)
        }
        if missing := wanted - found:
            problems.append(f"{po.locale}: {entry.id!r} → {entry.string!r} lacks {sorted(missing)}")
    return problems


def test_every_message_has_a_reviewed_translation_in_each_language() -> None:
    messages = extracted()
    for language in LANGUAGES[1:]:
        problems = untranslated(messages, catalogue(language))

        assert not problems, "run scripts/translations and translate:\n" + "\n".join(problems)


def test_the_check_names_a_missing_an_empty_and_a_fuzzy_translation() -> None:
    po = Catalog(locale="fr")
    po.add("Sent", "Envoyé")
    po.add("Opened", "")
    po.add("Clicked", "Cliqué", flags=("fuzzy",))
    messages = {"Sent": "a.py:1", "Opened": "a.py:2", "Clicked": "b.html:3", "Queued": "c.py:4"}

    assert untranslated(messages, po) == [
        "a.py:2: no fr translation for 'Opened'",
        "b.html:3: the fr translation of 'Clicked' is fuzzy",
        "c.py:4: no fr translation for 'Queued'",
    ]


def test_the_template_catalogue_is_up_to_date() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        template = read_po(pot)

    stale = sorted(msgid for msgid in extracted() if template.get(msgid) is None)

    assert not stale, f"messages.pot lacks {stale}: run scripts/translations"


def test_every_placeholder_of_a_message_is_in_its_translations() -> None:
    for language in LANGUAGES[1:]:
        problems = lost_placeholders(catalogue(language))

        assert not problems, "\n".join(problems)


def test_the_placeholder_check_sees_both_forms_and_plurals() -> None:
    po = Catalog(locale="fr")
    po.add("Clicked %(url)s", "Cliqué")
    po.add("Hello {name}", "Bonjour {nom}")
    po.add(("One message", "%(count)s messages"), ("Un message", "%(count)s messages"))
    po.add(("%(count)s hour", "%(count)s hours"), ("une heure", "des heures"))

    assert lost_placeholders(po) == [
        "fr: 'Clicked %(url)s' → 'Cliqué' lacks ['%(url)s']",
        "fr: 'Hello {name}' → 'Bonjour {nom}' lacks ['{name}']",
        "fr: ('%(count)s hour', '%(count)s hours') → ('une heure', 'des heures')"
        " lacks ['%(count)s']",
    ]


def test_the_catalogue_is_read_from_the_po_file_without_a_compile_step() -> None:
    assert not list(LOCALE_DIR.rglob("*.mo"))
    assert translations("fr").gettext("Soft bounce") == "Rejet temporaire"
    assert translations("fr") is translations("fr")
