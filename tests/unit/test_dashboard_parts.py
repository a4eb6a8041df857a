"""The dashboard's pure parts: actions as messages, PO coverage of a queue, SVG charts, report series."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from infra.http.ui.forms import back_to
from infra.http.ui.messages import ActionError, build
from infra.http.ui.pages.buyers import received_between
from infra.http.ui.supply import coverage
from infra.http.ui.svg import bar_chart, line_chart, stacked_bar_chart
from projections.analytics.report import waiting_by_day
from services.parsing import parse_message

NOW = datetime(2026, 1, 9, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("form", "kind"),
    [
        ({"action": "cancel-line", "order_id": "o1", "line_id": "1", "reason": "phoned"}, "OrderCancelled"),
        ({"action": "cancel-order", "order_id": "o1", "reason": "phoned"}, "OrderCancelled"),
        (
            {"action": "accept-substitute", "order_id": "o1", "line_id": "1", "reason": "asked by phone"},
            "SubstituteAccepted",
        ),
        (
            {
                "action": "decline-substitute",
                "order_id": "o1",
                "line_id": "1",
                "reason": "wants the original",
            },
            "SubstituteDeclined",
        ),
        ({"action": "release-ahead", "order_id": "o1", "line_id": "1", "reason": "vip"}, "LineReleasedAhead"),
        (
            {"action": "withdraw-release", "order_id": "o1", "line_id": "1", "reason": "x"},
            "LineReleaseWithdrawn",
        ),
        (
            {
                "action": "configure-sku",
                "sku": "A",
                "reorder_point": "4",
                "safety_stock": "2",
                "allocation_policy": "fifo-v1",
                "reason": "supplier slower",
            },
            "SkuConfigured",
        ),
    ],
)
def test_each_action_is_a_message_the_contracts_accept_with_an_id_naming_the_dashboard_and_caller(form, kind):
    import orjson

    action = build(form, "ops-1", NOW)
    assert action.message is not None and action.message["message_id"].startswith("ui:ops-1:")
    parsed = parse_message(orjson.dumps(action.message))
    assert type(parsed).__name__.startswith(kind)
    assert (
        getattr(parsed, "reason", None) == form["reason"]
    )  # every action says why, sent as version 2 where v1 could not


@pytest.mark.parametrize(
    "form",
    [
        {"action": "accept-substitute", "order_id": "o1", "line_id": "1"},
        {"action": "decline-substitute", "order_id": "o1", "line_id": "1", "reason": "  "},
        {"action": "configure-sku", "sku": "A", "reorder_point": "4", "safety_stock": "2"},
    ],
)
def test_a_substitute_answer_or_a_settings_change_without_a_reason_is_refused_before_anything_is_sent(form):
    with pytest.raises(ActionError, match="reason"):
        build(form, "ops-1", NOW)


def test_substitute_answers_and_settings_changes_are_sent_as_version_2_with_the_reason():
    for action in ("accept-substitute", "decline-substitute"):
        sent = build(
            {"action": action, "order_id": "o1", "line_id": "1", "reason": "phoned"}, "x", NOW
        ).message
        assert sent is not None and (sent["schema_version"], sent["reason"]) == (2, "phoned")
    form = {"action": "configure-sku", "sku": "A", "reorder_point": "4", "safety_stock": "2", "reason": "q2"}
    sent = build(form, "x", NOW).message
    assert sent is not None and (sent["type"], sent["schema_version"], sent["reason"]) == (
        "SkuConfigured",
        2,
        "q2",
    )


def test_a_cancel_without_a_reason_or_a_count_that_is_no_number_is_refused_before_anything_is_sent():
    with pytest.raises(ActionError, match="reason"):
        build({"action": "cancel-order", "order_id": "o1", "reason": " "}, "ops-1", NOW)
    with pytest.raises(ActionError, match="reorder point"):
        build({"action": "configure-sku", "sku": "A", "reorder_point": "-1", "safety_stock": "0"}, "x", NOW)
    with pytest.raises(ActionError, match="unknown action"):
        build({"action": "drop-table"}, "x", NOW)


def test_a_form_leads_back_only_to_a_dashboard_page():
    assert back_to("/ui/orders/o1") == "/ui/orders/o1"
    assert back_to("https://evil.example/") == "/ui"
    assert back_to("//evil.example/ui") == "/ui"


def entry(position, quantity, eta="2026-01-12"):
    return {"position": position, "quantity": quantity, "eta": eta}


def supply(po, quantity, covered, arrival):
    return {
        "purchase_order_id": po,
        "quantity": quantity,
        "expected_arrival": arrival,
        "covers": {"units": covered, "lines": 0},
    }


def test_each_po_covers_the_queue_positions_its_units_reach_in_arrival_order():
    queue = [entry(1, 4), entry(2, 3), entry(3, 5)]
    rows = coverage(queue, [supply("late", 10, 5, "2026-01-20"), supply("early", 5, 5, "2026-01-10")])
    # the earlier arrival serves the head: 5 units reach positions 1 and 2 (4 + 1 of 3)
    assert [(r["purchase_order_id"], r["first"], r["last"], r["cumulative"]) for r in rows] == [
        ("early", 1, 2, 5),
        ("late", 2, 3, 10),
    ]


def test_charts_are_svg_with_their_title_and_labels_as_text():
    line = line_chart("Units waiting", ["01-05", "01-06"], [("units", [3, 5])], "units")
    assert line.startswith("<svg") and "Units waiting" in line and "01-06" in line
    bars = bar_chart("On time", [("Acme <Ltd>", 50.0, "50%")], top=100)
    assert "Acme &lt;Ltd&gt;" in bars and "50%" in bars
    assert "nothing to draw" in line_chart("Empty", [], [], "units")


def test_a_stacked_bar_splits_each_row_by_its_counts_named_in_the_legend_and_tooltips():
    chart = stacked_bar_chart(
        "By days late",
        ["early", "on time", "late"],
        [("Acme <Ltd>", [1, 3, 0], "4 POs"), ("Nobody", [0, 0, 0], "no receipts")],
    )
    assert chart.startswith("<svg") and "Acme &lt;Ltd&gt;" in chart and "4 POs" in chart
    assert (
        "Acme &lt;Ltd&gt;, on time: 3" in chart and "Acme &lt;Ltd&gt;, late: 0" not in chart
    )  # no empty part
    assert all(f">{name}</text>" in chart for name in ("early", "on time", "late"))  # the legend
    assert chart.count("<rect") == 3 + 2  # three swatches, two parts: a row counting nothing has no bar
    assert "nothing to draw" in stacked_bar_chart("Empty", [], [])


def test_the_buyers_page_names_the_dates_its_distribution_spans_over_every_supplier():
    def card(first, last):
        return {"delay_distribution": {"first_received_on": first, "last_received_on": last}}

    cards = [card("2026-01-09", "2026-02-01"), card(None, None), card("2026-01-03", "2026-01-20")]
    assert received_between(cards) == ("2026-01-03", "2026-02-01")
    assert received_between([card(None, None)]) is None


def test_units_waiting_per_day_carry_over_days_without_change_and_keep_to_the_range():
    changes = [
        (datetime(2026, 1, 5, 9, tzinfo=UTC), 4),
        (datetime(2026, 1, 5, 15, tzinfo=UTC), 2),
        (datetime(2026, 1, 8, 10, tzinfo=UTC), -6),
    ]
    assert waiting_by_day(changes, None, None) == {
        date(2026, 1, 5): 6,
        date(2026, 1, 6): 6,
        date(2026, 1, 7): 6,
        date(2026, 1, 8): 0,
    }
    assert waiting_by_day(changes, date(2026, 1, 6), date(2026, 1, 7)) == {
        date(2026, 1, 6): 6,
        date(2026, 1, 7): 6,
    }
