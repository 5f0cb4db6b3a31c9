"""Errors the domain raises; each names what was wrong and what to do."""

from __future__ import annotations

from uuid import UUID


class MailledgerError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidObservationError(MailledgerError, ValueError):
    """An observation or a send is missing a field or holds an ill-typed value."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"field '{field}': {problem}")
        self.field = field
        self.problem = problem


class UnknownMessageError(MailledgerError, LookupError):
    """No message with this id has been recorded."""

    def __init__(self, message_id: UUID, reference: str | None = None) -> None:
        shown = (
            f"{reference} ({message_id})"
            if reference and reference != str(message_id)
            else str(message_id)
        )
        super().__init__(f"no message {shown} has been recorded")
        self.message_id = message_id


class RegistrationConflictError(MailledgerError):
    """A message was registered again with details that differ from its first registration."""

    def __init__(self, message_id: UUID, external_ref: str, fields: list[str]) -> None:
        super().__init__(
            f"message {message_id} (external_ref {external_ref!r}) is already registered with "
            f"different {', '.join(fields)}; a registration cannot be changed once recorded"
        )
        self.message_id = message_id
        self.fields = fields


class TenantMismatchError(MailledgerError):
    """A registration or an event of one tenant was offered to another tenant's message."""

    def __init__(self, message_id: UUID) -> None:
        # Never the other tenant's name: the message says only that it is not the caller's.
        super().__init__(f"message {message_id} belongs to another tenant")
        self.message_id = message_id


class UnknownVersionError(MailledgerError, LookupError):
    """The message has no such version."""

    def __init__(self, message_id: UUID, version: int, latest: int) -> None:
        super().__init__(f"message {message_id} has versions 1 to {latest}, not {version}")
        self.message_id = message_id


class AlreadyTrackedError(MailledgerError):
    """The batch's tracking position was already recorded: another writer did this work."""

    def __init__(self, position: str, next_offset: int, recorded: int | None) -> None:
        super().__init__(
            f"{position} is already recorded up to {recorded}, so the batch ending before "
            f"{next_offset} was applied before; nothing of it was recorded again"
        )
        self.position = position
        self.next_offset = next_offset
        self.recorded = recorded


class BatchRejectedError(MailledgerError):
    """Some items of a batch cannot be recorded; nothing of the batch was saved.

    ``rejected`` maps each such item's index in the batch to why it was refused, so the
    caller can set them aside and record the rest.
    """

    def __init__(self, rejected: dict[int, MailledgerError]) -> None:
        first = min(rejected)
        super().__init__(
            f"{len(rejected)} item(s) of the batch refused, the first at index {first}: "
            f"{rejected[first]}"
        )
        self.rejected = rejected
