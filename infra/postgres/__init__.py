"""PostgreSQL adapters: the event store recorder."""
