"""Backfill: attach upstream's source documents to inbox entries stored before contents were kept.

A store older than the inbox's `content` knows each applied message by its
fingerprint only. Upstream's files (the JSONL once ingested, a topic's dump) hold the
messages: each one whose fingerprint (`services.inbox.digest` of its JSON dump) is an
entry's without content is recorded on that entry (`ContentRecorded`), so what-ifs
and auditors can re-read it. A content is attached only where it hashes to the very
fingerprint applied: a corrected message, a message never applied, or another id's
content cannot be passed off as what was applied. Running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.errors import MessageRejected
from services.inbox import digest
from services.parsing import parse_message
from services.whatif_sources import applied_sources

BATCH = 500  # entries saved per transaction
NOT_APPLIED = "no applied entry has this content's fingerprint (never applied, or applied with other content)"


@dataclass
class Backfill:
    filled: int = 0  # entries given their content now
    already: int = 0  # lines whose entry had its content already (an earlier run, or kept at ingest)
    without_content: int = 0  # applied entries still without content after this run
    applied: int = 0  # applied entries in the store
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (line number, why) of the file's lines

    def render(self, source: str) -> str:
        lines = [
            f"{source}: {self.filled:,} entries filled, {self.already:,} had their content already, "
            f"{len(self.unmatched):,} line(s) matched nothing",
            f"{self.without_content:,} of {self.applied:,} applied messages still without content",
        ]
        lines += [f"  {source}:{number}: {why}" for number, why in self.unmatched[:20]]
        if len(self.unmatched) > 20:
            lines.append(f"  ... and {len(self.unmatched) - 20:,} more")
        return "\n".join(lines)


def backfill(engine: Any, lines: Iterable[bytes]) -> Backfill:
    """Record the content of every entry without one that a line's message matches."""
    with engine.write_lock:
        engine.settle()
        engine.catch_up()
        sources = applied_sources(engine.recorder, engine.mapper)
        missing = {s.fingerprint: s for s in sources.missing}
        kept = {s.fingerprint for s in sources.messages if s.content is not None}
        report = Backfill(applied=len(sources.messages))
        pending: list[Any] = []
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            content, why = _content(raw)
            if content is None:
                report.unmatched.append((number, why))
                continue
            found = digest(content)
            if found in kept:
                report.already += 1
            elif found in missing:
                entry = engine.repository.get(missing.pop(found).entry_id)
                entry.record_content(content)
                pending.append(entry)
                kept.add(found)
                report.filled += 1
                if len(pending) >= BATCH:
                    engine.save(*pending)
                    pending = []
            else:
                report.unmatched.append((number, f"message {content.get('message_id')}: {NOT_APPLIED}"))
        if pending:
            engine.save(*pending)
        _leave_mark(engine)
        report.without_content = len(missing)
        return report


def _leave_mark(engine: Any) -> None:
    """Tell the next holder of the store's write lock how far the log is (as the engine does after a
    batch), so another process evicts the entries it cached before their contents were recorded."""
    record = getattr(engine.write_lock, "record", None)
    if record is not None:
        record(engine.cached.seen)


def _content(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """The message's JSON dump as the inbox keeps it, or why the line holds none."""
    try:
        return parse_message(raw.strip()).model_dump(mode="json"), ""
    except MessageRejected as refused:
        where = f"field {refused.field}: " if refused.field else ""
        return None, f"not a valid message ({where}{refused.reason})"
