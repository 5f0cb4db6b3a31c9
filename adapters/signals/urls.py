"""Where a webhook may go: https to a public address, nothing internal (SSRF).

A subscription's URL is checked when it is created and again right before every delivery,
since the name may resolve elsewhere by then (DNS rebinding). The delivery connects to the
address that was checked, never to a second lookup of the name.

Refused, unless a network is allowed by ``MAILLEDGER_SIGNALS_ALLOWED_NETWORKS``: loopback,
private (RFC 1918, fc00::/7), link-local (169.254/16 with the cloud metadata address,
fe80::/10), multicast, unspecified, reserved, shared (CGNAT 100.64/10), documentation and
every other address that is not globally reachable, also when written as IPv4-mapped,
NAT64 or 6to4 IPv6. ``MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK=1`` allows loopback receivers
(and plain http to them), for local receivers and tests; it allows nothing else.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2048
"""The longest URL a subscription may have, in characters."""

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

Resolver = Callable[[str, int], list[str]]
"""A host name and port to the addresses it resolves to, as text."""

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIXTOFOUR = ipaddress.IPv6Network("2002::/16")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")


class UrlRefusedError(ValueError):
    """A URL a signal may not be sent to; the message says why and what would do."""


def _plain_http() -> UrlRefusedError:
    return UrlRefusedError(
        "url: must be https; plain http is accepted only for a loopback receiver "
        "with MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK=1"
    )


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses of ``host`` from the system's resolver; UrlRefusedError when none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UrlRefusedError(f"url: the host {host!r} does not resolve ({error})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A URL that passed, and the address a delivery connects to."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    """Path and query, as sent in the request line."""
    address: str
    """The checked address to connect to: the name is not looked up again."""


def _embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None


def _problem(address: IpAddress) -> str | None:
    """What kind of internal address this is; None for a public one."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        inner = _problem(embedded)
        return f"{inner} (inside an IPv6 address)" if inner else None
    checks: list[tuple[bool, str]] = [
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address (cloud metadata lives there)"),
        (address.is_multicast, "a multicast address"),
        (
            isinstance(address, ipaddress.IPv4Address) and address in _SHARED,
            "a shared (CGNAT) address",
        ),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "an address that is not public"),
    ]
    return next((name for failed, name in checks if failed), None)


def parse_networks(text: str | None) -> tuple[IpNetwork, ...]:
    """Comma-separated networks (``10.1.0.0/16, fd00::/8``); ValueError naming a bad one."""
    if not text:
        return ()
    networks: list[IpNetwork] = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not a network such as 10.1.0.0/16") from None
    return tuple(networks)


@dataclass(frozen=True)
class UrlPolicy:
    """The rules of the settings, and the resolver to check names with."""

    allow_http_loopback: bool = False
    allowed_networks: tuple[IpNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    def check(self, url: str) -> Target:
        """The URL's target when it may receive signals; UrlRefusedError saying why not."""
        parts = _parts(url)
        if parts.scheme == "http" and not self.allow_http_loopback:
            raise _plain_http()
        host = parts.hostname or ""
        port = _port(parts)
        literal = _literal(host)
        addresses = [literal] if literal is not None else self._resolve(host, port)
        for address in addresses:
            self._check_address(address, host, literal is not None)
        if parts.scheme == "http" and not all(a.is_loopback for a in addresses):
            raise _plain_http()
        path = parts.path or "/"
        return Target(
            url=url,
            scheme=parts.scheme,
            host=host,
            port=port,
            path=f"{path}?{parts.query}" if parts.query else path,
            address=str(addresses[0]),
        )

    def _resolve(self, host: str, port: int) -> list[IpAddress]:
        found = self.resolver(host, port)
        if not found:
            raise UrlRefusedError(f"url: the host {host!r} does not resolve")
        addresses: list[IpAddress] = []
        for text in found:
            # A scoped IPv6 address (fe80::1%eth0) is link-local: the scope goes, the check stays.
            addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
        return addresses

    def _check_address(self, address: IpAddress, host: str, literal: bool) -> None:
        problem = _problem(address)
        if problem is None or any(address in network for network in self.allowed_networks):
            return
        if self.allow_http_loopback and address.is_loopback:
            return
        # A name's internal address is not repeated: the answer would map internal DNS.
        what = f"{host} is" if literal else f"the host {host!r} resolves to"
        raise UrlRefusedError(
            f"url: {what} {problem}; signals go only to public addresses "
            "(an operator may allow networks with MAILLEDGER_SIGNALS_ALLOWED_NETWORKS)"
        )


def _parts(url: str) -> SplitResult:
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefusedError(f"url: is {len(url)} characters long; the most is {MAX_URL_LENGTH}")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise UrlRefusedError("url: has a space or a control character")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise UrlRefusedError(f"url: is not a URL ({error})") from None
    if parts.scheme not in ("https", "http"):
        raise UrlRefusedError("url: must be https (https://receiver.example/path)")
    if not parts.hostname:
        raise UrlRefusedError("url: has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlRefusedError(
            "url: must not carry a user name or password; the signature authenticates each delivery"
        )
    if parts.fragment:
        raise UrlRefusedError("url: must not have a #fragment")
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    # Spellings the resolver would read as an address (127.1, 0x7f.1, 2130706433): refused
    # rather than resolved, so that no check differs from what a connection would reach.
    try:
        packed = socket.inet_aton(host)
    except OSError:
        return None
    return ipaddress.IPv4Address(packed)
