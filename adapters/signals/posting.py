"""One POST of a signal to a checked address, over the standard library's http.client.

The connection goes to the address the URL policy checked, not to a fresh lookup of the
name, while the Host header and TLS (its server name and the certificate check) use the
name. Redirects are not followed: a 3xx is an answer that is not a 2xx, so a failure.

The timeout bounds the whole exchange, not only each read: a receiver that answers a byte
at a time is cut off when it runs out, so it holds the dispatcher no longer than one that
does not answer at all.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
from collections.abc import Callable, Mapping

from adapters.signals.urls import Target

MAX_RESPONSE_BYTES = 64 * 1024
"""What is read of a receiver's answer before the connection is closed: its body is unused."""


class DeadlineError(TimeoutError):
    """The receiver did not answer in full within the timeout."""


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
    def __init__(self, target: Target, timeout: float, tls: ssl.SSLContext | None) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        # The system's trusted certificates, the name checked: http.client's own default.
        self._tls = tls or ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(
    target: Target,
    headers: Mapping[str, str],
    body: bytes,
    timeout: float,
    tls: ssl.SSLContext | None = None,
) -> int:
    """POST ``body`` to ``target``; the status code of the answer. ``tls`` replaces the
    system's trusted certificates (a receiver with a private certificate authority)."""
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(target, timeout, tls)
        if target.scheme == "https"
        else _PinnedHTTPConnection(target, timeout)
    )
    cut = threading.Event()

    def cut_off() -> None:
        cut.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to wake
                sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread

    deadline = threading.Timer(timeout, cut_off)
    deadline.daemon = True
    deadline.start()
    try:
        connection.request("POST", target.path, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        status = response.status
    except (OSError, http.client.HTTPException):
        if cut.is_set():
            raise DeadlineError(f"no complete answer within {timeout:g} s") from None
        raise
    finally:
        deadline.cancel()
        connection.close()
    if cut.is_set():
        raise DeadlineError(f"no complete answer within {timeout:g} s")
    return status
