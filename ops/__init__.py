"""Bringing up the real Kafka broker and PostgreSQL server that tests and benches run against."""
