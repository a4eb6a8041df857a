"""The dashboard in a real headless Chromium against `antrian serve`: what a person signed in sees and does."""

from __future__ import annotations

import json
import time

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests import messages as m
from tests.browser.conftest import sign_in
from tests.support.browser import screenshot
from tests.support.process import antrian

pytestmark = pytest.mark.browser
SWAPPING = (StaleElementReferenceException, NoSuchElementException)  # a live page's content being swapped


def text(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def test_signing_in_needs_a_valid_token_and_signing_out_ends_the_session(served, browser):
    # Given the dashboard, not signed in: a page leads to the sign-in form
    browser.get(f"{served.base}/ui/backorders")
    assert "/ui/signin" in browser.current_url
    screenshot(browser, "signin")
    # When a wrong token is given, then it is refused
    browser.find_element(By.ID, "token").send_keys("antrian_0000000000000000_nottherightsecretatall")
    browser.find_element(By.ID, "signin").click()
    assert "unknown or revoked token" in text(browser, "signin-error")
    # When the right one is given, then the page asked for opens, and the cookie is HttpOnly and Strict
    browser.find_element(By.ID, "token").send_keys(served.tokens["viewer"])
    browser.find_element(By.ID, "signin").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/ui/backorders"))
    (cookie,) = [c for c in browser.get_cookies() if c["name"] == "antrian_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert served.tokens["viewer"] not in json.dumps(browser.get_cookies())
    # When signing out, then pages lead to the sign-in form again
    browser.find_element(By.ID, "signout").click()
    WebDriverWait(browser, 10).until(lambda d: "/ui/signin" in d.current_url)
    browser.get(f"{served.base}/ui")
    assert "/ui/signin" in browser.current_url


def test_the_overview_figures_are_the_reports_and_the_queues(served, browser):
    sign_in(browser, served, "viewer")
    report = served.api("GET", "/report").json()
    waiting = served.api("GET", "/backorders", params={"limit": 500}).json()
    browser.get(f"{served.base}/ui")
    assert text(browser, "fill-rate") == pct(report["fill_rate"])
    assert text(browser, "backorder-rate") == pct(report["backorder_rate"])
    assert text(browser, "lines-waiting") == str(waiting["total"]) == str(report["still_waiting_lines"])
    assert text(browser, "units-waiting") == str(sum(b["quantity"] for b in waiting["items"]))
    # every chart names its range and the time of its figures
    for chart in ("chart-waiting", "chart-waits"):
        caption = browser.find_element(By.CSS_SELECTOR, f"#{chart} figcaption").text
        assert "figures of" in caption and "UTC" in caption
    assert "Units waiting" in browser.find_element(By.CSS_SELECTOR, "#chart-waiting svg").get_attribute(
        "innerHTML"
    )
    screenshot(browser, "overview")


def test_backorders_filter_and_a_row_opens_its_order_whose_eta_and_position_are_antrian_orders(
    served, browser
):
    sign_in(browser, served, "viewer")
    browser.get(f"{served.base}/ui/backorders")
    assert text(browser, "total") == "3"
    screenshot(browser, "backorders")
    # When filtered to gold customers
    Select(browser.find_element(By.NAME, "tier")).select_by_value("gold")
    browser.find_element(By.ID, "apply-filters").click()
    WebDriverWait(browser, 10).until(lambda d: "tier=gold" in d.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "#backorders tbody tr")
    assert [r.get_attribute("data-order") for r in rows] == ["o2"] and text(browser, "total") == "1"
    # When its row is opened
    rows[0].click()
    assert browser.current_url.endswith("/ui/orders/o2")
    cli = json.loads(antrian("order", "o2", "--json", db=served.db).stdout)
    (line,) = cli["lines"]
    row = browser.find_element(By.CSS_SELECTOR, "#lines tr[data-line='1']")
    assert row.find_element(By.CSS_SELECTOR, ".position").text == str(line["position"])
    assert row.find_element(By.CSS_SELECTOR, ".eta").text.startswith(line["eta"])
    screenshot(browser, "order")


def test_a_viewer_sees_no_email_and_no_action_and_the_api_refuses_it(served, browser):
    sign_in(browser, served, "viewer")
    browser.get(f"{served.base}/ui/orders/o2")
    assert text(browser, "customer-email") == "s***@example.com"
    assert "sari@example.com" not in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, ".actions form") == []
    assert "auditor" in text(browser, "audit-hidden")
    browser.get(f"{served.base}/ui/skus/A")
    assert browser.find_elements(By.ID, "sku-actions") == []
    assert "sari@example.com" not in browser.page_source
    # the API refuses the viewer's message, and so does the dashboard's action endpoint
    posted = served.api("POST", "/messages", role="viewer", json=m.order_cancelled("x-1", "o2"))
    assert posted.status_code == 403
    browser.execute_script(
        "return fetch('/ui/actions/review', {method: 'POST', body: 'action=cancel-order&order_id=o2&reason=x'})"
        ".then(r => { document.title = 'status ' + r.status; })"
    )
    WebDriverWait(browser, 5).until(lambda d: d.title.startswith("status"))
    assert browser.title == "status 403"


def test_an_auditor_sees_emails_the_timeline_and_the_replay(served, browser):
    sign_in(browser, served, "auditor")
    browser.get(f"{served.base}/ui/orders/o2")
    assert text(browser, "customer-email") == "sari@example.com"
    assert "Order.Placed" in text(browser, "audit")
    browser.find_element(By.ID, "replay-button").click()
    verdicts = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".decision summary span")}
    assert verdicts == {"MATCH"}
    assert "Inputs" in browser.find_element(By.CSS_SELECTOR, ".decision").text
    screenshot(browser, "order-replay")


def _act(browser, form_id: str, **fields: str) -> None:
    """Fill an action's form, open its review, check the impact is shown, then confirm."""
    form = browser.find_element(By.ID, form_id)
    for name, value in fields.items():
        box = form.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert browser.find_element(By.ID, "impact").text.strip()
    if "reason" in fields:  # the review shows what will be recorded as the reason
        assert fields["reason"] in text(browser, "review-reason")
    screenshot(browser, f"review-{form_id}")
    browser.find_element(By.ID, "confirm").click()
    WebDriverWait(browser, 10).until(lambda d: "done=" in d.current_url)
    assert "applied" in text(browser, "notice"), text(browser, "notice")


def test_an_operator_cancels_a_line_and_the_audit_shows_it_with_the_reason(served, browser):
    sign_in(browser, served, "admin")
    browser.get(f"{served.base}/ui/orders/o3")
    _act(browser, "cancel-1", reason="customer phoned")
    assert browser.find_element(By.CSS_SELECTOR, "#lines tr[data-line='1'] .state").text == "cancelled"
    audit = text(browser, "audit")
    assert "customer phoned" in audit and "ui:admin-1:" in audit
    # the line behind moved up: o4 was third in A's queue
    browser.get(f"{served.base}/ui/orders/o4")
    assert browser.find_element(By.CSS_SELECTOR, "#lines tr[data-line='1'] .position").text == "2"


def test_an_operator_cancels_a_whole_order(served, browser):
    sign_in(browser, served, "operator")
    browser.get(f"{served.base}/ui/orders/o2")
    _act(browser, "cancel-order", reason="duplicate order")
    assert browser.find_element(By.CSS_SELECTOR, "#lines tr[data-line='1'] .state").text == "cancelled"
    assert served.api("GET", "/orders/o2").json()["lines"][0]["status"] == "cancelled"


def _audit_line(browser, event_type: str, reason: str) -> str:
    """The one audit row of that event type whose text holds the reason."""
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#audit tbody tr") if event_type in r.text]
    (row,) = [r for r in rows if reason in r] or [f"no {event_type} row says {reason!r}: {rows}"]
    assert reason in row, row
    return row


def test_an_operator_accepts_a_substitute_and_the_audit_line_says_why(served, browser):
    sign_in(browser, served, "admin")
    browser.get(f"{served.base}/ui/orders/o4")
    _act(browser, "accept-1", reason="customer agreed by phone")
    line = served.api("GET", "/orders/o4").json()["lines"][0]
    assert line["substitute_allocated"] == 2
    assert "admin-1" in _audit_line(browser, "Order.SubstituteAccepted", "customer agreed by phone")


def test_an_operator_declines_a_substitute_and_the_audit_line_says_why(served, browser):
    sign_in(browser, served, "admin")
    browser.get(f"{served.base}/ui/orders/o4")
    _act(browser, "decline-1", reason="wants the original tea")
    assert served.api("GET", "/orders/o4").json()["lines"][0]["substitute_offers"] == ["B x2 declined"]
    assert "admin-1" in _audit_line(browser, "Order.SubstituteDeclined", "wants the original tea")


def test_an_operator_changes_a_skus_settings_and_the_audit_line_says_why(served, browser):
    sign_in(browser, served, "admin")
    browser.get(f"{served.base}/ui/skus/A")
    screenshot(browser, "sku")
    _act(browser, "configure", reorder_point="9", safety_stock="3", reason="supplier slower this month")
    assert text(browser, "settings") == "9 / 3"
    found = served.api("GET", "/skus/A").json()
    assert (found["reorder_point"], found["safety_stock"]) == (9, 3)
    assert "admin-1" in _audit_line(browser, "Stock.Configured", "supplier slower this month")


def test_a_substitute_answer_or_a_settings_change_cannot_be_sent_without_a_reason(served, browser):
    sign_in(browser, served, "operator")
    browser.get(f"{served.base}/ui/orders/o4")
    for form_id in ("accept-1", "decline-1"):
        box = browser.find_element(By.ID, form_id).find_element(By.NAME, "reason")
        assert box.get_attribute("required") == "true"
        assert box.find_element(By.XPATH, "ancestor::label").text.startswith("Reason")
    browser.get(f"{served.base}/ui/skus/A")
    assert browser.find_element(By.CSS_SELECTOR, "#configure input[name=reason]").get_attribute("required")
    # Sent without one anyway (the browser's own check skipped), the review refuses it and sends nothing
    browser.execute_script(
        "document.querySelector('#configure input[name=reason]').removeAttribute('required')"
    )
    browser.find_element(By.CSS_SELECTOR, "#configure button[type=submit]").click()
    assert "reason" in text(browser, "action-error")
    assert served.api("GET", "/skus/A").json()["reorder_point"] == 4  # as configured before


def test_an_operator_corrects_a_dead_letter_and_retries_it(served, browser):
    # Given a message refused: a line of 0 units
    bad = m.order_placed("bad-1", "o9", (("1", "A", 0),), at=m.ts(hours=8))
    assert served.api("POST", "/messages", role="operator", json=bad).json()["refused"] == 1
    sign_in(browser, served, "operator")
    browser.get(f"{served.base}/ui/dead-letters")
    assert text(browser, "letter-count") == "1"
    screenshot(browser, "dead-letters")
    # When corrected to 1 unit and retried
    (box,) = browser.find_elements(By.CSS_SELECTOR, "textarea[name=corrected]")
    fixed = json.dumps({**bad, "lines": [{"line_id": "1", "sku": "A", "quantity": 1}]})
    browser.execute_script("arguments[0].value = arguments[1]", box, fixed)
    box.find_element(By.XPATH, "ancestor::form").find_element(By.CSS_SELECTOR, "button").click()
    assert "Refused before" in text(browser, "impact")
    browser.find_element(By.ID, "confirm").click()
    WebDriverWait(browser, 10).until(lambda d: "done=" in d.current_url)
    # Then it is applied, the letter resolved, the order placed
    assert "applied" in text(browser, "notice")
    assert text(browser, "letter-count") == "0"
    assert served.api("GET", "/orders/o9").status_code == 200


def test_the_sku_page_updates_without_a_reload_within_two_seconds(served, browser):
    sign_in(browser, served, "viewer")
    browser.get(f"{served.base}/ui/skus/A")
    assert text(browser, "on-hand") == "3"
    browser.execute_script("window.notReloaded = true")
    time.sleep(1.2)  # the page's first poll has its version
    # When stock arrives through the API
    posted = served.api(
        "POST", "/messages", role="operator", json=m.stock_received("s-9", "A", 5, at=m.ts(hours=9))
    )
    assert posted.json()["applied"] == 1
    sent = time.monotonic()
    WebDriverWait(browser, 10, poll_frequency=0.05, ignored_exceptions=SWAPPING).until(
        lambda d: text(d, "on-hand") == "8"
    )
    took = time.monotonic() - sent
    # Then the figure changed in place, within 2 seconds
    assert browser.execute_script("return window.notReloaded === true")
    assert took < 2.0, f"the update took {took:.2f} s"


def test_the_overview_updates_without_a_reload(served, browser):
    sign_in(browser, served, "viewer")
    browser.get(f"{served.base}/ui")
    before = text(browser, "lines-waiting")
    browser.execute_script("window.notReloaded = true")
    served.api("POST", "/messages", role="operator", json=m.order_cancelled("c-9", "o3", at=m.ts(hours=8)))
    WebDriverWait(browser, 5, poll_frequency=0.05, ignored_exceptions=SWAPPING).until(
        lambda d: text(d, "lines-waiting") != before
    )
    assert browser.execute_script("return window.notReloaded === true")


def test_the_buyers_and_report_pages_draw_their_charts_with_names_and_ranges(served, browser):
    sign_in(browser, served, "viewer")
    browser.get(f"{served.base}/ui/buyers")
    assert "S1" in browser.find_element(By.ID, "chart-on-time").text or "S1" in text(browser, "scorecard")
    screenshot(browser, "buyers")
    browser.get(f"{served.base}/ui/report?from={m.day(0)}&to={m.day(30)}")
    assert m.day(0) in text(browser, "range-text")
    report = served.api("GET", "/report", params={"from": m.day(0), "to": m.day(30)}).json()
    assert text(browser, "r-fill-rate") == pct(report["fill_rate"])
    for chart in ("chart-waiting", "chart-waits", "chart-skus", "chart-suppliers"):
        assert m.day(0) in browser.find_element(By.CSS_SELECTOR, f"#{chart} figcaption").text
    screenshot(browser, "report")


def test_the_report_page_shows_no_capacity_outlook_while_no_warehouse_has_a_capacity(served, browser):
    sign_in(browser, served, "viewer")
    browser.get(f"{served.base}/ui/report")
    assert text(browser, "r-fill-rate")
    assert (
        not browser.find_elements(By.ID, "capacity-outlook") and "Capacity outlook" not in browser.page_source
    )


def test_the_report_page_shows_each_warehouse_over_capacity_with_what_to_do(served, browser):
    # Given main holds 10 units and north 100, and po-2 brings 15 B to main on day 3
    for message in (
        m.warehouse_configured("w-1", "main", capacity_units=10),
        m.warehouse_configured("w-2", "north", capacity_units=100),
        m.po_placed("p-2", "po-2", (("B", 15),), expected=m.day(3), at=m.ts(hours=8)),
    ):
        assert served.api("POST", "/messages", role="operator", json=message).json()["applied"] == 1
    # When a buyer opens the report page
    sign_in(browser, served, "viewer")
    browser.get(f"{served.base}/ui/report")
    # Then the table names main (north is within its capacity), the weeks over, po-2, and the advice
    outlook = served.api("GET", "/report").json()["capacity_outlook"]
    (main,) = [w for w in outlook["warehouses"] if w["advice_text"]]
    rows = browser.find_elements(By.CSS_SELECTOR, "#capacity-outlook tbody tr")
    cells = [cell.text for cell in rows[0].find_elements(By.TAG_NAME, "td")]
    assert len(rows) == 1 and cells[:2] == ["main", "10 units"]
    first, last = main["weeks_over"][0], main["weeks_over"][-1]
    assert cells[2] == f"{first['week']} to {last['week']}: {first['over_units']} units over"
    assert "po-2" in cells[3] and cells[4] == main["advice_text"]
    assert "rent space for" in cells[4] and "or receive po-2 at north" in cells[4]
    assert outlook["as_of"] in text(browser, "capacity-asof")
    screenshot(browser, "report-capacity")


def test_the_buyers_page_draws_each_suppliers_delay_distribution_with_its_name_legend_and_dates(
    served, browser
):
    # Given po-1 (6 A from S1, promised day 6) first received on day 9: three days late
    receipt = m.stock_received("r-9", "A", 6, at=m.ts(9), po="po-1", supplier_id="S1")
    assert served.api("POST", "/messages", role="operator", json=receipt).json()["applied"] == 1
    # When a buyer opens the Buyers page
    sign_in(browser, served, "viewer")
    browser.get(f"{served.base}/ui/buyers")
    chart = browser.find_element(By.ID, "chart-distribution")
    drawn = chart.find_element(By.TAG_NAME, "svg").get_attribute("innerHTML")
    # Then the supplier's bar is labelled with its name, the legend names every bucket,
    # the three-days-late part holds its one PO, and the caption says the dates of the figures
    card = served.api("GET", "/suppliers/S1").json()
    assert f"{card['name']} (S1)" in drawn and "1 PO<" in drawn
    for legend in ("early", "on time", "1-2 d late", "3-5 d late", "over 20 d late"):
        assert legend in drawn
    assert f"{card['name']} (S1), 3-5 d late: 1" in drawn
    caption = chart.find_element(By.TAG_NAME, "figcaption").text
    assert f"first receipts from {m.day(9)} to {m.day(9)}" in caption and "figures of" in caption
    screenshot(browser, "buyers-distribution")


def test_an_operator_releases_a_line_ahead_and_undoes_it(served, browser):
    sign_in(browser, served, "admin")
    browser.get(f"{served.base}/ui/orders/o4")
    position = browser.find_element(By.CSS_SELECTOR, "#lines tr[data-line='1'] .position")
    assert position.text == "3"
    # When released ahead: the review shows the engine's preview (position 3 -> 1), then it is first
    form = browser.find_element(By.ID, "release-1")
    form.find_element(By.NAME, "reason").send_keys("hospital order")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert "would apply" in text(browser, "preview-outcome")
    moved = browser.find_element(By.CSS_SELECTOR, "#preview-lines tr[data-order='o4'] .position").text
    assert moved == "3 → 1"
    assert served.api("GET", "/orders/o4").json()["lines"][0]["position"] == 3  # nothing sent yet
    browser.find_element(By.ID, "confirm").click()
    WebDriverWait(browser, 10).until(lambda d: "done=" in d.current_url)
    assert browser.find_element(By.CSS_SELECTOR, "#lines tr[data-line='1'] .position").text == "1"
    assert (
        browser.find_element(By.CSS_SELECTOR, "#lines tr[data-line='1'] .released").text == "released ahead"
    )
    assert not browser.find_elements(By.ID, "release-1")  # released: only the undo is offered
    assert "hospital order" in text(browser, "audit") and "admin-1" in text(browser, "audit")
    # When the release is withdrawn, then it goes back to its place
    _act(browser, "withdraw-1", reason="released by mistake")
    assert browser.find_element(By.CSS_SELECTOR, "#lines tr[data-line='1'] .position").text == "3"
    assert "released by mistake" in text(browser, "audit")
    assert browser.find_elements(By.ID, "release-1") and not browser.find_elements(By.ID, "withdraw-1")
