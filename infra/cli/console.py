"""The console every command prints its tables on."""

from __future__ import annotations

from rich.console import Console


def wide_console() -> Console:
    """Rich's console; piped output gets 200 columns instead of 80, so tables are not cut."""
    console = Console()
    return console if console.is_terminal else Console(width=200)
