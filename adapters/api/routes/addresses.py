"""One address of the tenant: its status and history, its preference, the pre-send check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from adapters.api.auth import AddressChecker, AddressReader, PreferenceSetter
from adapters.api.context import ApiContext, Context
from adapters.api.errors import ApiError, documented
from adapters.cli.addresses import address_shape as shown
from domain.address import Preference
from domain.address_book import UnknownAddressError
from domain.errors import InvalidObservationError
from domain.values import normalise_address

router = APIRouter(prefix="/v1", tags=["addresses"])

MAX_CHECKED = 1000
"""Addresses one check may ask about."""


class PreferenceBody(BaseModel):
    """Whether the recipient wants e-mail."""

    model_config = ConfigDict(extra="forbid")
    preference: Literal["yes", "no", "not_applicable"]


class CheckBody(BaseModel):
    """The addresses a platform is about to send to."""

    model_config = ConfigDict(extra="forbid")
    addresses: list[str] = Field(min_length=1, max_length=MAX_CHECKED)


def normalised(address: str) -> str:
    """The address as recorded; 422 naming it when it is not an e-mail address."""
    try:
        return normalise_address(address, "address")
    except InvalidObservationError as error:
        raise ApiError(422, error.problem, where="path.address") from None


def address_shape(context: ApiContext, tenant: str, address: str) -> dict[str, Any]:
    """The address's status and history; 404 when the tenant has nothing recorded about it
    (whatever other tenants have)."""
    try:
        return shown(context.read_side, tenant, address)
    except UnknownAddressError as error:
        raise ApiError(404, str(error), where="path.address") from None


@router.get(
    "/addresses/{address}",
    responses=documented(401, 403, 404, 503),
    summary="An address: suppressed or not, why, since when, its preference and history",
)
def show_address(address: str, key: AddressReader, context: Context) -> dict[str, Any]:
    """``failures`` are the facts that led to the suppression in force; ``history`` every
    event of the address in log order."""
    return address_shape(context, key.tenant, normalised(address))


@router.put(
    "/addresses/{address}/preference",
    responses=documented(400, 401, 403, 503),
    summary="Record whether the recipient wants e-mail",
)
async def set_preference(
    address: str, body: PreferenceBody, key: PreferenceSetter, context: Context
) -> dict[str, Any]:
    """``yes``, ``no`` or ``not_applicable`` (no address on file); a preference of ``no``
    makes ``check`` refuse the address. Setting the current value again records nothing."""
    target = normalised(address)

    def prefer() -> dict[str, Any]:
        with context.write_lock:
            context.read_side.address_book.prefer(
                key.tenant,
                target,
                Preference(body.preference),
                by=f"key {key.key_id}",
                at=datetime.now(UTC),
            )
            context.read_side.catch_up()
        return address_shape(context, key.tenant, target)

    return await run_in_threadpool(prefer)


@router.post(
    "/addresses/check",
    responses=documented(400, 401, 403, 503),
    summary="May the platform send to these addresses?",
)
def check_addresses(body: CheckBody, key: AddressChecker, context: Context) -> dict[str, Any]:
    """Per address, in the order given: ``allowed`` false when it is suppressed or its
    preference is ``no``, with the ``reason``. An address that is not one is not allowed,
    and the others are still answered."""
    book = context.read_side.address_book
    now = datetime.now(UTC)
    ids: dict[str, Any] = {}
    invalid: dict[str, str] = {}
    for given in body.addresses:
        try:
            ids[given] = book.id_of(key.tenant, given)
        except InvalidObservationError as error:
            invalid[given] = error.problem
    verdicts = context.read_side.address_queries.check(key.tenant, list(ids.values()), now)
    results = []
    for given in body.addresses:
        if given in invalid:
            results.append({"address": given, "allowed": False, "reason": invalid[given]})
            continue
        verdict = verdicts[ids[given]]
        results.append({"address": given, "allowed": verdict.allowed, "reason": verdict.reason})
    return {"results": results}
