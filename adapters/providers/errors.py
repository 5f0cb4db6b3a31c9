"""The error a webhook body that is not its provider's format raises."""

from __future__ import annotations


class BodyError(ValueError):
    """A body is not in its provider's format; nothing of it may be recorded.

    It names the provider, the event's index in the body's batch (``None`` when the body as a
    whole is wrong) and the field, so whoever reads it can find the bad part of the payload.
    Formats made of lines (the generic one) count in ``unit="line"`` from 1; batches count
    events from 0.
    """

    def __init__(
        self,
        provider: str,
        index: int | None,
        field: str | None,
        problem: str,
        *,
        unit: str = "event",
    ) -> None:
        where = f"{provider} body" if index is None else f"{provider} {unit} {index}"
        what = f"field '{field}': {problem}" if field else problem
        super().__init__(f"{where}: {what}")
        self.provider = provider
        self.index = index
        self.field = field
        self.problem = problem
