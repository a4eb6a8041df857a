"""A projection: handlers from published event to read-model change, and its tables.

Written once, fed by either feed (projections/event.py). Handlers must give
the same read model whatever the interleaving of different aggregates'
events: Kafka keeps one aggregate's events in order (key = aggregate id) but
not the order between topics. So handlers store facts keyed by what they are
about and join at query time, never "look up the order this stock event
belongs to" while applying.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from projections.event import ProjectedEvent
from projections.store import Tx

Handler = Callable[[Any, Tx, ProjectedEvent], None]


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    """Mark a method as the handler of these event types."""

    def mark(method: Handler) -> Handler:
        method._handles = event_types  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    """Subclass, name it, declare `tables` and write `@handles(...)` methods.

    `tables` (name -> column definitions) are dropped and rebuilt by
    `projections rebuild`; `kept_tables` survive a rebuild because they are
    not derived from the log alone (e.g. what customers were already sent).
    Bump `version` when the read model changes shape: `status` then says a
    rebuild is needed.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    tables: ClassVar[dict[str, str]] = {}
    indexes: ClassVar[tuple[str, ...]] = ()
    kept_tables: ClassVar[dict[str, str]] = {}
    _handlers: ClassVar[dict[str, Handler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Handler] = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                for event_type in getattr(value, "_handles", ()):
                    found[event_type] = value
        cls._handlers = found

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def apply(self, tx: Tx, event: ProjectedEvent) -> bool:
        """Apply one event; False if this projection does not read its type."""
        handler = self._handlers.get(event.event_type)
        if handler is None:
            return False
        handler(self, tx, event)
        return True

    def create(self, tx: Tx) -> None:
        for table, columns in {**self.kept_tables, **self.tables}.items():
            tx.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
        for index in self.indexes:
            tx.execute(index)

    def drop(self, tx: Tx) -> None:
        """Drop what a rebuild recreates; `kept_tables` stay."""
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")

    def export(self, tx: Tx) -> dict[str, list[tuple[Any, ...]]]:
        """Every rebuildable row, in a stable order: rebuilt, incremental and both feeds compare equal."""
        return {
            table: sorted((tuple(row) for row in tx.all(f"SELECT * FROM {table}")), key=repr)
            for table in sorted(self.tables)
        }
