"""The error a request that cannot be shown to come from its provider raises."""

from __future__ import annotations


class AuthenticityError(ValueError):
    """The request is unsigned, tampered with, too old, or signed with another key."""

    def __init__(self, provider: str, problem: str) -> None:
        super().__init__(f"{provider} request not verified: {problem}")
        self.provider = provider
        self.problem = problem
