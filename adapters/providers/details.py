"""The names under which every provider's facts are kept in an observation's details.

One vocabulary for all providers, so that a bounce reason or a clicked URL is found in the
same place whoever reported it. Keys a provider has no value for are left out.
"""

from __future__ import annotations

from typing import Any


def details(
    *,
    smtp_code: int | None = None,
    smtp_status: str | None = None,
    diagnostic: str | None = None,
    reason: str | None = None,
    bounce_type: str | None = None,
    bounce_subtype: str | None = None,
    remote_mta: str | None = None,
    attempt: int | None = None,
    url: str | None = None,
    user_agent: str | None = None,
    ip: str | None = None,
    machine_open: bool | None = None,
    proxy_open: bool | None = None,
    feedback_type: str | None = None,
    sending_ip: str | None = None,
    tags: list[str] | None = None,
    subject: str | None = None,
    sender: str | None = None,
) -> dict[str, Any]:
    """An observation's details in mailledger's names, without the values that are missing.

    - ``smtp_code``: the basic reply code (550); ``smtp_status``: the enhanced one ("5.1.1");
      ``diagnostic``: the SMTP response or the provider's diagnostic text;
    - ``reason``: the provider's own explanation (why it dropped, blocked or failed);
    - ``bounce_type`` / ``bounce_subtype``: the provider's bounce class and finer class;
    - ``remote_mta``: the receiving server; ``attempt``: the attempt number of a deferral;
    - ``url``, ``user_agent``, ``ip``: the clicked link and who opened or clicked;
    - ``machine_open``: a machine's open (e.g. Apple Mail Privacy Protection);
      ``proxy_open``: an open through an image proxy (e.g. Gmail's);
    - ``feedback_type``: a complaint's feedback type; ``sending_ip``: the provider's IP;
    - ``tags``, ``subject``, ``sender``: the send as the provider reports it.
    """
    given = {
        "smtp_code": smtp_code,
        "smtp_status": smtp_status,
        "diagnostic": diagnostic,
        "reason": reason,
        "bounce_type": bounce_type,
        "bounce_subtype": bounce_subtype,
        "remote_mta": remote_mta,
        "attempt": attempt,
        "url": url,
        "user_agent": user_agent,
        "ip": ip,
        "machine_open": machine_open,
        "proxy_open": proxy_open,
        "feedback_type": feedback_type,
        "sending_ip": sending_ip,
        "tags": tags,
        "subject": subject,
        "sender": sender,
    }
    return {key: value for key, value in given.items() if value is not None and value != ""}
