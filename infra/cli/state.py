"""The settings the `antrian` callback was given, shared by every command module.

Built on first use, not in the callback: `antrian queue --help` runs the callback
and should not pay for reading and validating the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.settings import Settings


class State:
    def __init__(self) -> None:
        self.overrides: dict[str, Any] = {}
        self._settings: Settings | None = None

    def configure(self, **overrides: Any) -> None:
        """Command-line options, each None when not given (the environment's value holds then)."""
        self.overrides = overrides
        self._settings = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from infra.settings import Settings

            self._settings = Settings.from_env(**self.overrides)
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value


state = State()
