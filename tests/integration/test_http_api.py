"""The HTTP API's read endpoints over real read models, on SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.http.tokens import Role
from tests import messages as m
from tests.support.http_api import (
    EMAIL,
    SHOP,
    ServedShop,
    apply_shop,
    drop_read_schema,
    project,
    report_figures_computed,
    served,
    settings_for,
)

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

pytestmark = pytest.mark.integration


@pytest.fixture(params=STORES)
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServedShop]:
    pg = request.getfixturevalue("postgres_schema") if request.param == "postgres" else None
    bootstrap = request.getfixturevalue("kafka_bootstrap") if request.param == "postgres" else None
    settings = settings_for(request.param, tmp_path, pg, bootstrap)
    apply_shop(settings, *SHOP)
    if request.param == "postgres":
        project(settings)
    try:
        with served(settings) as shop:
            yield shop
    finally:
        if request.param == "postgres":
            drop_read_schema(settings)


def test_a_skus_queue_is_what_antrian_queue_json_prints(shop):
    # Given A's 3 units went to o1 (2) and o2 (1), o2 (gold) waits 4 and o3 waits 4 behind it
    # When the queue is asked for
    found = shop.get("/skus/A/queue").json()
    # Then the lines wait in serving order with live positions, and the totals add up
    assert [(e["order_id"], e["position"], e["quantity"], e["units_ahead"]) for e in found["entries"]] == [
        ("o2", 1, 4, 0),
        ("o3", 2, 4, 4),
    ]
    assert found["totals"]["units_waiting"] == 8 and found["totals"]["lines"] == 2


def test_the_stock_position_counts_on_hand_allocated_and_what_waits(shop):
    found = shop.get("/skus/A").json()
    assert found["on_hand"] == {"main": 3} and found["allocated"] == 3 and found["available"] == 0
    assert (found["units_waiting"], found["lines_waiting"]) == (8, 2)
    assert (found["reorder_point"], found["safety_stock"], found["substitutes"]) == (4, 2, ["B"])
    # No rationing settings on this SKU.
    assert (found["reserve"], found["quota"], found["redistribute_within_hours"]) == ({}, None, 0)
    assert [(s["purchase_order_id"], s["supplier_id"], s["quantity"]) for s in found["incoming_supply"]] == [
        ("po-1", "S1", 6)
    ]


def test_an_order_shows_its_lines_position_eta_revisions_and_email_to_an_admin(shop):
    found = shop.get("/orders/o2").json()
    (line,) = found["lines"]
    assert (line["status"], line["allocated"], line["backordered"], line["position"]) == (
        "partially_allocated",
        1,
        4,
        1,
    )
    assert line["eta"] is not None and found["customer_email"] == EMAIL
    # the PO made a promise to a line that had one (needs purchase -> covered): a revision is listed
    assert any(r["line_id"] == "1" for r in found["eta_revisions"])


def test_unknown_orders_and_skus_are_404_with_a_clear_message(shop):
    for path in (
        "/orders/nope",
        "/orders/nope/audit",
        "/orders/nope/decisions",
        "/skus/NOPE",
        "/skus/NOPE/queue",
    ):
        answer = shop.get(path)
        assert answer.status_code == 404, path
        assert "unknown" in answer.json()["detail"]


def test_audit_histories_list_the_decisions_with_their_policy(shop):
    order = shop.get("/orders/o2/audit").json()
    assert "Order.Placed" in {e["event_type"] for e in order["items"]}
    assert any(e["decisions"] for e in order["items"])
    sku = shop.get("/skus/A/audit", params={"limit": 2}).json()
    assert len(sku["items"]) == 2 and sku["next_cursor"] and sku["total"] > 2


def test_decisions_are_replayed_and_all_match(shop):
    found = shop.get("/orders/o2/decisions").json()
    assert found["decisions"] and found["diffs"] == 0
    assert {d["verdict"] for d in found["decisions"]} == {"MATCH"}


def test_backorders_filter_and_sort(shop):
    everyone = shop.get("/backorders", params={"sort": "units"}).json()
    assert {b["order_id"] for b in everyone["items"]} == {"o2", "o3"}
    gold = shop.get("/backorders", params={"tier": "gold"}).json()["items"]
    assert [b["order_id"] for b in gold] == ["o2"]
    by_customer = shop.get("/backorders", params={"customer": "c-7"}).json()["items"]
    assert [b["order_id"] for b in by_customer] == ["o3"]
    old = shop.get("/backorders", params={"min_age_days": 1, "as_of": m.day(0)}).json()["items"]
    assert old == []
    assert shop.get("/backorders", params={"sort": "position"}).json()["items"][0]["position"] == 1


def test_backorders_filter_by_a_warehouse_that_stocks_their_sku(shop):
    # Given A's only units were received in the warehouse "main"
    stocked = shop.get("/backorders", params={"warehouse": "main"}).json()["items"]
    # Then both lines waiting for A are main's to chase, and another warehouse has none
    assert {(b["order_id"], tuple(b["warehouses"])) for b in stocked} == {
        ("o2", ("main",)),
        ("o3", ("main",)),
    }
    assert shop.get("/backorders", params={"warehouse": "north"}).json()["items"] == []


def test_pages_follow_their_cursor_to_the_end_and_a_cursor_is_bound_to_its_filters(shop):
    first = shop.get("/backorders", params={"limit": 1}).json()
    second = shop.get("/backorders", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert first["items"][0]["order_id"] != second["items"][0]["order_id"]
    assert second["next_cursor"] is None and second["total"] == 2
    other = shop.get("/backorders", params={"limit": 1, "cursor": first["next_cursor"], "tier": "gold"})
    assert other.status_code == 400
    assert shop.get("/backorders", params={"cursor": "garbage!"}).status_code == 400


def test_notifications_filter_by_order_and_kind(shop):
    everything = shop.get("/notifications").json()["items"]
    assert everything, "orders that wait are told so"
    of_o2 = shop.get("/notifications", params={"order": "o2"}).json()["items"]
    assert of_o2 and {n["order_id"] for n in of_o2} == {"o2"}
    kind = of_o2[0]["kind"]
    assert all(n["kind"] == kind for n in shop.get("/notifications", params={"kind": kind}).json()["items"])


def test_the_report_is_json_and_csv(shop):
    figures = shop.get("/report", params={"from": m.day(0), "to": m.day(30)}).json()
    assert figures["lines"] == 3 and figures["backordered_lines"] == 2
    table = shop.get("/report", headers={"Accept": "text/csv"})
    assert table.headers["content-type"].startswith("text/csv")
    header, *rows = table.text.splitlines()
    assert header.startswith("sku,lines,units") and rows[0].startswith("A,3,11")


def test_health_is_open_and_ready_when_the_stores_answer(shop):
    assert shop.client.get("/health/live").status_code == 200
    ready = shop.client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert {c["name"] for c in ready.json()["checks"]} >= {"event store", "read store", "projections"}


def test_viewers_see_emails_masked_auditors_see_them(shop):
    masked = shop.get("/orders/o1", Role.VIEWER).json()["customer_email"]
    assert masked == "s***@example.com"
    assert shop.get("/orders/o1", Role.AUDITOR).json()["customer_email"] == EMAIL
    told = shop.get("/notifications", Role.VIEWER).json()["items"]
    assert EMAIL not in str(told)


@pytest.mark.postgres
def test_readiness_fails_with_the_reason_when_the_read_models_stop_following_the_log(
    tmp_path, postgres_schema, kafka_bootstrap
):
    # Given a production service whose projections were run once, then stopped
    settings = settings_for("postgres", tmp_path, postgres_schema, kafka_bootstrap).model_copy(
        update={"ready_max_lag_seconds": 0}
    )
    apply_shop(settings, *SHOP[:3])
    project(settings)
    try:
        with served(settings) as shop:
            report_figures_computed(shop.client)
            assert shop.client.get("/health/ready").status_code == 200
            # When the log moves on without them
            apply_shop(settings, SHOP[3])
            shop.client.get("/health/ready")
            time.sleep(0.05)
            answer = shop.client.get("/health/ready")
            # Then the service is not ready, and says why
            assert answer.status_code == 503
            (projections,) = [c for c in answer.json()["checks"] if c["name"] == "projections"]
            assert not projections["ok"] and "behind the log" in projections["detail"]
            # And ready again once they catch up
            project(settings)
            assert shop.client.get("/health/ready").status_code == 200
    finally:
        drop_read_schema(settings)


def test_the_buyer_sees_purchase_orders_with_what_they_cover_and_the_supplier_s_scorecard(shop):
    # Given a PO of 6 A placed with S1 while 8 units of A wait
    # When the buyer asks for open POs, the worklist and S1's scorecard
    (po,) = shop.get("/purchase-orders").json()["items"]
    card = shop.get("/suppliers/S1").json()
    listed = shop.get("/suppliers").json()

    # Then the PO names its line and the waiting units it will serve
    assert (po["purchase_order_id"], po["supplier_id"], po["status"]) == ("po-1", "S1", "placed")
    assert [(line["sku"], line["ordered"], line["open"]) for line in po["lines"]] == [("A", 6, 6)]
    assert po["covers"]["units"] == 6
    assert shop.get("/replenishment").status_code == 200
    # And the scorecard counts the open PO; the list holds the same card
    assert card["supplier_id"] == "S1" and card["open_pos"] == 1
    assert [c["supplier_id"] for c in listed["items"]] == ["S1"]


def test_the_capacity_outlook_is_what_antrian_capacity_json_prints(shop):
    # Given main holds 2 units at most, and 3 of A are on hand there (allocated, they ship on day 1)
    configured = {
        "message_id": "wh-1",
        "type": "WarehouseConfigured",
        "occurred_at": "2026-01-05T07:00:00Z",
        "warehouse": "main",
        "capacity_units": 2,
    }
    assert shop.post("/messages", json=configured).status_code == 200
    # When the outlook is asked for two weeks
    found = shop.get("/capacity", params={"weeks": 2}).json()
    # Then main is projected with its capacity, and no run means no demand, said so
    assert found["weeks"] == 2 and found["demand"].startswith("no planning run yet")
    (main,) = [w for w in found["warehouses"] if w["warehouse"] == "main"]
    assert main["capacity_units"] == 2 and main["weeks"] and main["overflows"] == []
    assert shop.get("/capacity", params={"weeks": 0}).status_code == 422


def test_get_report_carries_an_empty_capacity_outlook_when_no_warehouse_has_a_capacity(shop):
    found = shop.get("/report").json()
    assert found["capacity_outlook"] == {
        "configured": False,
        "as_of": None,
        "weeks": None,
        "demand": None,
        "warehouses": [],
    }


def test_get_report_carries_the_capacity_outlook_for_a_warehouse_over_capacity(shop):
    # Given main holds 10 units and north 100, and po-2 brings 15 B to main (B's home) on day 3
    for message in (
        m.warehouse_configured("w-1", "main", capacity_units=10),
        m.warehouse_configured("w-2", "north", capacity_units=100),
        m.po_placed("p-2", "po-2", (("B", 15),), expected=m.day(3), at=m.ts(hours=6)),
    ):
        assert shop.post("/messages", json=message).json()["applied"] == 1
    # When the report is asked for (a range changes nothing: the outlook looks ahead from the store)
    found = shop.get("/report", params={"from": m.day(0), "to": m.day(1)}).json()["capacity_outlook"]
    # Then main is 5 over from po-2's week on (A's 3 allocated units leave on day 1), with what to do
    assert found["configured"] and found["weeks"] == 8
    main, north = found["warehouses"]
    week = main["weeks_over"][0]
    assert (week["week"], week["over_units"], week["over_volume"]) == ("2026-W02", 5, None)
    assert [(po["po_id"], po["units"], po["skus"]) for po in week["purchase_orders"]] == [("po-2", 15, ["B"])]
    assert [(a["kind"], a["po_id"], a["warehouse"]) for a in main["advice"]][-1] == (
        "receive_elsewhere",
        "po-2",
        "north",
    )
    assert main["advice_text"] == "rent space for 5 units from 2026-W02 to 2026-W10, or receive po-2 at north"
    assert north["advice_text"] is None
    # And it is what `GET /capacity` projects
    capacity = shop.get("/capacity").json()
    (projected,) = [w for w in capacity["warehouses"] if w["warehouse"] == "main"]
    assert [a["text"] for a in main["advice"]] == [s["text"] for s in projected["suggestions"]]


def test_the_scorecard_counts_first_receipts_by_days_late_over_the_dates_it_names(shop):
    # Given po-1 (6 A, promised day 6) first received on day 9: three days late
    receipt = m.stock_received("r-9", "A", 6, at=m.ts(9), po="po-1", supplier_id="S1")
    assert shop.post("/messages", json=receipt).json()["applied"] == 1
    if shop.settings.store == "postgres":
        project(shop.settings)
    # When the buyer asks for S1's scorecard, alone and in the list
    card = shop.get("/suppliers/S1").json()
    (listed,) = shop.get("/suppliers").json()["items"]

    # Then every bucket is there, earliest first, the receipt in 3-5 days late, with the range it spans
    spread = card["delay_distribution"]
    assert [(b["bucket"], b["min_days"], b["max_days"], b["pos"]) for b in spread["buckets"]] == [
        ("early", None, -1, 0),
        ("on_time", 0, 0, 0),
        ("late_1_2", 1, 2, 0),
        ("late_3_5", 3, 5, 1),
        ("late_6_10", 6, 10, 0),
        ("late_11_20", 11, 20, 0),
        ("late_over_20", 21, None, 0),
    ]
    assert (spread["first_received_on"], spread["last_received_on"]) == (m.day(9), m.day(9))
    assert listed["delay_distribution"] == spread and card["received_pos"] == 1


def test_an_unknown_supplier_is_404_and_an_unknown_status_filter_422(shop):
    assert shop.get("/suppliers/NOPE").status_code == 404
    assert shop.get("/purchase-orders?status=bogus").status_code == 422


def test_a_queue_is_answered_from_memory_until_the_queue_read_model_moves(shop):
    # Given A's queue was asked for twice with nothing new in between
    backend = shop.client.app.state.backend
    first = shop.get("/skus/A/queue").json()
    with backend.reading() as tx:
        assert backend.queues.queue(tx, "A") is backend.queues.queue(tx, "A")
    assert shop.get("/backorders", params={"sku": "A"}).json()["total"] == 2
    # When another order for A is placed and the projections apply it
    placed = m.order_placed("o-4", "o4", (("1", "A", 1),), at=m.ts(hours=6), customer_id="c-5")
    assert shop.post("/messages", json=placed).json()["applied"] == 1
    if shop.settings.store == "postgres":
        project(shop.settings)
    # Then both endpoints answer the new line at the end of the queue, not the remembered queue
    after = shop.get("/skus/A/queue").json()
    assert [e["order_id"] for e in after["entries"]] == [e["order_id"] for e in first["entries"]] + ["o4"]
    assert shop.get("/backorders", params={"sku": "A"}).json()["total"] == 3
