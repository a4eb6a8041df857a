"""Why a message was not applied, named precisely enough to fix it."""

from __future__ import annotations


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


class UnknownSku(MessageRejected):
    """No SKU of that name was configured, supplied, received or counted."""


class UnknownOrder(MessageRejected):
    """No order with that id was placed."""


class UnknownSupplier(MessageRejected):
    """No supplier with that id was registered."""
