"""The tenant's suppression rules: its own, or the installation's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from adapters.api.auth import PolicyManager
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.cli.addresses import policy_json
from domain.suppression import SuppressionPolicy

router = APIRouter(prefix="/v1", tags=["addresses"])


class PolicyBody(BaseModel):
    """A tenant's rules (see docs/policies.md)."""

    model_config = ConfigDict(extra="forbid")
    soft_failures: int = Field(ge=1, le=1000)
    """Separate messages soft-bounced or deferred in a row that suppress the address."""
    window_days: float = Field(gt=0, le=3650)
    """Those failures count only within this many days."""
    suppress_on_block: bool = False
    expiry_days: float | None = Field(default=None, gt=0, le=36500)
    """A suppression ends by itself this many days after it began; null: never."""


@router.get(
    "/policy",
    responses=documented(401, 403, 503),
    summary="The tenant's suppression rules",
)
def show_policy(key: PolicyManager, context: Context) -> dict[str, Any]:
    """``own`` false: the installation's rules apply."""
    return policy_json(context.read_side.tenant_policies.get(key.tenant))


@router.put(
    "/policy",
    responses=documented(400, 401, 403, 503),
    summary="Set the tenant's own suppression rules",
)
def set_policy(body: PolicyBody, key: PolicyManager, context: Context) -> dict[str, Any]:
    """They apply to the facts settled from now on; suppressions in force stay."""
    try:
        policy = SuppressionPolicy(
            soft_failures=body.soft_failures,
            window=timedelta(days=body.window_days),
            suppress_on_block=body.suppress_on_block,
            expiry=timedelta(days=body.expiry_days) if body.expiry_days is not None else None,
        )
    except ValueError as error:
        # A number of days so small it is no time at all.
        raise ApiError(422, str(error), where="body") from None
    saved = context.read_side.tenant_policies.set(key.tenant, policy, by=f"key {key.key_id}")
    return policy_json(saved)


@router.delete(
    "/policy",
    responses=documented(401, 403, 503),
    summary="Forget the tenant's own rules: the installation's apply",
)
def reset_policy(key: PolicyManager, context: Context) -> dict[str, Any]:
    return policy_json(context.read_side.tenant_policies.reset(key.tenant))
