"""Our identifiers and SES's own values, from an e-mail's message tags or its tags header."""

from __future__ import annotations

from adapters.providers.correlation import CORRELATION_KEYS, correlation
from adapters.providers.ses.payload import Header, MailWithHeaders

_TAGS_HEADER = "x-ses-message-tags"


def metadata_of(mail: MailWithHeaders) -> dict[str, str]:
    """Our identifiers from the message tags (first value of each), else the tags header.

    Only a record read with its headers has ``mail.headers`` (see _record).
    """
    tags = mail.get("tags")
    if tags is not None:
        firsts = {
            key: value[0] if isinstance(value, list) and value else value
            for key, value in tags.items()
            if key in CORRELATION_KEYS
        }
        return correlation(firsts)
    headers = mail.get("headers")
    return correlation(header_tags(headers)) if headers else {}


def header_tags(headers: list[Header] | None) -> dict[str, str]:
    """The ``X-SES-MESSAGE-TAGS: name=value, name=value`` header of the original e-mail.

    Notifications of an identity carry no ``tags``; they carry the original headers when the
    identity is set to include them, and a sender that tags through SMTP sets this header.
    """
    for header in headers or ():
        if header["name"].lower() == _TAGS_HEADER:
            pairs = (item.partition("=") for item in header["value"].split(","))
            return {name.strip(): value.strip() for name, sep, value in pairs if sep}
    return {}


def first_tag(mail: MailWithHeaders, name: str) -> str | None:
    """The first value of one of SES's own tags (``ses:outgoing-ip``...)."""
    values = (mail.get("tags") or {}).get(name)
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return None
