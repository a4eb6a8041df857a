"""Test support: how tests reach real services (Kafka, PostgreSQL)."""
