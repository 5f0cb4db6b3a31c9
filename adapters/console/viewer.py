"""Who is looking at a page: the signed-in person, their tenant, role, language and zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from adapters.access.roles import Permission, Role, allows


@dataclass(frozen=True)
class Viewer:
    """A signed-in person, as every page sees them; pages show only ``tenant``'s data."""

    tenant: str
    user_id: str
    email: str
    name: str | None
    role: Role
    language: str
    zone: ZoneInfo
    csrf_token: str
    """The token every form of this session carries back (see ``forms.py``)."""

    def may(self, permission: Permission) -> bool:
        """True when the viewer's role grants ``permission``, exactly as for an API key."""
        return allows(self.role, permission)

    @property
    def shown_name(self) -> str:
        """The name to greet them with: their name, else their e-mail address."""
        return self.name or self.email
