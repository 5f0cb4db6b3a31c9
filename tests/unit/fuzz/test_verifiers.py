"""Every verifier over arbitrary bodies and headers: only AuthenticityError escapes.

Each is built by ``verifier_for`` from settings like the verification tests use (keys and
a certificate made in the test); requests mix arbitrary bytes, mutated real bodies, and
headers each verifier reads, with values that are nearly right.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from adapters.verification import brevo, mailgun, postmark, sendgrid, ses, sparkpost
from adapters.verification.errors import AuthenticityError
from adapters.verification.registry import VERIFIERS, Verifier, verifier_for
from adapters.verification.request import WebhookRequest
from tests.unit.fuzz.budget import fuzzing
from tests.unit.fuzz.mutations import mutated_bodies
from tests.unit.verification import test_sendgrid, test_ses


@pytest.fixture(scope="module")
def verifiers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Verifier]:
    store: Path = tmp_path_factory.mktemp("certificates")
    pem = test_ses.CERTIFICATE.public_bytes(serialization.Encoding.PEM)
    (store / test_ses.CERTIFICATE_FILE).write_bytes(pem)
    environ = {
        brevo.USERNAME_VARIABLE: "brevo-hooks",
        brevo.PASSWORD_VARIABLE: "s3cr3t:with-colon",
        brevo.TOKEN_VARIABLE: "tok_8c1f0e5d2b7a4f93",
        mailgun.SIGNING_KEY_VARIABLE: "key-3f1e2d4c5b6a79880716253443526170",
        postmark.USERNAME_VARIABLE: "postmark-hooks",
        postmark.PASSWORD_VARIABLE: "s3cret:with-colon",
        sendgrid.VERIFICATION_KEY_VARIABLE: test_sendgrid.shown_key(test_sendgrid.PRIVATE_KEY),
        ses.CERTIFICATES_VARIABLE: str(store),
        ses.TOPIC_ARNS_VARIABLE: test_ses.TOPIC,
        sparkpost.USERNAME_VARIABLE: "mailledger-hook",
        sparkpost.PASSWORD_VARIABLE: "s3cret-Pa55word",
        sparkpost.TOKEN_VARIABLE: "9f2c1e7d4b8a4c6e",
    }
    return {provider: verifier_for(provider, environ) for provider in VERIFIERS}


HEADER_NAMES = st.sampled_from(
    [
        "Authorization",
        "authorization",
        sendgrid.SIGNATURE_HEADER,
        sendgrid.TIMESTAMP_HEADER,
        sparkpost.LEGACY_TOKEN_HEADER,
        "x-amz-sns-message-type",
        "Content-Type",
    ]
)
_TEXT = st.text(max_size=40)
HEADER_VALUES = st.one_of(
    _TEXT,
    st.sampled_from(["", " ", "0", "-1", "1e9", "99999999999999999999", "Notification"]),
    st.integers().map(str),
    st.binary(max_size=40).map(lambda raw: base64.b64encode(raw).decode()),
    st.tuples(st.sampled_from(["Basic ", "Bearer ", "basic ", "Basic  "]), _TEXT).map("".join),
    st.binary(max_size=30).map(lambda raw: "Basic " + base64.b64encode(raw).decode()),
    st.text(max_size=20).map(lambda t: "Basic " + base64.b64encode(t.encode()).decode()),
)


def bodies_for(provider: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=200), mutated_bodies(provider))


@pytest.mark.parametrize("provider", sorted(VERIFIERS))
@fuzzing(100)
@given(data=st.data())
def test_only_authenticity_errors_escape(
    provider: str, verifiers: dict[str, Verifier], data: st.DataObject
) -> None:
    request = WebhookRequest(
        body=data.draw(bodies_for(provider), label="body"),
        received_at=data.draw(
            st.datetimes(
                min_value=datetime(1970, 1, 2),
                max_value=datetime(9998, 1, 1),
                timezones=st.just(UTC),
            )
            | st.just(test_ses.RECEIVED_AT + timedelta(seconds=1)),
            label="received_at",
        ),
        headers=data.draw(
            st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4), label="headers"
        ),
    )
    with pytest.raises(AuthenticityError) as refused:
        verifiers[provider].verify(request)
    assert refused.value.provider == provider
