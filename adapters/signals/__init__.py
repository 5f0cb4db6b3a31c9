"""Signals leaving mailledger: webhook subscriptions, their signatures, URL rules, delivery
with retries, and the Kafka topic. Everything here reads the signal outbox
(``projections/signal_outbox.py``) after a cursor of its own."""
