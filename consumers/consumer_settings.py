"""How a consumer process behaves: its group, batches, patience and exits."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.kafka.settings import DEFAULT_GROUP_ID
from adapters.storage.tenant_policies import PolicyDefaults


@dataclass(frozen=True)
class ConsumeSettings:
    """Options of ``mailledger consume``; the defaults suit a long-running process."""

    group_id: str = DEFAULT_GROUP_ID
    instance_id: str | None = None
    """Static group membership: a restarted process with the same id takes its partitions
    back at once instead of waiting for the broker to notice the old one died."""
    max_records: int = 5000
    """Records taken per poll, across partitions; each partition's share is one transaction."""
    session_timeout_ms: int = 10_000
    idle_exit_seconds: float | None = None
    database_timeout_seconds: float = 60.0
    """How long the database may stay unreachable before the process exits non-zero."""
    broker_timeout_seconds: float = 300.0
    """How long Kafka may stay unusable before the process exits non-zero."""
    verify: bool = False
    cache_messages: int = 2_000
    """About 9 KB each with their events; the cache spares reading back recent messages."""
    lag_interval_seconds: float = 10.0
    default_tenant: str | None = None
    """The tenant of envelopes of format 1, which name none; without one they are dead
    letters."""
    policies: PolicyDefaults = field(default_factory=PolicyDefaults)
    """The installation's suppression rules and address key, for the views' policy process."""
    views: bool | None = None
    """Catch the read models up when idle and at exit; None: on SQLite only, where nothing
    else follows the log (on PostgreSQL ``projections run`` or ``serve`` does)."""
