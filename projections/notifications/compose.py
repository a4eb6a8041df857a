"""What is new for a customer: the latest view of a line against what they were last told.

A notification is never the story of the events in between, only the
difference between two views. That is what makes coalescing safe: while a
notification waits unsent it is re-decided from the line's latest view, so
"backordered, then the ETA moved" says "backordered" with the latest date,
"offered, then allocated" says "allocated", anything followed by a cancel
says "cancelled", and an ETA that moved away and back says nothing at all.
The customer can never receive a message the latest state contradicts.
"""

from __future__ import annotations

from enum import StrEnum

from projections.notifications.views import LineView


class Kind(StrEnum):
    CANCELLED = "cancelled"
    ALLOCATED = "allocated"
    SUBSTITUTE_OFFERED = "substitute_offered"
    BACKORDERED = "backordered"
    ETA_LATER = "eta_later"
    ETA_EARLIER = "eta_earlier"
    ETA_CHANGED = "eta_changed"  # to or from "no supplier date yet", or the date became (un)backed
    PUSHED_BACK = "pushed_back"  # higher tiers joined ahead: PUSH_TOLD places or more behind what was told
    MOVED_AHEAD = "moved_ahead"  # moved forward by an operator's release (only releases move a told place up)
    BACK_IN_STOCK = "back_in_stock"


# Places a line may lose to higher tiers before its customer hears of it (its date unchanged):
# one place is not worth a message; a date that moves is told at once, with the place.
PUSH_TOLD = 3


def nothing_told(now: LineView) -> LineView:
    """What a customer knows of a line before any notification: what they ordered."""
    return LineView(sku=now.sku, quantity=now.quantity)


def what_to_say(told: LineView, now: LineView) -> Kind | None:
    """The one thing worth telling, most important first; None when nothing changed for them."""
    if now.cancelled > told.cancelled:
        return Kind.CANCELLED
    if now.ready > told.ready:
        return Kind.ALLOCATED
    if not now.waiting:
        return None
    if now.offer_sku is not None and (now.offer_sku, now.offer_quantity) != (
        told.offer_sku,
        told.offer_quantity,
    ):
        return Kind.SUBSTITUTE_OFFERED
    if now.waiting > told.waiting:
        return Kind.BACKORDERED
    if (now.eta, now.needs_purchase) != (told.eta, told.needs_purchase):
        return eta_direction(told, now)
    if now.position is not None and told.position is not None and now.position >= told.position + PUSH_TOLD:
        return Kind.PUSHED_BACK
    if now.position is not None and told.position is not None and now.position < told.position:
        return Kind.MOVED_AHEAD
    return None


def eta_direction(told: LineView, now: LineView) -> Kind:
    if told.eta is None or now.eta is None or told.eta == now.eta:
        return Kind.ETA_CHANGED
    return Kind.ETA_LATER if now.eta > told.eta else Kind.ETA_EARLIER
