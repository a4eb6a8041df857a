"""SQLite adapters: the event store recorder and the cross-process write lock."""
