"""What the benchmarks print around their figures: lines, the final table, the load average.

bench/engine/, bench/projections.py and bench/kafka/ print their results the same way (a four-column
table of measure, figure, target and PASS/MISS) and all say how busy the machine
was, so the outputs read alike; the code for that lives here once.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

Row = tuple[str, str, str, str]  # measure, figure, target, mark


def rate(count: float, seconds: float) -> float:
    """count per second, 0.0 for a run that has not been timed."""
    return count / seconds if seconds else 0.0


class Rates:
    """Per-second figures of a timed run (`lines`, `messages`, `events` over `seconds`), computed
    one way for the runs of both benches; a run that counts differently overrides one."""

    lines: int
    messages: int
    events: int
    seconds: float

    @property
    def lines_per_s(self) -> float:
        return rate(self.lines, self.seconds)

    @property
    def messages_per_s(self) -> float:
        return rate(self.messages, self.seconds)

    @property
    def events_per_s(self) -> float:
        return rate(self.events, self.seconds)


@dataclass
class Run(Rates):
    """A timed run of either bench: what it handled and how long it took; each bench adds its own counts."""

    label: str
    messages: int = 0
    lines: int = 0
    seconds: float = 0.0


def parse_options(
    parser: argparse.ArgumentParser, argv: list[str] | None, keep_help: str, parts: str = "123"
) -> argparse.Namespace:
    """Add --parts and --keep (last, as every bench lists them) and parse; --quick caps --ceiling-seconds at 1 s."""
    parser.add_argument("--parts", default=parts, help=f"which parts to run, e.g. {parts[0]}{parts[-1]}")
    parser.add_argument("--keep", action="store_true", help=keep_help)
    args = parser.parse_args(argv)
    if args.quick and hasattr(args, "ceiling_seconds"):
        args.ceiling_seconds = min(args.ceiling_seconds, 1.0)
    return args


@contextmanager
def sqlite_bench(name: str, detail: str, folder_prefix: str, keep: bool) -> Iterator[Path]:
    """A bench on SQLite files: its opening lines (machine, where the files are, load), its
    folder, and its closing line (time taken, load at both ends)."""
    say(
        f"Antrian {name} bench - Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs{detail}"
    )
    folder, remove_folder = work_folder(folder_prefix, keep)
    say(f"SQLite files in {folder}")
    load0 = load_average()
    say_load(load0)
    started = time.perf_counter()
    yield folder
    say_total(started, load0)
    remove_folder()


def work_folder(prefix: str, keep: bool) -> tuple[Path, Callable[[], None]]:
    """A folder for a bench's stores, and what deletes it at the end (nothing when `keep`)."""
    if keep:
        return Path(tempfile.mkdtemp(prefix=prefix)), lambda: None
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    return Path(folder.name), folder.cleanup


def say(text: str = "") -> None:
    print(text, flush=True)


def mark(ok: bool | None) -> str:
    """PASS / MISS against a target, or nothing where the figure has none."""
    return "" if ok is None else ("PASS" if ok else "MISS")


def print_table(rows: list[Row], title: str = "measure") -> None:
    """The rows between `=` rules, columns as wide as their widest cell; `title` heads the first."""
    widths = [max(len(r[i]) for r in rows + [("measure", "figure", "target", "mark")]) for i in range(4)]
    line = "-+-".join("-" * w for w in widths)
    say()
    say("=" * len(line))
    say(" | ".join(h.ljust(w) for h, w in zip((title, "figure", "target", ""), widths, strict=False)))
    say(line)
    for r in rows:
        say(f"{r[0].ljust(widths[0])} | {r[1].rjust(widths[1])} | {r[2].ljust(widths[2])} | {r[3]}")
    say("=" * len(line))


def load_average() -> tuple[float, ...] | None:
    """1, 5 and 15 minute load averages, or None where the platform has none."""
    try:
        return tuple(round(x, 2) for x in os.getloadavg())
    except OSError:
        return None


def say_load(load: tuple[float, ...] | None) -> None:
    """The load average at start, with a warning when other work competes with the bench."""
    say(f"load average at start: {load}")
    if load and load[0] > 0.5:
        say(
            "!! the machine is busy: other processes compete for the CPUs and the disk; figures may be low and noisy"
        )


def say_total(started: float, load0: tuple[float, ...] | None, what: str = "bench") -> None:
    """The closing line: how long the bench took, and how busy the machine was at both ends."""
    say(
        f"total {what} time {time.perf_counter() - started:.0f} s; load average at start {load0}, "
        f"at end {load_average()}"
    )


def guarded(name: str, fn: Callable[[], Any]) -> Any:
    """fn(), or None after printing its traceback: a bench reports a failed part and carries on (exit 0)."""
    try:
        return fn()
    except Exception:  # noqa: BLE001 - report and carry on: a bench always exits 0
        say(f"!! part {name} failed:")
        traceback.print_exc(file=sys.stdout)
        return None


def exit_zero(main: Callable[[], Any], print_errors: bool = False) -> NoReturn:
    """Run a bench's main() and exit 0: Ctrl-C ends it quietly; with `print_errors` an exception too,
    its traceback printed to stdout with the figures (without, it propagates as usual)."""
    try:
        main()
    except KeyboardInterrupt:
        pass
    except Exception:  # noqa: BLE001 - a bench always exits 0
        if not print_errors:
            raise
        traceback.print_exc(file=sys.stdout)
    sys.exit(0)
