"""The settings the `antrian` callback was given, shared by every command module.

Built on first use, not in the callback: `antrian queue --help` runs the callback
and should not pay for reading and validating the settings.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.settings import Settings


USAGE = 2  # the exit code of a command line or settings that cannot be used (README: exit codes)


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
            from pydantic import ValidationError

            from infra.logs import configure_logging
            from infra.settings import Settings

            try:
                self._settings = Settings.from_env(**self.overrides)
            except ValidationError as invalid:
                print(_unusable(invalid), file=sys.stderr)
                raise SystemExit(USAGE) from None
            configure_logging(self._settings.log_format, self._settings.log_level)
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value


state = State()


def _unusable(invalid: Any) -> str:
    """One line per setting that cannot be used, named as it is set (exit status 2)."""
    lines = []
    for error in invalid.errors():
        field = ".".join(str(part) for part in error["loc"])
        name = f"ANTRIAN_{field.upper()}" if field and field != "sqlite_path" else "ANTRIAN_DB"
        lines.append(f"error: {name if field else 'settings'}: {error['msg']}")
    return "\n".join(lines)
