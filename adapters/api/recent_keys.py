"""Keys recently authenticated, so a busy client does not cost a key lookup per request.

A lookup is a database round trip under the key store's lock: on the read routes it was a
fifth of a request's time. A key revoked through this server is forgotten at once; one
revoked elsewhere (``mailledger keys revoke``, another server) stops working within
``TTL_SECONDS``.
"""

from __future__ import annotations

import hashlib
import threading
import time

from adapters.access.keys import ApiKey

TTL_SECONDS = 2.0
"""How long a successful authentication is trusted without asking the key store again."""

MAX_KEYS = 10_000
"""Entries kept at most; the cache is emptied when it is full (keys are few in practice)."""


class RecentKeys:
    """Successful authentications of the last ``TTL_SECONDS``, by the token's hash."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[float, ApiKey]] = {}

    def get(self, token: str) -> ApiKey | None:
        """The key this token authenticated as within the TTL, else None."""
        with self._lock:
            found = self._keys.get(_digest(token))
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def remember(self, token: str, key: ApiKey) -> None:
        with self._lock:
            if len(self._keys) >= MAX_KEYS:
                self._keys.clear()
            self._keys[_digest(token)] = (time.monotonic() + self._ttl, key)

    def forget(self, key_id: str) -> None:
        """Drop every entry of that key (it was just revoked)."""
        with self._lock:
            for digest in [d for d, (_, key) in self._keys.items() if key.key_id == key_id]:
                del self._keys[digest]


def _digest(token: str) -> str:
    # Kept by hash, as the key store keeps them: the process memory holds no token.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
