"""The settings the `antrian` callback was given, shared by every command module.

Built on first use, not in the callback: `antrian queue --help` runs the callback
and should not pay for reading and validating the settings.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.settings import Settings


FAILED = 1  # the exit codes (README: exit codes): 0 ok, 1 failed or not found,
USAGE = 2  # 2 a command line or settings that cannot be used
# Commands that only read what a store holds: on a SQLite store that is not there they say so
# (exit 1) rather than create an empty one and show nothing.
READ_COMMANDS = frozenset(
    {
        "queue",
        "order",
        "audit",
        "report",
        "notifications",
        "dead-letters",
        "parked",
        "preview",
        "replay",
        "purchase-orders",
        "replenishment",
        "suppliers",
        "plan",
        "forecast",
        "whatif",
        "inbox",
    }
)


class State:
    def __init__(self) -> None:
        self.overrides: dict[str, Any] = {}
        self._settings: Settings | None = None
        self.needs_store = False  # the command reads an existing store

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
            if self.needs_store:
                _require_store(self._settings)
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value


state = State()


def reads_a_store(command: str | None) -> bool:
    return command in READ_COMMANDS


def _require_store(settings: Settings) -> None:
    if settings.store == "sqlite" and not settings.sqlite_path.exists():
        print(
            f"error: there is no store at {settings.sqlite_path} (ingest messages first, or name one with --db)",
            file=sys.stderr,
        )
        raise SystemExit(FAILED)


def show_version(value: bool) -> None:
    """`antrian --version`: the installed package's version."""
    if value:
        from importlib.metadata import version

        print(f"antrian {version('antrian')}")
        raise SystemExit(0)


def _unusable(invalid: Any) -> str:
    """One line per setting that cannot be used, named as it is set (exit status 2)."""
    lines = []
    for error in invalid.errors():
        field = ".".join(str(part) for part in error["loc"])
        name = f"ANTRIAN_{field.upper()}" if field and field != "sqlite_path" else "ANTRIAN_DB"
        lines.append(f"error: {name if field else 'settings'}: {error['msg']}")
    return "\n".join(lines)


def cli_caller() -> str:
    """Who hands messages in from this command line: `cli:<login name>` (ANTRIAN_CALLER overrides)."""
    import getpass

    return state.settings.caller or f"cli:{getpass.getuser()}"
