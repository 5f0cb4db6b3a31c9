"""The names under which every provider's facts are kept in an observation's details.

One vocabulary for all providers, so that a bounce reason or a clicked URL is found in the
same place whoever reported it. Keys a provider has no value for are left out.
"""

from __future__ import annotations

from typing import Any, TypedDict, Unpack


class DetailValues(TypedDict, total=False):
    """The vocabulary; a value of None (or "") means the provider did not say.

    - ``smtp_code``: the basic reply code (550); ``smtp_status``: the enhanced one ("5.1.1");
      ``diagnostic``: the SMTP response or the provider's diagnostic text;
    - ``reason``: the provider's own explanation (why it dropped, blocked or failed);
    - ``bounce_type`` / ``bounce_subtype``: the provider's bounce class and finer class;
    - ``remote_mta``: the receiving server; ``attempt``: the attempt number of a deferral;
    - ``url``, ``user_agent``, ``ip``: the clicked link and who opened or clicked;
    - ``machine`` (``domain.kinds.MACHINE_OPEN``): True on an open a machine made, not a
      person (Apple Mail Privacy Protection, a privacy proxy, a scanner); read models leave
      such opens out of open counts; ``proxy_open``: an open through an image proxy;
    - ``feedback_type``: a complaint's feedback type; ``sending_ip``: the provider's IP;
    - ``tags``, ``subject``, ``sender``: the send as the provider reports it.
    """

    smtp_code: int | None
    smtp_status: str | None
    diagnostic: str | None
    reason: str | None
    bounce_type: str | None
    bounce_subtype: str | None
    remote_mta: str | None
    attempt: int | None
    url: str | None
    user_agent: str | None
    ip: str | None
    machine: bool | None
    proxy_open: bool | None
    feedback_type: str | None
    sending_ip: str | None
    tags: list[str] | None
    subject: str | None
    sender: str | None


def details(**values: Unpack[DetailValues]) -> dict[str, Any]:
    """An observation's details in mailledger's names, without the values that are missing."""
    return {key: value for key, value in values.items() if value is not None and value != ""}
