"""One POST of a signal to a checked address, over the standard library's http.client.

The connection goes to the address the URL policy checked, not to a fresh lookup of the
name, while the Host header and TLS (its server name and the certificate check) use the
name. Redirects are not followed: a 3xx is an answer that is not a 2xx, so a failure.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable, Mapping

from adapters.signals.urls import Target

MAX_RESPONSE_BYTES = 64 * 1024
"""What is read of a receiver's answer before the connection is closed: its body is unused."""

Sender = Callable[[Target, Mapping[str, str], bytes, float], int]
"""Sends a body with headers to a target within a timeout; the status code, OSError or
http.client.HTTPException otherwise."""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(target: Target, headers: Mapping[str, str], body: bytes, timeout: float) -> int:
    """POST ``body`` to ``target``; the status code of the answer."""
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(target, timeout)
        if target.scheme == "https"
        else _PinnedHTTPConnection(target, timeout)
    )
    try:
        connection.request("POST", target.path, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status
    finally:
        connection.close()
