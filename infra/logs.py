"""Logging, configured once per process from the settings: text for a terminal, JSON lines for a collector.

JSON lines carry time, level, logger and message, and whatever the call site
knew and passed as `extra` (message_id, order_id, sku, counts): a log
collector indexes those fields instead of parsing sentences.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has: anything else on a record came from `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test runner swaps it per command)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(log_format: str, level: str) -> None:
    """The root logger writes to stderr in `log_format` ("json" or "text") from `level` up.

    Called again (another command in the same test process), it replaces its handler.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    # kafka-python says a lot at INFO (every connection, every group join): its warnings are enough.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, root.level))
    # httpx logs every request at INFO: the dashboard's pages call the API in-process, several per page.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
