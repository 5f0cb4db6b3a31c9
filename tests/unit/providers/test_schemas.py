"""Each provider payload's fast schema and its derived models accept and refuse the same bodies.

Bodies are drawn from the declaration's own shape (``payloads.bodies``): well-formed ones,
and ones with keys missing, nulls, values of the wrong JSON type and keys it does not name.
What both accept, they read alike; what both refuse, they refuse at the same place.
"""

from __future__ import annotations

from types import NoneType
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.providers import brevo, mailgun
from adapters.providers.postmark import payload as postmark_payload
from adapters.providers.schema import Schema, model_of
from adapters.providers.ses import payload as ses_payload
from tests.unit.providers.payloads import bodies

SCHEMAS: dict[str, Schema[Any]] = {
    "brevo event": brevo.SINGLE,
    "brevo batch": brevo.BATCH,
    "mailgun body": mailgun.BODY,
    "postmark record": postmark_payload.ONE,
    "postmark batch": postmark_payload.BATCH,
    "ses envelope": ses_payload.ENVELOPE,
    "ses record": ses_payload.RECORD,
    "ses record with headers": ses_payload.RECORD_WITH_HEADERS,
}


def outcome(validate: Any, body: bytes) -> tuple[bool, Any]:
    """(True, what was read) or (False, where the first error is)."""
    try:
        return True, validate(body)
    except ValidationError as error:
        return False, error.errors(include_url=False)[0]["loc"]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@given(data=st.data())
def test_fast_schema_and_models_agree(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    body = data.draw(bodies(schema.declaration), label="body")
    fast_accepts, fast = outcome(schema.read, body)
    models_accept, models = outcome(schema.models.validate_json, body)
    assert fast_accepts == models_accept
    if fast_accepts:
        assert schema.models.dump_python(models, exclude_unset=True) == fast
    else:
        assert fast == models


def test_models_are_named_as_the_typed_dicts_they_are_derived_from() -> None:
    # Errors name a nested object's model (pydantic's class_name): the declared name.
    record = model_of(ses_payload.Record, name="SesRecordWithHeaders")
    mail = record.model_fields["mail"].annotation
    assert record.__name__ == "SesRecordWithHeaders"
    assert [arg.__name__ for arg in get_args(mail) if arg is not NoneType] == ["MailWithHeaders"]
