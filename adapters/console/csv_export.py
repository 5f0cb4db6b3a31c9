"""The sent-mail log as CSV: the filtered list, one line per e-mail, written as it is read.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula; subjects and addresses come from outside, so such a cell is written
with a leading apostrophe (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from domain.values import utc_now
from projections.queries import ReadModels

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_BATCH = 200
"""Messages whose recipients' statuses are read in one query."""


def export_name(tenant: str) -> str:
    """The file's name: the tenant and the moment, nothing a header could be split with."""
    return f"sent-mail-{_SAFE_NAME.sub('-', tenant)}-{utc_now():%Y%m%d-%H%M%S}.csv"


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def csv_lines(
    items: Iterable[dict[str, Any]], queries: ReadModels, _: Callable[[str], str]
) -> Iterator[bytes]:
    """The header, then a line per message with its recipients' statuses, as UTF-8 bytes
    (with a byte-order mark, so spreadsheets open accents right)."""
    header = [
        _("Sent at (UTC)"),
        _("Result"),
        _("Last status"),
        _("Subject"),
        _("Sender"),
        _("Recipients"),
        _("Dossier"),
        _("Reference"),
        _("Provider"),
        _("Message id"),
    ]
    yield "\ufeff".encode() + _line(header)
    rows = iter(items)
    while batch := list(islice(rows, _BATCH)):
        statuses = queries.recipient_statuses([item["id"] for item in batch])
        for item in batch:
            recipients = "; ".join(
                f"{r['address']} ({r['status'] or '-'})" for r in statuses.get(item["id"], [])
            )
            yield _line(
                [
                    item["sent_at"] or "",
                    item["outcome"],
                    item["last_status"],
                    item["subject"],
                    item["sender"],
                    recipients or ", ".join(item["recipients"]),
                    item["dossier_id"],
                    item["external_ref"],
                    item["provider"],
                    item["id"],
                ]
            )


def _line(cells: Sequence[object]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([safe_cell(cell) for cell in cells])
    return out.getvalue().encode("utf-8")
