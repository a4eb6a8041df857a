"""The committed JSON Schemas (docs/contracts/) are exactly what the contracts generate.

Other teams read those files, so a contract change that is not re-exported
would mislead them: regenerate into a temporary folder and compare.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from infra.cli.schema import EXPORT_COMMAND, contract_schemas, schema_app
from services.contracts import MESSAGE_TYPES
from services.outbound import PAYLOADS

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
        f"inbound/{c.__name__}.v1.json" for c in MESSAGE_TYPES
    }
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
