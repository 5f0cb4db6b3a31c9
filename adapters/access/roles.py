"""Roles an API key carries and the permissions each grants."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a key is for; one per key, so a leaked key gives away no more than its job needs."""

    ADMIN = "admin"
    VIEWER = "viewer"
    AUDITOR = "auditor"
    INGEST = "ingest"
    SENDER = "sender"
    """The platform that sends: registers its sends, checks addresses before sending, records
    its recipients' preferences; it reads no message back."""


class Permission(StrEnum):
    """A kind of request an API route belongs to."""

    READ_MESSAGES = "read_messages"
    """The sent-mail list, a message's detail, the daily statistics."""
    READ_HISTORY = "read_history"
    """A message's audit history, a dossier's history."""
    INGEST = "ingest"
    """Provider webhooks and registrations of sends."""
    MANAGE_KEYS = "manage_keys"
    """Issuing, listing and revoking the tenant's keys."""
    MANAGE_QUARANTINE = "manage_quarantine"
    """Seeing the tenant's provider events that could not be read, and replaying them."""
    MANAGE_SUBSCRIPTIONS = "manage_subscriptions"
    """The tenant's webhook subscriptions to signals: created, listed, removed, enabled,
    their delivery logs read and deliveries sent again."""
    READ_ADDRESSES = "read_addresses"
    """An address's status and history, the suppression list."""
    CHECK_ADDRESSES = "check_addresses"
    """Asking whether addresses may be sent to."""
    SET_PREFERENCES = "set_preferences"
    """Recording whether a recipient wants e-mail."""
    MANAGE_POLICIES = "manage_policies"
    """Lifting suppressions; the tenant's suppression rules."""
    READ_CONTENT = "read_content"
    """The copy of a message as sent: its text, HTML and attachments' names (personal data)."""
    MANAGE_SETTINGS = "manage_settings"
    """The tenant's settings: its contact URL template."""
    MANAGE_USERS = "manage_users"
    """The tenant's console accounts: created, disabled, granted a role."""


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.VIEWER: frozenset(
        {
            Permission.READ_MESSAGES,
            Permission.READ_ADDRESSES,
            Permission.CHECK_ADDRESSES,
            Permission.READ_CONTENT,
        }
    ),
    # An audit reads what was stored and when (the copy of what was sent among it); it needs
    # none of the day-to-day lists.
    Role.AUDITOR: frozenset({Permission.READ_HISTORY, Permission.READ_CONTENT}),
    # The webhook endpoints hold this key in provider settings, where it is most likely to leak;
    # it can add events but read nothing back.
    Role.INGEST: frozenset({Permission.INGEST}),
    Role.SENDER: frozenset(
        {Permission.INGEST, Permission.CHECK_ADDRESSES, Permission.SET_PREFERENCES}
    ),
}
"""Every role and exactly what it may do."""


def allows(role: Role, permission: Permission) -> bool:
    """True when a key of ``role`` may make a request that needs ``permission``."""
    return permission in PERMISSIONS[role]
