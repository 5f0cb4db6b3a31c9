"""Signatures: a genuine one verifies; a tampered body, a wrong secret, a stale or future
timestamp and a malformed header do not."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from adapters.signals.signing import TOLERANCE_SECONDS, SignatureError, sign, verify

SECRET = "mlwhsec_test-secret"
BODY = b'{"format":1,"id":"6f1c","kind":"message.error","tenant":"acme"}'
T = 1_790_000_000


def test_a_genuine_signature_verifies_and_gives_its_timestamp() -> None:
    header = sign(SECRET, BODY, T)
    assert header.startswith(f"t={T},v1=")
    assert verify(SECRET, header, BODY, now=T + 1) == T


def test_the_mac_is_hmac_sha256_over_timestamp_dot_body_as_documented() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_a_tampered_body_is_refused() -> None:
    header = sign(SECRET, BODY, T)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(SECRET, header, BODY.replace(b"error", b"alert"), now=T)


def test_a_wrong_secret_is_refused() -> None:
    header = sign(SECRET, BODY, T)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify("mlwhsec_other", header, BODY, now=T)


@pytest.mark.parametrize("offset", [TOLERANCE_SECONDS + 1, -(TOLERANCE_SECONDS + 1), 86_400])
def test_a_timestamp_beyond_the_tolerance_is_refused(offset: int) -> None:
    header = sign(SECRET, BODY, T)
    with pytest.raises(SignatureError, match="more than 300 s"):
        verify(SECRET, header, BODY, now=T + offset)
    assert verify(SECRET, header, BODY, now=T + offset, tolerance=abs(offset)) == T


def test_a_timestamp_changed_after_signing_is_refused() -> None:
    mac = sign(SECRET, BODY, T).split(",")[1]
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(SECRET, f"t={T + 1},{mac}", BODY, now=T)


def test_one_matching_v1_among_several_is_enough() -> None:
    genuine = sign(SECRET, BODY, T).split(",")[1]
    assert verify(SECRET, f"t={T},v1={'0' * 64},{genuine}", BODY, now=T) == T


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", f"t={T}", "v1=00", "garbage"])
def test_a_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(SignatureError, match="needs t="):
        verify(SECRET, header, BODY, now=T)
