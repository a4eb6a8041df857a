"""An inbox entry stored before contents were kept takes its content later, only the one applied, once."""

from __future__ import annotations

import pytest

from services.inbox import AppliedMessage, ContentMismatch, RefusedMessage, digest
from services.parsing import parse_message
from tests import messages as m

MESSAGE = parse_message(m.order_placed("o-1", "o1"))
CONTENT = MESSAGE.model_dump(mode="json")


def _old_entry() -> AppliedMessage:
    return AppliedMessage(MESSAGE.message_id, MESSAGE.type, digest(CONTENT))


def test_an_old_entry_takes_the_content_that_hashes_to_its_fingerprint() -> None:
    entry = _old_entry()
    entry.record_content(CONTENT)
    assert entry.content == CONTENT
    assert isinstance(entry.collect_events()[-1], AppliedMessage.ContentRecorded)


def test_another_content_is_refused() -> None:
    with pytest.raises(ContentMismatch, match="does not hash to the fingerprint"):
        _old_entry().record_content({**CONTENT, "order_id": "o2"})


def test_an_entry_with_its_content_takes_none_again() -> None:
    entry = AppliedMessage.of(MESSAGE)
    with pytest.raises(ContentMismatch, match="kept already"):
        entry.record_content(CONTENT)


def test_a_refused_id_takes_the_content_applied_at_last_and_only_once_one_was() -> None:
    entry = RefusedMessage(MESSAGE.message_id, MESSAGE.type, "other", "a reason", None)
    with pytest.raises(ContentMismatch, match="no content was applied"):
        entry.record_content(CONTENT)
    entry.correction_applied(MESSAGE.message_id, MESSAGE.type, digest(CONTENT))
    entry.record_content(CONTENT)
    assert entry.content == CONTENT
