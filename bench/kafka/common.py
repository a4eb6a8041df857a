"""The Kafka bench's targets and shared settings, in one place for every part and the table.

The targets are the project's (2,000 lines/s end to end, p99 under 250 ms at 500 lines/s);
PARTITIONS and BATCH mirror how the engine is run in production.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_LINES_PER_S = 2_000
TARGET_P99_MS = 250.0
LATENCY_LINES_PER_S = 500
PARTITIONS = 4
BATCH = 500  # `antrian engine --batch` default
