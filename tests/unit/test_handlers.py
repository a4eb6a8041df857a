"""Handlers are keyed by contract class: each message finds the one handler written for its contract."""

from __future__ import annotations

from typing import get_type_hints

from services import handlers
from services.contracts import MESSAGE_TYPES


def test_every_contract_has_a_handler_and_no_handler_waits_for_a_contract_that_is_gone():
    assert set(handlers.HANDLERS) == set(MESSAGE_TYPES)


def test_each_handler_takes_the_contract_it_is_keyed_by():
    for contract, handler in handlers.HANDLERS.items():
        assert get_type_hints(handler)["m"] is contract, handler.__name__
