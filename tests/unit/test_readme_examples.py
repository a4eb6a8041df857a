"""The README's message examples are valid contracts, one for every message type."""

from __future__ import annotations

import re
from pathlib import Path

from services.contracts import BY_TYPE
from services.parsing import parse_message

README = Path(__file__).resolve().parents[2] / "README.md"


def _examples() -> list[str]:
    block = re.search(r"```jsonl\n(.*?)```", README.read_text(), re.S)
    assert block, "README has no ```jsonl block of message examples"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_every_readme_example_parses_as_its_contract():
    for line in _examples():
        parse_message(line)


def test_the_readme_shows_an_example_of_every_message_type():
    shown = {parse_message(line).type for line in _examples()}
    assert shown == set(BY_TYPE)
