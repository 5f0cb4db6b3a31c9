"""Every provider format mailledger reads, by the name the CLI and the API use."""

from __future__ import annotations

from collections.abc import Callable

from adapters.providers import brevo, generic, mailgun, postmark, sendgrid, ses, sparkpost
from adapters.providers.parsed import Parsed

Parser = Callable[[bytes], Parsed]

PARSERS: dict[str, Parser] = {
    brevo.NAME: brevo.parse,
    mailgun.NAME: mailgun.parse,
    postmark.NAME: postmark.parse,
    sendgrid.NAME: sendgrid.parse,
    ses.NAME: ses.parse,
    sparkpost.NAME: sparkpost.parse,
    generic.NAME: generic.parse,
}
"""Parsers by provider name; ``generic`` is mailledger's own JSON-lines format."""

PROVIDER_NAMES: tuple[str, ...] = tuple(PARSERS)

WEBHOOK_PROVIDERS: tuple[str, ...] = tuple(name for name in PARSERS if name != generic.NAME)
"""The providers whose webhook bodies mailledger reads as they post them."""


def parser_for(provider: str) -> Parser:
    """The parser of ``provider``; an unknown name is a ValueError listing the known ones."""
    try:
        return PARSERS[provider]
    except KeyError:
        raise ValueError(
            f"unknown provider {provider!r}; expected one of {', '.join(PROVIDER_NAMES)}"
        ) from None
