"""The console every command prints its tables on."""

from __future__ import annotations

import os

from rich.console import Console
from rich.table import Table


def wide_console() -> Console:
    """Rich's console; piped output gets 200 columns instead of 80, so tables are not cut, unless COLUMNS says."""
    console = Console()
    return console if console.is_terminal or os.environ.get("COLUMNS") else Console(width=200)


def keep_whole(table: Table, *headers: str) -> Table:
    """Ids and dates are never cut or folded at any width: the other columns wrap around them."""
    for column in table.columns:
        if column.header in headers:
            cells = [len(str(cell)) for cell in column.cells]
            column.no_wrap = True
            column.min_width = max([len(str(column.header)), *cells])
    return table
