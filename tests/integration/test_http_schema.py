"""The HTTP API fuzzed from its own committed OpenAPI document (schemathesis), as an admin.

Every operation gets generated requests, valid and invalid, against the real app
served by uvicorn over a SQLite store built from the small shop's real messages.
Whatever is asked, the answer is never a 500 and always what docs/openapi.json
says: a documented status, its content type, a body matching its schema; an
invalid request is refused with a 4xx. `POST /messages` gets mutated bodies too:
it answers with a 4xx or an outcome list. Derandomized, so a run is repeatable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from infra.bootstrap import build_read_store
from infra.http.app import create_app
from infra.http.tokens import Role, TokenStore
from tests.support.http_api import SHOP, apply_shop, settings_for
from tests.support.live_server import live

pytestmark = pytest.mark.integration

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = settings_for("sqlite", tmp_path_factory.mktemp("schema"))
    apply_shop(settings, *SHOP)
    store = build_read_store(settings)
    try:
        token = TokenStore(store).create("fuzzer", Role.ADMIN.value)
    finally:
        store.close()
    ADMIN["token"] = token
    with live(create_app(settings)) as base:
        yield base


CONFIG = SchemathesisConfig.from_dict(
    {
        # A cursor is opaque: a generated one is not one this service gave, and its 400 is right.
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404"]}},
        # A message that breaks its contract (or is not JSON at all) is not an HTTP error: like a
        # line of `antrian ingest`, it is refused in the outcome list and kept as a dead letter.
        # The answer is still checked against the outcome list's schema, and never a 500.
        "operations": [
            {
                "include-path": "/messages",
                "include-method": "POST",
                "checks": {"negative_data_rejection": {"enabled": False}},
            }
        ],
    }
)
schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text()), config=CONFIG)
ADMIN: dict[str, str] = {}


@schemathesis.serializer("application/x-ndjson")
def ndjson(context, value):
    """Generated NDJSON bodies are text (the document says so): sent as they are, one message a line."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


@schema.auth(refresh_interval=None)
class AdminToken:
    """The admin token made for this run, applied as schemathesis's auth so its checks know of it."""

    def get(self, case, context):
        return ADMIN.get("token")

    def set(self, case, token, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(max_examples=50, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_documented_and_none_is_a_server_error(case, served):
    case.call_and_validate(base_url=served)
