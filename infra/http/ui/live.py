"""Live updates by polling: a cheap version of what the read models show, asked every second by live.js.

The version changes when the figures may have: in the embedded mode (SQLite,
memory) when the event log grows (reading catches the read models up); in
production when the projections runner has applied more. A page whose version
changed fetches its content again (render.FRAGMENT_HEADER) and swaps it in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.bootstrap import is_embedded
from projections.positions import LOG_FEED

if TYPE_CHECKING:
    from infra.http.backend import Backend


def version(backend: Backend) -> str:
    """Also changes when a report's figures computed in the background land (infra/http/reports.py)."""
    landed = backend.reports.generation
    with backend.lock:
        if is_embedded(backend.settings):
            return f"log-{backend.log_end()}.{landed}"
        applied = backend.runner.positions()
    reached = sum(
        by_feed[LOG_FEED].position
        if LOG_FEED in by_feed
        else sum(p.last_notification_id for p in by_feed.values())
        for by_feed in applied.values()
    )
    return f"read-{reached}.{landed}"
