"""The settings the `antrian` callback read, shared by every command module."""

from __future__ import annotations

from infra.settings import Settings


class State:
    settings: Settings


state = State()
