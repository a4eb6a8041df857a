"""Why a message was not applied, named precisely enough to fix it."""

from __future__ import annotations

from domain.errors import NotYetKnown


class MessageRejected(Exception):
    """A message was refused as a whole: nothing of it was applied."""

    def __init__(
        self,
        reason: str,
        *,
        message_id: str | None = None,
        message_type: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id
        self.message_type = message_type
        self.field = field

    def __str__(self) -> str:
        where = f"message {self.message_id or '<no message_id>'}"
        if self.message_type:
            where += f" ({self.message_type})"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.reason}"


class Awaiting(MessageRejected, NotYetKnown):
    """Refused for now: what it names is not known yet, and another message may bring it."""

    def __init__(self, reason: str, *, awaits: str, **where: str | None) -> None:
        super().__init__(reason, **where)
        self.awaits = awaits


class UnknownSku(Awaiting):
    """No SKU of that name was configured, supplied, received or counted (yet)."""


class UnknownOrder(Awaiting):
    """No order with that id was placed (yet)."""


class UnknownSupplier(Awaiting):
    """No supplier with that id was registered (yet)."""


class NotYetPlaced(Awaiting):
    """A receipt names a purchase order no open line of its SKU expects (yet), without its supplier."""
