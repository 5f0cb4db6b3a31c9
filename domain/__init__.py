"""The mailledger domain: messages, their provider events, and the state derived from them.

Imports only the standard library and ``eventsourcing``.
"""
