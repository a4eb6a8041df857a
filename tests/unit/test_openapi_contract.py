"""The committed OpenAPI document (docs/openapi.json) is exactly what the app generates.

Upstream systems and the dashboard build clients from it: an endpoint or a
response model changed without regenerating it would mislead them.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from infra.cli.http import OPENAPI, OPENAPI_COMMAND, openapi_document
from infra.cli.main import app

COMMITTED = Path(__file__).resolve().parents[2] / OPENAPI


def test_the_committed_openapi_document_is_up_to_date():
    assert COMMITTED.read_bytes() == openapi_document(), (
        f"docs/openapi.json is stale: run `{OPENAPI_COMMAND}` and commit the result"
    )


def test_antrian_openapi_writes_the_document_where_it_is_told(tmp_path):
    out = tmp_path / "api.json"
    result = CliRunner().invoke(app, ["openapi", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == openapi_document()


def test_every_endpoint_but_health_declares_the_bearer_token():
    import orjson

    document = orjson.loads(openapi_document())
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            secured = bool(operation.get("security"))
            assert secured == (not path.startswith("/health")), f"{method.upper()} {path}"
