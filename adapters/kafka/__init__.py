"""Kafka: the topics, the records' formats, publishing, and the dead-letter topic."""
