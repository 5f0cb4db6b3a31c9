"""A tenant's link from a recipient to its contact record on the platform (a CRM, say).

A template is an http(s) URL with the placeholders ``{contact_ref}`` and ``{address}``,
filled with URL-quoted values. The scheme and host are the template's own, never a value's:
a recipient's data can change the path or the query of the link, not where it points.
"""

from __future__ import annotations

from string import Formatter
from urllib.parse import quote, urlsplit

MAX_TEMPLATE_LENGTH = 2000
PLACEHOLDERS = frozenset({"contact_ref", "address"})


class InvalidContactTemplateError(ValueError):
    """A contact URL template that cannot be used; the message says why."""


def placeholders_of(template: str) -> set[str]:
    """The placeholders a template uses; InvalidContactTemplateError for any other field."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError as error:
        raise InvalidContactTemplateError(
            f"the template is malformed ({error}); write a literal brace as '{{{{' or '}}}}'"
        ) from None
    used: set[str] = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise InvalidContactTemplateError(
                f"{shown} is not a placeholder; use {{contact_ref}} or {{address}} only"
            )
        used.add(name)
    return used


def check_template(template: str) -> str:
    """The template, trimmed, when it can be used; InvalidContactTemplateError otherwise."""
    template = template.strip()
    if not template:
        raise InvalidContactTemplateError("the template is empty")
    if len(template) > MAX_TEMPLATE_LENGTH:
        raise InvalidContactTemplateError(
            f"the template has {len(template)} characters; at most {MAX_TEMPLATE_LENGTH}"
        )
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in template):
        raise InvalidContactTemplateError(
            "the template holds a space or a control character; a URL has none"
        )
    placeholders_of(template)
    parts = urlsplit(template)
    if parts.scheme.lower() not in {"http", "https"}:
        raise InvalidContactTemplateError(
            "the template must be an http:// or https:// URL, e.g. "
            "https://crm.example/contacts/{contact_ref}"
        )
    if not parts.netloc or "{" in parts.netloc or "}" in parts.netloc:
        raise InvalidContactTemplateError(
            "the template must name its host itself; placeholders go in the path or the query"
        )
    return template


def contact_url(template: str | None, *, contact_ref: str | None, address: str) -> str | None:
    """The recipient's contact link; None without a template, or when the template needs a
    ``contact_ref`` the recipient does not have."""
    if template is None:
        return None
    used = placeholders_of(template)
    if "contact_ref" in used and contact_ref is None:
        return None
    values = {"contact_ref": quote(contact_ref or "", safe=""), "address": quote(address, safe="")}
    return template.format(**values)
