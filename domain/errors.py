"""Named domain errors: each says which rule a command broke."""

from domain import awaited


class DomainError(Exception):
    """A command broke a business rule; nothing was recorded."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class NotYetKnown(Exception):
    """Mixed into errors whose cause another message will bring: the message waits, it is not refused.

    `awaits` names what it waits for (domain/awaited.py); the engine parks the message under it.
    """

    awaits: str = ""


class UnknownPolicy(DomainError):
    """The named allocation policy version does not exist."""


class UnknownLine(DomainError):
    """The order has no line with that id."""

    field = "line_ids"


class LineNotOpen(DomainError):
    """The line was already shipped or cancelled."""

    field = "line_ids"


class NotAllocated(DomainError):
    """Fewer units are allocated to the line than the warehouse says it shipped."""

    field = "lines"


class BeforeItsOrder(DomainError):
    """A message about an order dated before the order was placed: a clock upstream is wrong."""

    field = "occurred_at"


class InsufficientStock(DomainError):
    """A warehouse cannot give out more units than it holds."""

    field = "quantity"


class NoOpenOffer(DomainError):
    """There is no substitute offer on that line to accept or decline."""

    field = "line_id"


class LineNotWaiting(DomainError):
    """Only a line waiting in its SKU's queue can be released ahead."""

    field = "line_id"


class AlreadyReleasedAhead(DomainError):
    """The line was released ahead already: its place among the released lines stands."""

    field = "line_id"


class NotReleasedAhead(DomainError):
    """A release can only be withdrawn from a line that is released ahead and still waits."""

    field = "line_id"


class SubstituteUnavailable(DomainError):
    """The offered substitute no longer has enough free stock."""

    field = "line_id"


class UnknownPurchaseOrder(DomainError, NotYetKnown):
    """The supplier has no purchase order with that id (yet: its placement may still be on its way)."""

    field = "purchase_order_id"

    def __init__(self, message: str, po_id: str) -> None:
        super().__init__(message)
        self.awaits = awaited.purchase_order(po_id)


class PurchaseOrderClosed(DomainError):
    """The purchase order was already received in full or cancelled."""

    field = "purchase_order_id"


class DuplicatePurchaseOrder(DomainError):
    """A purchase order with that id was already placed."""

    field = "purchase_order_id"


class SkuNotSupplied(DomainError):
    """The supplier has no terms for that SKU."""

    field = "lines"
