"""Who may call what: every endpoint x no token / a bad token / each role, and personal data for viewers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from infra.http.auth import AUDITORS, READERS, WRITERS
from infra.http.tokens import Role
from tests import messages as m
from tests.support.http_api import EMAIL, SHOP, ServedShop, apply_shop, served, settings_for

BAD = m.order_placed("bad-1", "o9", (("1", "A", 0),), at=m.ts(hours=6), email=EMAIL)  # no units: refused

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedShop]:
    settings = settings_for("sqlite", Path(tmp_path_factory.mktemp("roles")))
    apply_shop(settings, *SHOP)
    with served(settings) as shop:
        # a dead letter to list and retry, holding a customer email
        refused = shop.post("/messages", json=BAD).json()["outcomes"][0]
        shop.letter = refused["dead_letter_id"] or ""
        yield shop


def _endpoints(letter: str) -> list[tuple[str, str, tuple[Role, ...], dict]]:
    duplicate = {"content": orjson.dumps(SHOP[0]), "headers": {"Content-Type": "application/json"}}
    return [
        ("GET", "/skus/A", READERS, {}),
        ("GET", "/skus/A/queue", READERS, {}),
        ("GET", "/skus/A/audit", AUDITORS, {}),
        ("GET", "/orders/o2", READERS, {}),
        ("GET", "/orders/o2/audit", AUDITORS, {}),
        ("GET", "/orders/o2/decisions", AUDITORS, {}),
        ("GET", "/backorders", READERS, {}),
        ("GET", "/notifications", READERS, {}),
        ("GET", "/dead-letters", READERS, {}),
        ("GET", "/report", READERS, {}),
        ("GET", "/purchase-orders", READERS, {}),
        ("GET", "/replenishment", READERS, {}),
        ("GET", "/suppliers", READERS, {}),
        ("GET", "/suppliers/S1", READERS, {}),
        ("GET", "/capacity", READERS, {}),
        ("POST", "/messages", WRITERS, duplicate),
        ("POST", "/messages/preview", WRITERS, duplicate),
        ("POST", f"/dead-letters/{letter}/retry", WRITERS, {}),
    ]


def test_every_endpoint_answers_401_without_a_token_403_to_other_roles_and_200_to_its_own(shop):
    seen = []
    for method, path, allowed, extra in _endpoints(shop.letter):
        assert shop.client.request(method, path, **extra).status_code == 401, path
        bad = {"Authorization": "Bearer antrian_0000000000000000_notatokenatallnotatoken"}
        assert _call(shop, method, path, extra, bad).status_code == 401, path
        for role in Role:
            answer = _call(shop, method, path, extra, shop.as_role(role))
            expected = 200 if role in allowed else 403
            assert answer.status_code == expected, f"{method} {path} as {role.value}: {answer.text}"
            seen.append((path, role))
    assert len(seen) == 18 * len(Role)


def _call(shop: ServedShop, method: str, path: str, extra: dict, auth: dict) -> Any:
    headers = {**extra.get("headers", {}), **auth}
    return shop.client.request(method, path, **{**extra, "headers": headers})


def test_the_openapi_paths_are_exactly_the_endpoints_checked_here_plus_health(shop):
    document = shop.client.get("/openapi.json").json()
    checked = {path.replace(shop.letter, "{letter_id}") for _, path, _, _ in _endpoints(shop.letter)}
    paths = {
        p.replace("{order_id}", "o2").replace("{sku}", "A").replace("{supplier_id}", "S1")
        for p in document["paths"]
    }
    assert paths == checked | {"/health/live", "/health/ready"}


def test_metrics_need_no_token_and_count_refusals_by_route(shop):
    # Given a request refused for want of a token
    assert shop.client.get("/orders/o2").status_code == 401

    # When Prometheus scrapes the service
    scraped = shop.client.get("/metrics")

    # Then it needs no token, the refusal is counted under the route's template, the outbox is read
    assert scraped.status_code == 200
    assert 'antrian_notifications{status="pending"}' in scraped.text
    assert 'antrian_http_requests_total{method="GET",route="/orders/{order_id}",status="401"}' in scraped.text


def test_health_needs_no_token(shop):
    assert shop.client.get("/health/live").status_code == 200
    assert shop.client.get("/health/ready").status_code == 200


def test_viewers_and_operators_never_see_an_email_auditors_and_admins_do(shop):
    paths = ["/orders/o1", "/notifications", "/dead-letters", "/backorders", "/skus/A/queue"]
    for role in (Role.VIEWER, Role.OPERATOR):
        for path in paths:
            assert EMAIL not in shop.get(path, role).text, (role, path)
        assert "s***@example.com" in shop.get("/dead-letters", role).text
    for role in (Role.AUDITOR, Role.ADMIN):
        assert EMAIL in shop.get("/orders/o1", role).text
        assert EMAIL in shop.get("/dead-letters", role).text


def test_a_revoked_token_is_refused_from_the_next_request_on(shop):
    from infra.bootstrap import build_read_store
    from infra.http.tokens import TokenStore

    store = build_read_store(shop.settings)
    try:
        tokens = TokenStore(store)
        token = tokens.create("short-lived", "viewer")
        headers = {"Authorization": f"Bearer {token}"}
        assert shop.client.get("/backorders", headers=headers).status_code == 200
        tokens.revoke("short-lived")
    finally:
        store.close()
    assert shop.client.get("/backorders", headers=headers).status_code == 401
