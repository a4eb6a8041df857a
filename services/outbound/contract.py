"""Shared pieces of the outbound contracts, version 1.

Why a separate vocabulary instead of the stored events: history is ours to
refactor (rename a field, split an event, change a value object) and
consumers must not break when we do. So the outside world gets its own
frozen, versioned models, and each stored event is mapped onto them by hand.
Enumerations are spelled out as literals here (not the domain's enums) so
that a new domain value cannot leak out unannounced: it fails the mapping
and the test suite instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.values import Contact, DecisionInfo, DecisionRef

OccurredAt = Annotated[
    AwareDatetime | None,
    Field(
        description="When it happened, in business time (the message's occurred_at; for a Stock, the later "
        "of that and the SKU's clock); null in events recorded before this was kept."
    ),
]

OperatorReason = Annotated[
    str | None,
    Field(
        description="Why it was done, as the message said (version 2 of SkuConfigured, SubstituteAccepted "
        "and SubstituteDeclined require it); null from version 1 and in events recorded before this was kept."
    ),
]

TierV1 = Literal["platinum", "gold", "standard"]
LocaleV1 = Literal["en", "id"]
ShippingPreferenceV1 = Literal["partial", "complete"]
SupplierPriorityV1 = Literal["primary", "backup"]


class Contract(BaseModel):
    """Every outbound model: immutable, and nothing but the declared fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


def _name_event_type(schema: dict[str, Any], cls: type) -> None:
    schema["x-event-type"] = cls.EVENT_TYPE  # type: ignore[attr-defined]


class Payload(Contract):
    """The `data` of one published event type; EVENT_TYPE is its name on the wire."""

    model_config = Contract.model_config | ConfigDict(json_schema_extra=_name_event_type)

    EVENT_TYPE: ClassVar[str]

    @classmethod
    def aggregate_type(cls) -> str:
        return cls.EVENT_TYPE.partition(".")[0]


class Decision(Contract):
    """Why Antrian decided something, as recorded with the decision.

    Stock events carry the decision itself (with `as_of`). Order events carry
    a reference (`sku`, `stock_version`) to the Stock event it concerns. For
    allocation and ETA decisions that Stock event holds the full decision,
    `as_of` included. Two kinds are decided on the order itself: a
    `substitute-v1` offer refers to the substitute's Stock version it read,
    and a customer cancellation to the Stock event that released or
    withdrew the line's units.
    """

    policy: str = Field(
        description="Versioned policy that decided, e.g. priority-fifo-v1, eta-v1, substitute-v1."
    )
    message_id: str = Field(description="Inbound message the decision was taken for.")
    as_of: AwareDatetime | None = Field(
        description="Business time the decision used (the message's occurred_at); null on Order events."
    )
    inputs: dict[str, Any] = Field(description="What the policy saw; enough to replay the decision.")
    reason: str = Field(description="Human-readable explanation.")
    sku: str | None = Field(
        default=None, description="Order events only: SKU of the Stock the decision refers to."
    )
    stock_version: int | None = Field(
        default=None,
        description="Order events only: version of that Stock the decision refers to (see Decision).",
    )


class ContactV1(Contract):
    email: str
    locale: LocaleV1


class LineQuantity(Contract):
    """A quantity for one order line."""

    order_id: str
    line_id: str
    quantity: int


class SkuQuantity(Contract):
    sku: str
    quantity: int


@dataclass(frozen=True)
class Mapping:
    """One stored event class, the payload it is published as, and the explicit conversion."""

    domain_event: type
    payload: type[Payload]
    convert: Callable[[Any], Payload]


def decision_of(info: DecisionInfo) -> Decision:
    return Decision(
        policy=info.policy,
        message_id=info.message_id,
        as_of=info.as_of,
        inputs=dict(info.inputs),
        reason=info.reason,
    )


def decision_ref(ref: DecisionRef) -> Decision:
    return Decision(
        policy=ref.policy,
        message_id=ref.message_id,
        as_of=None,
        inputs=dict(ref.inputs),
        reason=ref.reason,
        sku=ref.sku,
        stock_version=ref.stock_version,
    )


def optional_decision_ref(ref: DecisionRef | None) -> Decision | None:
    return None if ref is None else decision_ref(ref)


def contact_of(contact: Contact) -> ContactV1:
    return ContactV1(email=contact.email, locale=contact.locale.value)
