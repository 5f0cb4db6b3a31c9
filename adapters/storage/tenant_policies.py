"""Each tenant's own suppression rules, where it set them; the installation's otherwise.

A tenant's rules apply to what the policy process settles from the moment they are saved:
addresses already suppressed stay so, and an address is settled anew under the new rules when
its next fact arrives.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from adapters.storage.database import Database
from adapters.storage.plain_connection import PlainConnection
from domain.suppression import SuppressionPolicy

TABLE = "tenant_policies"
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (tenant TEXT PRIMARY KEY, "
    "soft_failures INTEGER NOT NULL, window_days DOUBLE PRECISION NOT NULL, "
    "suppress_on_block INTEGER NOT NULL, expiry_days DOUBLE PRECISION, "
    "updated_us BIGINT NOT NULL, updated_by TEXT NOT NULL)"
)
_COLUMNS = "soft_failures, window_days, suppress_on_block, expiry_days, updated_us, updated_by"

CACHE_SECONDS = 5.0
"""How long the process reuses a tenant's rules before reading them again."""


@dataclass(frozen=True)
class PolicyDefaults:
    """What a process's settings say of policies: the installation's rules and address key."""

    policy: SuppressionPolicy = field(default_factory=SuppressionPolicy)
    address_key: bytes | None = None
    """None: the key kept in the database (see adapters/storage/address_key.py)."""


@dataclass(frozen=True)
class TenantPolicy:
    """A tenant's rules and whether they are its own or the installation's."""

    policy: SuppressionPolicy
    own: bool
    updated_at: datetime | None = None
    updated_by: str | None = None


class TenantPolicies:
    """The tenants' rules, read through a short cache."""

    def __init__(self, database: Database, default: SuppressionPolicy) -> None:
        self.default = default
        self._connection = PlainConnection(database)
        self._connection.create(_CREATE)
        self._cache: dict[str, tuple[float, SuppressionPolicy]] = {}

    def policy_for(self, tenant: str) -> SuppressionPolicy:
        """The rules the process applies to ``tenant``'s addresses."""
        cached = self._cache.get(tenant)
        now = time.monotonic()
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        policy = self.get(tenant).policy
        self._cache[tenant] = (now, policy)
        return policy

    def get(self, tenant: str) -> TenantPolicy:
        """``tenant``'s rules, its own when it saved some."""
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE tenant = %s", [tenant]
            )
        if not rows:
            return TenantPolicy(self.default, own=False)
        soft, window, block, expiry, updated_us, updated_by = rows[0]
        policy = SuppressionPolicy(
            soft_failures=soft,
            window=timedelta(days=window),
            suppress_on_block=bool(block),
            expiry=timedelta(days=expiry) if expiry is not None else None,
        )
        updated = datetime.fromtimestamp(updated_us / 1_000_000, UTC)
        return TenantPolicy(policy, own=True, updated_at=updated, updated_by=updated_by)

    def set(self, tenant: str, policy: SuppressionPolicy, *, by: str) -> TenantPolicy:
        """Save ``tenant``'s own rules."""
        expiry = policy.expiry.total_seconds() / 86_400 if policy.expiry is not None else None
        values = [
            tenant,
            policy.soft_failures,
            policy.window.total_seconds() / 86_400,
            int(policy.suppress_on_block),
            expiry,
            time.time_ns() // 1000,
            by,
        ]
        with self._connection.lock:
            self._connection.execute(
                f"INSERT INTO {TABLE} (tenant, {_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (tenant) DO UPDATE SET soft_failures = excluded.soft_failures, "
                "window_days = excluded.window_days, "
                "suppress_on_block = excluded.suppress_on_block, "
                "expiry_days = excluded.expiry_days, updated_us = excluded.updated_us, "
                "updated_by = excluded.updated_by",
                values,
            )
        self._cache.pop(tenant, None)
        return self.get(tenant)

    def reset(self, tenant: str) -> TenantPolicy:
        """Forget ``tenant``'s own rules: the installation's apply again."""
        with self._connection.lock:
            self._connection.execute(f"DELETE FROM {TABLE} WHERE tenant = %s", [tenant])
        self._cache.pop(tenant, None)
        return self.get(tenant)

    def close(self) -> None:
        self._connection.close()
