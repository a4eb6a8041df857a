"""The console every command prints its tables on, and how a table gives way on a narrow one."""

from __future__ import annotations

import os

from rich.console import Console
from rich.table import Table
from rich.text import Text


def wide_console() -> Console:
    """Rich's console; piped output gets 200 columns instead of 80, so tables are not cut, unless COLUMNS says."""
    console = Console()
    return console if console.is_terminal or os.environ.get("COLUMNS") else Console(width=200)


def keep_whole(table: Table, *headers: str) -> Table:
    """Ids and dates are never cut or folded at any width: the other columns wrap around them."""
    for column in table.columns:
        if column.header in headers:
            cells = [len(line) for cell in column.cells for line in str(cell).splitlines() or [""]]
            column.no_wrap = True
            column.min_width = max([len(str(column.header)), *cells])
    return table


def show(console: Console, table: Table, *whole: str) -> None:
    """Print `table` with the columns named in `whole` never cut; as records when it cannot fit.

    A table of many columns on 80 columns would otherwise cut every other cell to
    "b…": each row then becomes a heading of its whole values followed by its other
    cells as "header: value" pairs, which wrap as prose does (between words, so an
    id stays whole).
    """
    keep_whole(table, *whole)
    if _least_width(table) <= console.width:
        console.print(table)
        return
    if table.title:
        console.print(table.title)
    columns = [(str(c.header), [str(cell) for cell in c.cells]) for c in table.columns]
    for row in range(table.row_count):
        kept = [(header, cells[row]) for header, cells in columns if header in whole and cells[row]]
        rest = [(header, cells[row]) for header, cells in columns if header not in whole and cells[row]]
        heading = [value if i == 0 else f"{header} {value}" for i, (header, value) in enumerate(kept)]
        console.print(Text("  ".join(heading) or "-", style="bold"))
        for line in _packed([f"{header}: {value}" for header, value in rest], console.width - 2):
            console.print(Text(f"  {line}"))


def _least_width(table: Table) -> int:
    """The width at which no header and no word of any cell must be cut: rich itself would cut to "b…"."""
    widths = [
        max(
            [column.min_width or 0]
            + [len(word) for word in str(column.header).split()]
            + [len(word) for cell in column.cells for word in str(cell).split()]
        )
        for column in table.columns
    ]
    return sum(widths) + 3 * len(widths) + 1


def _packed(pairs: list[str], width: int) -> list[str]:
    """Pairs joined by " · " into lines of at most `width`, never breaking a pair between lines."""
    lines: list[str] = []
    for pair in pairs:
        joined = f"{lines[-1]} · {pair}" if lines else pair
        if lines and len(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(pair)
    return lines
