"""The URL policy: https to public addresses only, loopback only when the setting says so."""

from __future__ import annotations

import pytest

from adapters.signals.urls import UrlPolicy, UrlRefusedError, parse_networks


def resolving(*addresses: str) -> UrlPolicy:
    """A policy whose resolver answers ``addresses`` for every name."""
    return UrlPolicy(resolver=lambda host, port: list(addresses))


PUBLIC = resolving("93.184.215.14")


def test_an_https_url_to_a_public_name_passes_and_pins_the_address() -> None:
    target = PUBLIC.check("https://hooks.example.com/in?x=1")
    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.com", 443)
    assert target.path == "/in?x=1"
    assert target.address == "93.184.215.14"


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.7", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "shared \\(CGNAT\\)"),
        ("100.127.255.254", "shared \\(CGNAT\\)"),
        ("192.0.2.1", "private|not public"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:1", "private"),
        ("2002:a00:1::", "private"),
    ],
)
def test_an_internal_address_is_refused_as_a_literal_and_behind_a_name(
    address: str, problem: str
) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(UrlRefusedError, match=problem) as literal:
        UrlPolicy().check(f"https://{host}/hook")
    assert address in str(literal.value)
    with pytest.raises(UrlRefusedError, match=problem) as named:
        resolving(address).check("https://internal.example.com/hook")
    # The internal address a name resolves to is not told back.
    assert address not in str(named.value)
    assert "internal.example.com" in str(named.value)


def test_a_name_with_one_internal_address_among_public_ones_is_refused() -> None:
    with pytest.raises(UrlRefusedError, match="private"):
        resolving("93.184.215.14", "10.1.2.3").check("https://mixed.example.com/")


@pytest.mark.parametrize("host", ["127.1", "0x7f.0.0.1", "2130706433", "017700000001"])
def test_odd_spellings_of_loopback_are_read_as_the_address_they_are(host: str) -> None:
    with pytest.raises(UrlRefusedError, match="loopback"):
        PUBLIC.check(f"https://{host}/")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://hooks.example.com/", "must be https"),
        ("ftp://hooks.example.com/", "must be https"),
        ("hooks.example.com/path", "must be https"),
        ("https:///path", "no host"),
        ("https://user:pw@hooks.example.com/", "user name or password"),
        ("https://hooks.example.com/#frag", "fragment"),
        ("https://hooks.example.com:99999/", "not a URL"),
        ("https://hooks.example.com/a b", "space"),
        ("https://hooks.example.com/" + "a" * 2100, "the most is 2048"),
    ],
)
def test_a_malformed_or_plain_url_is_refused_saying_why(url: str, problem: str) -> None:
    with pytest.raises(UrlRefusedError, match=problem):
        PUBLIC.check(url)


def test_loopback_passes_only_with_the_setting_and_http_only_to_loopback() -> None:
    with pytest.raises(UrlRefusedError, match="loopback"):
        UrlPolicy().check("http://127.0.0.1:8080/hook")
    allowing = UrlPolicy(allow_http_loopback=True)
    target = allowing.check("http://127.0.0.1:8080/hook")
    assert (target.address, target.port, target.scheme) == ("127.0.0.1", 8080, "http")
    assert allowing.check("https://[::1]/hook").address == "::1"
    loopback_name = UrlPolicy(allow_http_loopback=True, resolver=lambda h, p: ["127.0.0.1"])
    assert loopback_name.check("http://localhost:9000/").address == "127.0.0.1"


def test_the_loopback_allowance_allows_nothing_but_loopback() -> None:
    allowing = UrlPolicy(allow_http_loopback=True, resolver=lambda h, p: ["10.0.0.1"])
    for url in ("http://10.0.0.1/", "https://10.0.0.1/", "https://169.254.169.254/"):
        with pytest.raises(UrlRefusedError):
            allowing.check(url)
    with pytest.raises(UrlRefusedError, match="private"):
        allowing.check("https://internal.example.com/")
    public = UrlPolicy(allow_http_loopback=True, resolver=lambda h, p: ["93.184.215.14"])
    with pytest.raises(UrlRefusedError, match="must be https"):
        public.check("http://hooks.example.com/")


def test_an_allowed_network_lets_its_addresses_through_and_no_others() -> None:
    policy = UrlPolicy(
        allowed_networks=parse_networks("10.1.0.0/16, fd00::/8"),
        resolver=lambda h, p: ["10.1.2.3"],
    )
    assert policy.check("https://billing.internal/").address == "10.1.2.3"
    assert policy.check("https://[fd00::5]/").address == "fd00::5"
    with pytest.raises(UrlRefusedError, match="private"):
        policy.check("https://10.2.0.1/")
    with pytest.raises(UrlRefusedError, match="must be https"):
        policy.check("http://10.1.0.1/")


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(UrlRefusedError, match="does not resolve"):
        resolving().check("https://nowhere.example.com/")


def test_a_malformed_network_setting_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33' is not a network"):
        parse_networks("10.0.0.0/8,10.0.0.0/33")
