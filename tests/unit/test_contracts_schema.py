"""The committed JSON Schemas (docs/contracts/) are exactly what the contracts generate.

Other teams read those files, so a contract change that is not re-exported
would mislead them: regenerate into a temporary folder and compare.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from typer.testing import CliRunner

from infra.cli.schema import EXPORT_COMMAND, contract_schemas, schema_app
from services.contracts import MESSAGE_TYPES, type_of, version_of
from services.outbound import PAYLOADS
from tests import messages as m

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "contracts"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def test_the_committed_contract_schemas_are_up_to_date(tmp_path):
    result = CliRunner().invoke(schema_app, ["export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    fresh, committed = _files(tmp_path), _files(COMMITTED)
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh))
    changed = sorted(name for name in set(fresh) & set(committed) if fresh[name] != committed[name])
    assert not (missing or extra or changed), (
        f"docs/contracts is stale (missing {missing}, extra {extra}, changed {changed}): "
        f"run `{EXPORT_COMMAND}` and commit the result"
    )


def test_there_is_one_schema_per_inbound_message_and_per_outbound_payload_plus_the_envelope():
    names = set(contract_schemas())
    assert {n for n in names if n.startswith("inbound/")} == {
        f"inbound/{type_of(c)}.v{version_of(c)}.json" for c in MESSAGE_TYPES
    }
    assert {"inbound/OrderPlaced.v1.json", "inbound/OrderPlaced.v2.json"} <= names
    assert {n for n in names if n.startswith("outbound/")} == {"outbound/OutboundEventV1.json"} | {
        f"outbound/{t}.v1.json" for t in PAYLOADS
    }


def test_export_is_deterministic_pretty_and_ends_with_a_newline(tmp_path):
    assert contract_schemas() == contract_schemas()
    for content in contract_schemas().values():
        assert content.endswith(b"}\n") and content.startswith(b"{\n  ")
        assert orjson.loads(content)


def test_export_removes_stale_schemas_and_leaves_other_files_alone(tmp_path):
    (tmp_path / "outbound").mkdir()
    (tmp_path / "outbound" / "Order.Renamed.v1.json").write_text("{}\n")
    (tmp_path / "README.md").write_text("kept\n")
    result = CliRunner().invoke(schema_app, ["export", str(tmp_path)])
    assert result.exit_code == 0 and "1 stale removed" in result.output
    assert not (tmp_path / "outbound" / "Order.Renamed.v1.json").exists()
    assert (tmp_path / "README.md").read_text() == "kept\n"
    again = CliRunner().invoke(schema_app, ["export", str(tmp_path)])
    assert "0 written" in again.output


def test_every_schema_names_its_dialect_and_a_stable_id_of_its_own():
    schemas = {name: orjson.loads(content) for name, content in contract_schemas().items()}
    for name, schema in schemas.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
        Draft202012Validator.check_schema(schema)
    ids = {name: schema["$id"] for name, schema in schemas.items()}
    assert len(set(ids.values())) == len(ids)
    assert ids["inbound/OrderPlaced.v2.json"] == "urn:antrian:contract:inbound:OrderPlaced:v2"
    assert (
        ids["outbound/Order.LineAllocated.v1.json"] == "urn:antrian:contract:outbound:Order.LineAllocated:v1"
    )


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(orjson.loads((COMMITTED / name).read_bytes()))


def test_a_validator_reading_the_committed_schemas_accepts_each_version_of_order_placed_by_its_own_schema():
    v1, v2 = m.order_placed("o1", "O1", tier="gold"), m.order_placed_v2("o1", "O1", tier="gold")

    _validator("inbound/OrderPlaced.v1.json").validate(v1)
    _validator("inbound/OrderPlaced.v2.json").validate(v2)
    with pytest.raises(ValidationError):
        _validator("inbound/OrderPlaced.v1.json").validate(v2)
    with pytest.raises(ValidationError):
        _validator("inbound/OrderPlaced.v2.json").validate(v1)
