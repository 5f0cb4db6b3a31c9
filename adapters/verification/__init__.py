"""Authenticity of webhook requests: each provider's own way of proving a body came from it.

Verifiers are pure functions of the request (body, headers, the moment it was received) and
the configured secret or key; they raise ``AuthenticityError`` and return nothing else.
"""
