"""A history told again with another allocation policy: the recorded messages, rewritten as raw dicts.

Only configuration changes: every `SkuConfigured` of a chosen SKU inside the window
names the other policy (and the `--set` fields, e.g. a quota), and a SKU not configured
by then gets a configuration message of its own right before its first message of the
window (carrying the reorder point and safety stock it had, which a configuration
message always sets). Every other message is the one applied, byte for byte.

The window: messages before `start` are re-applied unchanged (the state the new
policy starts from is the real one); from `start` on the new configuration holds;
messages after `end` are left out (nothing after the window is told again).

The rewritten messages name the newest `SkuConfigured` version the contract registry
has that holds every field set, so one build with a newer version (a quota) uses it
and an older build says which field it lacks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.contracts import BY_TYPE

CONFIG = "SkuConfigured"
KEPT_SETTINGS = ("reorder_point", "safety_stock")  # a configuration message sets them whatever it says


class UnknownSetting(ValueError):
    """A field no SkuConfigured version of this build holds."""


@dataclass(frozen=True)
class Change:
    policy: str
    skus: frozenset[str] | None = None  # None: every SKU
    settings: Mapping[str, Any] = field(default_factory=dict)  # --set fields, as JSON values
    start: datetime | None = None
    end: datetime | None = None

    def covers(self, sku: str) -> bool:
        return self.skus is None or sku in self.skus

    @property
    def version(self) -> int:
        return config_version(self.settings)


def config_version(settings: Mapping[str, Any]) -> int:
    """The newest SkuConfigured version holding `allocation_policy` and every field of `settings`."""
    wanted = {"allocation_policy", *settings}
    versions = BY_TYPE[CONFIG]
    holding = [v for v, cls in versions.items() if wanted <= set(cls.model_fields)]
    if not holding:
        unknown = sorted(wanted - set().union(*(set(cls.model_fields) for cls in versions.values())))
        lacking = unknown or sorted(wanted)
        raise UnknownSetting(
            f"--set {lacking[0]}: no SkuConfigured version of this build (versions "
            f"{min(versions)}-{max(versions)}) holds {', '.join(lacking)} together with the others"
        )
    return max(holding)


def rewritten(contents: Sequence[dict[str, Any]], change: Change) -> Iterator[dict[str, Any]]:
    """The messages to re-apply, in order (see the module's docstring)."""
    version = change.version
    last_config: dict[str, dict[str, Any]] = {}  # SKU -> its latest configuration content seen
    switched: set[str] = set()  # SKUs under the new configuration
    for content in contents:
        when = occurred(content)
        if change.end is not None and when > change.end:
            continue
        inside = change.start is None or when >= change.start
        if content.get("type") == CONFIG:
            last_config[content["sku"]] = content
        if not inside:
            yield content
            continue
        for sku in skus_of(content):
            if change.covers(sku) and sku not in switched:
                switched.add(sku)
                if content.get("type") != CONFIG or content["sku"] != sku:
                    yield injected(sku, last_config.get(sku), content, change, version, len(switched))
        if content.get("type") == CONFIG and change.covers(content["sku"]):
            yield configured(content, change, version)
        else:
            yield content


def configured(content: dict[str, Any], change: Change, version: int) -> dict[str, Any]:
    """A SkuConfigured message, naming the change's policy and settings."""
    new = {**content, **change.settings, "allocation_policy": change.policy, "schema_version": version}
    if "reason" in BY_TYPE[CONFIG][version].model_fields and not new.get("reason"):
        new["reason"] = f"what-if: {change.policy}"
    return new


def injected(
    sku: str, last: dict[str, Any] | None, before: dict[str, Any], change: Change, version: int, number: int
) -> dict[str, Any]:
    """The configuration a SKU switches with, at the time of the message it comes before; its id
    (`whatif:config:<number>`) is new to the scratch store."""
    base = {key: last[key] for key in KEPT_SETTINGS if last is not None and key in last}
    return configured(
        {
            "type": CONFIG,
            "message_id": f"whatif:config:{number}",
            "occurred_at": before["occurred_at"],
            "sku": sku,
            **base,
        },
        change,
        version,
    )


def occurred(content: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(content["occurred_at"])


def skus_of(content: Any) -> Iterator[str]:
    """Every SKU a message names (`sku` anywhere in it, and lists of `substitutes`), in order."""
    if isinstance(content, dict):
        for key, value in content.items():
            if key == "sku" and isinstance(value, str):
                yield value
            elif key == "substitutes" and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from skus_of(value)
    elif isinstance(content, list):
        for item in content:
            yield from skus_of(item)
