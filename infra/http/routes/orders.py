"""An order: its lines as its customer would ask, its audit history, and its decisions replayed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query

from infra.http.as_of_models import OrderAsOf
from infra.http.auth import AUDITORS, READERS, Caller, allow, shown
from infra.http.backend import Backend
from infra.http.deps import backend, unknown_order
from infra.http.models import AuditEntry, Decision, Decisions, EtaRevision, NotificationSent, Order
from infra.http.pagination import Page, PageRequest, page_request, paginate
from infra.http.params import AS_OF_INSTANT, Instant
from infra.http.problems import BAD_CURSOR, NOT_FOUND, REFUSED

if TYPE_CHECKING:
    from projections.audit_timeline import Entry
    from projections.store import Tx

router = APIRouter(tags=["orders"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Auditors = Annotated[Caller, Depends(allow(*AUDITORS))]
Of = Annotated[Backend, Depends(backend)]
AsOf = Annotated[Instant | None, Query(description=AS_OF_INSTANT)]


@router.get("/orders/{order_id}", response_model=Order | OrderAsOf, responses=NOT_FOUND)
def order(order_id: str, caller: Readers, of: Of, as_of: AsOf = None) -> Order | OrderAsOf:
    """Lines with status, units, live position and ETA; every revised promise; offers; what the customer was sent.
    With `as_of`: the lines as the Order and its SKUs' Stocks held them then."""
    from projections.audit_timeline import order_timeline
    from projections.queue_order_read import order_view

    if as_of is not None:
        from infra.http.as_of import order_as_of

        return shown(order_as_of(of, order_id, as_of), caller)

    with of.reading() as tx:
        view = order_view(tx, order_id)
        if view is None:
            raise unknown_order(order_id)
        email = tx.one("SELECT email FROM queue_orders WHERE order_id = ?", (order_id,))
        revisions = _revisions(order_timeline(tx, order_id), order_id)
        sent = _notifications(tx, order_id)
    found = Order.model_validate(
        {
            **{name: getattr(view, name) for name in ("order_id", "customer_id", "tier", "placed_at")},
            "shipping": view.shipping,
            "accept_substitutes": view.accept_substitutes,
            "customer_email": email[0] if email else "",
            "lines": view.lines,
            "eta_revisions": revisions,
            "notifications": sent,
        }
    )
    return shown(found, caller)


def _revisions(timeline: list[Entry], order_id: str) -> list[EtaRevision]:
    """Each change of a promise to one of the order's lines, oldest first (the Stock keeps them)."""
    return [
        EtaRevision(
            line_id=change["line_id"],
            at=entry.business_time,
            previous_eta=change["previous_eta"],
            eta=change["eta"],
            needs_purchase=change["needs_purchase"],
        )
        for entry in timeline
        if entry.event_type == "Stock.EtasRevised"
        for change in entry.data.get("changes") or ()
        if change["order_id"] == order_id
    ]


def _notifications(tx: Tx, order_id: str) -> list[NotificationSent]:
    rows = tx.dicts(
        "SELECT idempotency_key, kind, status, recipient, line_id, subject, delivered_at, changed_at "
        "FROM notifications WHERE order_id = ? ORDER BY created_from, idempotency_key",
        (order_id,),
    )
    return [NotificationSent(channel_recipient=row.pop("recipient"), **row) for row in rows]


@router.get(
    "/orders/{order_id}/audit", response_model=Page[AuditEntry], responses={**NOT_FOUND, **BAD_CURSOR}
)
def order_audit(
    order_id: str, caller: Auditors, of: Of, page: PageRequest = Depends(page_request), as_of: AsOf = None
) -> Page[AuditEntry]:
    """Every event about the order, its own and the Stock decisions naming it, with policy, inputs and reason;
    with `as_of`, those stored up to the instant's log position."""
    from projections.audit_timeline import order_timeline

    with of.reading() as tx:
        entries = order_timeline(tx, order_id)
    if as_of is not None:
        from infra.http.as_of import moment_of, until

        entries = until(entries, moment_of(of, as_of))
    if not entries:
        raise unknown_order(order_id, at=as_of)
    key = ("order-audit", order_id) if as_of is None else ("order-audit", order_id, as_of.isoformat())
    return paginate([AuditEntry.model_validate(e) for e in entries], page, key)


@router.get("/orders/{order_id}/decisions", response_model=Decisions, responses=NOT_FOUND)
def decisions(order_id: str, caller: Auditors, of: Of) -> Decisions:
    """Each decision about the order re-run on the state it saw, MATCH or DIFF, as `antrian replay decision`."""
    from eventsourcing.application import AggregateNotFoundError

    from services.replay import Replayer

    with of.engine_held() as engine:
        try:
            verdicts = list(Replayer(engine).order_verdicts(order_id))
        except AggregateNotFoundError:
            raise unknown_order(order_id) from None
    found = [
        Decision(
            subject=v.subject,
            kind=v.kind,
            policy=v.policy,
            message_id=v.message_id,
            verdict="MATCH" if v.matches else "DIFF",
            reason=v.reason,
            inputs=_json(v.inputs),
            recorded=_json(v.recorded),
            recomputed=_json(v.recomputed),
        )
        for v in verdicts
    ]
    return Decisions(order_id=order_id, decisions=found, diffs=sum(d.verdict == "DIFF" for d in found))


def _json(value: object) -> object:
    """Decision values as JSON holds them (dates and decimals as text), as the CLI prints them."""
    import orjson

    return orjson.loads(orjson.dumps(value, default=str))
