"""`antrian schema export DIR`: the JSON Schema of every inbound and outbound contract.

Why files in the repository (docs/contracts/): the teams on the other side
of Kafka read and review them without Python, and a contract change shows
up in a diff. The output is deterministic (sorted keys, two-space indent,
trailing newline), so a test can regenerate it and fail when the committed
files are stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import typer

EXPORT_COMMAND = "antrian schema export docs/contracts"
SUBDIRS = ("inbound", "outbound")

schema_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Contract schemas for other teams.")


@schema_app.callback()
def _group() -> None:
    """Contract schemas (JSON Schema) for the teams on the other side of Kafka."""


def render(schema: dict[str, Any]) -> bytes:
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "urn:antrian:contract"


def identified(schema: dict[str, Any], direction: str, name: str, version: int) -> dict[str, Any]:
    """The schema with the dialect it is written in and an `$id` that never changes for this contract.

    Why a URN: the id names the contract and its version, not where the file is
    served from; other teams' registries and validators key on it.
    """
    return {"$schema": DIALECT, "$id": f"{ID_PREFIX}:{direction}:{name}:v{version}", **schema}


def contract_schemas() -> dict[str, bytes]:
    """Relative path -> file content, for every contract and every version of it.

    Inbound contracts are described as accepted (validation mode: defaults
    may be omitted); outbound ones as emitted (serialization mode: every
    field is always present).
    """
    from services.contracts import MESSAGE_TYPES, type_of, version_of
    from services.outbound import PAYLOADS, OutboundEventV1

    files: dict[str, bytes] = {}
    for message in MESSAGE_TYPES:
        name, version = type_of(message), version_of(message)
        schema = message.model_json_schema(mode="validation")
        files[f"inbound/{name}.v{version}.json"] = render(identified(schema, "inbound", name, version))
    envelope = OutboundEventV1.model_json_schema(mode="serialization")
    files["outbound/OutboundEventV1.json"] = render(identified(envelope, "outbound", "OutboundEvent", 1))
    for event_type, payload in PAYLOADS.items():
        schema = payload.model_json_schema(mode="serialization")
        files[f"outbound/{event_type}.v1.json"] = render(identified(schema, "outbound", event_type, 1))
    return files


def export(directory: Path) -> tuple[list[str], list[str]]:
    """Write every schema under `directory`; remove stale *.json in its inbound/ and outbound/.

    Returns (written, removed) relative paths.
    """
    files = contract_schemas()
    written = []
    for relative, content in sorted(files.items()):
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            written.append(relative)
    removed = []
    for sub in SUBDIRS:
        for path in sorted((directory / sub).glob("*.json")):
            relative = f"{sub}/{path.name}"
            if relative not in files:
                path.unlink()
                removed.append(relative)
    return written, removed


@schema_app.command("export")
def export_command(
    directory: Path = typer.Argument(..., file_okay=False, help="Where to write inbound/ and outbound/."),
) -> None:
    """Write one JSON Schema file per inbound and outbound contract."""
    written, removed = export(directory)
    total = len(contract_schemas())
    typer.echo(
        f"{total} schema file(s) in {directory}: {len(written)} written, "
        f"{total - len(written)} unchanged, {len(removed)} stale removed"
    )
