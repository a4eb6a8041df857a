"""Service analytics: facts stored per event, every figure computed when a report is asked for."""
