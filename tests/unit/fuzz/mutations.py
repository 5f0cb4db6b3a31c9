"""Hostile variants of real bodies: a field deleted, a type swapped, huge numbers, deep
nesting, control characters, very long strings, bytes cut or flipped.

A body is mutated as a JSON document (one place at a time, one to three times), then
written out again, sometimes with its bytes damaged as well.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.unit.providers.payloads import JUNK

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

Path_ = tuple[str | int, ...]

HUGE_NUMBERS: tuple[Any, ...] = (
    10**400,
    -(10**400),
    2**63,
    2**64,
    -(2**63) - 1,
    1e308,
    -1e308,
    5e-324,
    float("inf"),
    float("-inf"),
    float("nan"),
)
CONTROL_TEXT: tuple[str, ...] = (
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\r\n\t\x0b\x0c",
    "\u2028\u2029",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\x7f\x85",
)
DEEP = "@@deep@@"
"""Stands for a very deep nesting in the document until it is written out."""


def corpus(provider: str) -> list[Path]:
    """Every fixture and corpus body of ``provider``."""
    return sorted(path for path in (FIXTURES / provider).rglob("*.json") if path.is_file())


GENERIC_LINES: list[dict[str, Any]] = [
    {
        "provider": "sendgrid",
        "provider_message_id": "msg-1",
        "recipient": "ana@example.com",
        "event": "delivered",
        "occurred_at": "2026-11-23T09:01:00+00:00",
        "event_id": "msg-1-ana-delivered",
    },
    {
        "provider": "postmark",
        "provider_message_id": "msg-2",
        "recipient": "bo@example.com",
        "event": "hard_bounce",
        "occurred_at": "2026-11-23T09:02:00Z",
        "raw_type": "HardBounce",
        "details": {"smtp": "550 5.1.1"},
        "metadata": {"dossier": "DOS-1"},
    },
    {
        "provider": "ses",
        "provider_message_id": "msg-3",
        "recipient": "cy@example.com",
        "event": "opened",
        "occurred_at": "2026-11-23T09:03:00.250+01:00",
    },
]


def seeds(provider: str) -> list[Any]:
    """The documents a provider's mutations start from: its corpus, or generic lines."""
    if provider == "generic":
        return [GENERIC_LINES, GENERIC_LINES[:1]]
    return [json.loads(path.read_bytes()) for path in corpus(provider)]


def written(provider: str, document: Any, depth: int = 0) -> bytes:
    """The document as a body of ``provider``: JSON, or JSON lines for the generic format;
    the deep-nesting marker becomes ``depth`` nested arrays."""
    if provider == "generic" and isinstance(document, list):
        text = "\n".join(json.dumps(line) for line in document) + "\n"
    else:
        text = json.dumps(document)
    return text.replace(json.dumps(DEEP), "[" * depth + "0" + "]" * depth).encode(
        "utf-8", "surrogatepass"
    )


def _places(document: Any, path: Path_ = ()) -> list[Path_]:
    """Every place in the document, the root included."""
    places = [path]
    if isinstance(document, dict):
        for key, value in document.items():
            places += _places(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            places += _places(value, (*path, index))
    return places


def _replaced(document: Any, path: Path_, change: Callable[[Any], Any] | None) -> Any:
    """A copy of the document with the value at ``path`` changed (None: deleted)."""
    if not path:
        return change(document) if change else None
    result = copy.deepcopy(document)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if change is None:
        del parent[last]
    else:
        parent[last] = change(parent[last])
    return result


@st.composite
def _one_mutation(draw: st.DrawFn, document: Any) -> Any:
    path = draw(st.sampled_from(_places(document)), label="place")
    kind = draw(
        st.sampled_from(["delete", "swap", "huge", "deep", "control", "long", "widen"]),
        label="mutation",
    )
    if kind == "delete":
        return _replaced(document, path, None)
    if kind == "swap":
        value = draw(JUNK)
        return _replaced(document, path, lambda _: value)
    if kind == "huge":
        number = draw(st.sampled_from(HUGE_NUMBERS))
        return _replaced(document, path, lambda _: number)
    if kind == "deep":
        return _replaced(document, path, lambda _: DEEP)
    if kind == "control":
        text = draw(st.sampled_from(CONTROL_TEXT))
        return _replaced(
            document, path, lambda old: f"{old}{text}" if isinstance(old, str) else text
        )
    if kind == "long":
        size = draw(st.sampled_from([1_000, 20_000]))
        return _replaced(document, path, lambda _: "x" * size)
    # widen: a value repeated into a long array, as a batch far bigger than any real one.
    return _replaced(document, path, lambda old: [old] * 10)


@st.composite
def mutated_documents(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with one to three mutations."""
    for _ in range(draw(st.integers(1, 3), label="mutations")):
        document = draw(_one_mutation(document))
    return document


@st.composite
def mutated_bodies(draw: st.DrawFn, provider: str) -> bytes:
    """A body of ``provider``'s corpus with one to three mutations, maybe bytes damaged."""
    document = draw(mutated_documents(draw(st.sampled_from(seeds(provider)), label="seed")))
    depth = draw(st.sampled_from([50, 2_000, 20_000]), label="depth")
    body = written(provider, document, depth)
    damage = draw(st.sampled_from(["none", "none", "none", "cut", "flip", "insert"]))
    if damage == "none" or not body:
        return body
    at = draw(st.integers(0, len(body) - 1), label="at")
    if damage == "cut":
        return body[:at]
    if damage == "flip":
        return body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]
    return body[:at] + draw(st.binary(min_size=1, max_size=8)) + body[at:]
