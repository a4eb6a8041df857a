"""The dashboard's pages over the API's app (TestClient, SQLite): sign-in, CSRF, roles, and the OpenAPI document."""

from __future__ import annotations

import re

import pytest

from infra.http.tokens import Role
from tests.support.http_api import EMAIL, ServedShop, settings_for

pytestmark = pytest.mark.integration
PAGES = (
    "/ui",
    "/ui/backorders",
    "/ui/buyers",
    "/ui/dead-letters",
    "/ui/report",
    "/ui/orders/o2",
    "/ui/skus/A",
)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def shop(sqlite_shop: ServedShop) -> ServedShop:
    return sqlite_shop


def sign_in(shop: ServedShop, role: Role) -> str:
    """Signs the client in; returns the session's CSRF token."""
    form = shop.client.get("/ui/signin")
    token = CSRF.search(form.text).group(1)
    answer = shop.client.post(
        "/ui/signin", data={"csrf": token, "token": shop.tokens[role], "next": "/ui"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return CSRF.search(shop.client.get("/ui").text).group(1)


def test_pages_lead_to_the_sign_in_form_until_signed_in(shop):
    answer = shop.client.get("/ui/orders/o2", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith(
        "/ui/signin?next=/ui/orders/o2"
    )


def test_the_session_cookie_holds_a_session_id_not_the_token(shop):
    sign_in(shop, Role.VIEWER)
    cookie = shop.client.cookies.get("antrian_session")
    assert cookie and cookie != shop.tokens[Role.VIEWER]


def test_sign_in_without_its_csrf_token_is_refused(shop):
    shop.client.get("/ui/signin")
    answer = shop.client.post("/ui/signin", data={"csrf": "forged", "token": shop.tokens[Role.ADMIN]})
    assert answer.status_code == 403


def test_an_action_without_the_sessions_csrf_token_is_refused_and_nothing_is_sent(shop):
    sign_in(shop, Role.ADMIN)
    form = {"action": "cancel-order", "order_id": "o2", "reason": "x", "back": "/ui/orders/o2"}
    assert shop.client.post("/ui/actions/review", data=form).status_code == 403
    assert shop.client.post("/ui/actions/review", data={**form, "csrf": "forged"}).status_code == 403
    assert shop.get("/orders/o2").json()["lines"][0]["status"] != "cancelled"


def test_every_page_answers_and_a_viewer_never_sees_an_email_nor_an_action(shop):
    csrf = sign_in(shop, Role.VIEWER)
    for path in PAGES:
        page = shop.client.get(path)
        assert page.status_code == 200, path
        assert EMAIL not in page.text and "/ui/actions/review" not in page.text, path
    form = {"csrf": csrf, "action": "cancel-order", "order_id": "o2", "reason": "x"}
    assert shop.client.post("/ui/actions/review", data=form).status_code == 403


def test_an_auditor_sees_the_email(shop):
    sign_in(shop, Role.AUDITOR)
    assert EMAIL in shop.client.get("/ui/orders/o2").text


def test_an_unknown_order_is_the_apis_404_worded_on_the_page(shop):
    sign_in(shop, Role.VIEWER)
    answer = shop.client.get("/ui/orders/nope")
    assert answer.status_code == 404 and "unknown order" in answer.text


def test_the_dashboard_is_not_part_of_the_api_contract(shop):
    assert not [p for p in shop.client.get("/openapi.json").json()["paths"] if p.startswith("/ui")]


def test_the_backorders_page_filters_by_warehouse_and_names_the_warehouses(shop):
    sign_in(shop, Role.VIEWER)
    main = shop.client.get("/ui/backorders", params={"warehouse": "main", "start": "junk"})
    assert main.status_code == 200 and '<b id="total">2</b>' in main.text and "<td>main</td>" in main.text
    north = shop.client.get("/ui/backorders", params={"warehouse": "north"})
    assert '<b id="total">0</b>' in north.text


def test_a_signed_in_browser_stays_signed_in_when_the_service_restarts(shop):
    from fastapi.testclient import TestClient

    from infra.http.app import create_app

    sign_in(shop, Role.OPERATOR)
    cookie = shop.client.cookies.get("antrian_session")
    with TestClient(create_app(shop.settings)) as restarted:
        restarted.cookies.set("antrian_session", cookie, path="/ui")
        page = restarted.get("/ui/orders/o2", follow_redirects=False)
    assert page.status_code == 200 and "/ui/actions/review" in page.text


def test_the_read_store_keeps_neither_the_token_nor_the_session_id(shop):
    import sqlite3

    csrf = sign_in(shop, Role.ADMIN)
    cookie = shop.client.cookies.get("antrian_session")
    with sqlite3.connect(shop.settings.read_db_path) as db:
        kept = repr(db.execute("SELECT * FROM ui_sessions").fetchall())
    assert "admin-1" in kept  # the session's name is there ...
    for secret in (shop.tokens[Role.ADMIN], cookie, csrf):  # ... and none of what would let one in
        assert secret not in kept


def test_signing_out_ends_the_session_for_every_instance(shop):
    csrf = sign_in(shop, Role.VIEWER)
    cookie = shop.client.cookies.get("antrian_session")
    assert shop.client.post("/ui/signout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    shop.client.cookies.set("antrian_session", cookie, path="/ui")
    assert shop.client.get("/ui", follow_redirects=False).status_code == 303


def test_a_session_past_its_lifetime_is_gone(tmp_path):
    from infra.bootstrap import build_read_store
    from infra.http.ui.session import LIFETIME_SECONDS, Session, Sessions

    now = [1_000_000.0]
    store = build_read_store(settings_for("sqlite", tmp_path))
    try:
        sessions = Sessions(store, clock=lambda: now[0])
        opened = sessions.open(Session("antrian_x", "ops", Role.OPERATOR, expires=now[0] + LIFETIME_SECONDS))
        assert sessions.find(opened) is not None and sessions.find(opened + "x") is None
        now[0] += LIFETIME_SECONDS + 1
        assert sessions.find(opened) is None
    finally:
        store.close()
