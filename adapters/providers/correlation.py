"""Our own identifiers, as the platform attached them to a send and the provider echoes them.

A platform sets them in the provider's custom fields (SendGrid custom_args, Mailgun
user-variables, Postmark Metadata, SES message tags, Brevo X-Mailin-custom or tags,
SparkPost rcpt_meta), either under the plain names or with a ``mailledger_`` prefix where
the plain name is already taken by the platform's own use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_KEYS = {
    "tenant": "tenant",
    "dossier_id": "dossier_id",
    "dossier": "dossier_id",
    "external_ref": "external_ref",
}
CORRELATION_KEYS: dict[str, str] = {
    **_KEYS,
    **{f"mailledger_{name}": target for name, target in _KEYS.items()},
}


def correlation(fields: Mapping[str, Any] | None) -> dict[str, str]:
    """The tenant, dossier and external reference found in ``fields``, as event metadata.

    Values that are not text or numbers are ignored: custom fields belong to the platform,
    and a shape we do not expect there must not make a delivery fact unreadable.
    """
    if not fields:
        return {}
    found: dict[str, str] = {}
    for key, target in CORRELATION_KEYS.items():
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            found.setdefault(target, value.strip())
        elif isinstance(value, int) and not isinstance(value, bool):
            found.setdefault(target, str(value))
    return found
