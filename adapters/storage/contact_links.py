"""Each tenant's contact URL template (domain/contact_links.py), where it set one."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from adapters.storage.database import Database
from adapters.storage.micros import moment
from adapters.storage.plain_connection import PlainConnection
from domain.contact_links import check_template

TABLE = "tenant_contact_links"
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (tenant TEXT PRIMARY KEY, template TEXT NOT NULL, "
    "updated_us BIGINT NOT NULL, updated_by TEXT NOT NULL)"
)


@dataclass(frozen=True)
class ContactLink:
    """A tenant's template, None when it has set none."""

    template: str | None
    updated_at: datetime | None = None
    updated_by: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "template": self.template,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


class ContactLinks:
    """The tenants' contact URL templates; safe to share between threads."""

    def __init__(self, database: Database) -> None:
        self._connection = PlainConnection(database)
        self._connection.create(_CREATE)

    def get(self, tenant: str) -> ContactLink:
        """``tenant``'s template and who set it."""
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT template, updated_us, updated_by FROM {TABLE} WHERE tenant = %s",
                [tenant],
            )
        if not rows:
            return ContactLink(None)
        template, updated_us, updated_by = rows[0]
        return ContactLink(template, moment(updated_us), updated_by)

    def template_of(self, tenant: str) -> str | None:
        """``tenant``'s template, None when it has set none."""
        return self.get(tenant).template

    def set(self, tenant: str, template: str, *, by: str) -> ContactLink:
        """Save ``tenant``'s template; InvalidContactTemplateError when it cannot be used."""
        checked = check_template(template)
        with self._connection.lock:
            self._connection.execute(
                f"INSERT INTO {TABLE} (tenant, template, updated_us, updated_by) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (tenant) DO UPDATE SET "
                "template = excluded.template, updated_us = excluded.updated_us, "
                "updated_by = excluded.updated_by",
                [tenant, checked, time.time_ns() // 1000, by],
            )
        return self.get(tenant)

    def reset(self, tenant: str) -> ContactLink:
        """Forget ``tenant``'s template: recipients have no contact link."""
        with self._connection.lock:
            self._connection.execute(f"DELETE FROM {TABLE} WHERE tenant = %s", [tenant])
        return self.get(tenant)

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def __enter__(self) -> ContactLinks:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
