"""Readiness: the stores answer, the read models keep up with the log, the broker answers (production).

"Keep up" is measured in time: each check notes the log's end; the read models are
behind when they have not reached the end the log had `ready_max_lag_seconds` ago.
So a busy log the projections follow a second behind is ready, and read models
stuck (their runner stopped) go not-ready after that long. In the embedded mode
the service catches them up itself before it answers. Read models fed from Kafka
count by offsets, not by the log: for them the notification ids applied stand in.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from infra.bootstrap import is_embedded
from infra.http.models import Check
from projections.positions import LOG_FEED

if TYPE_CHECKING:
    from infra.http.backend import Backend


class LagWatch:
    def __init__(self, max_lag_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_lag = max_lag_seconds
        self._seen: deque[tuple[float, int]] = deque(maxlen=4096)  # (monotonic time, log end)
        self._clock = clock

    def behind_for(self, log_end: int, reached: int) -> float:
        """Seconds since the log first held something `reached` does not (0: not behind)."""
        now = self._clock()
        if not self._seen or self._seen[-1][1] != log_end:
            self._seen.append((now, log_end))
        since = next((at for at, end in self._seen if end > reached), None)
        return 0.0 if since is None else now - since


def checks(backend: Backend, watch: LagWatch) -> list[Check]:
    found = [_check("event store", lambda: _log_end(backend))]
    found.append(_check("read store", lambda: _read_store(backend)))
    if found[0].ok and found[1].ok:
        found.append(_lag(backend, watch))
        found.append(_report(backend))
    if not is_embedded(backend.settings):
        found.append(_check("broker", lambda: _broker(backend.settings.kafka_bootstrap)))
    return found


def _check(name: str, probe: object) -> Check:
    try:
        detail = probe()  # type: ignore[operator]
    except Exception as error:  # noqa: BLE001 - any failure of a probe is the answer, worded
        return Check(name=name, ok=False, detail=f"{type(error).__name__}: {error}".strip()[:300])
    return Check(name=name, ok=True, detail=str(detail))


def _log_end(backend: Backend) -> str:
    with backend.lock:
        return f"log ends at notification {max(backend.log_end() - 1, 0)}"


def _read_store(backend: Backend) -> str:
    with backend.lock, backend.store.reading() as tx:
        tx.one("SELECT 1")
    return "answers"


def _lag(backend: Backend, watch: LagWatch) -> Check:
    with backend.lock:
        if is_embedded(backend.settings):
            backend.catch_up()
        end = backend.log_end()
        current = backend.runner.positions()
    reached = min(
        (
            by_feed[LOG_FEED].position
            if LOG_FEED in by_feed
            else max((p.last_notification_id + 1 for p in by_feed.values()), default=0)
        )
        for by_feed in current.values()
    )
    behind = watch.behind_for(end, reached)
    if behind > watch.max_lag:
        return Check(
            name="projections",
            ok=False,
            detail=f"behind the log for {behind:.0f} s (at {reached}, log end {end}); "
            f"at most {watch.max_lag:.0f} s allowed (ANTRIAN_READY_MAX_LAG_SECONDS)",
        )
    return Check(name="projections", ok=True, detail=f"at {reached} of {end}")


def _report(backend: Backend) -> Check:
    """Ready once the whole history's report figures were computed: the first overview does not wait for them."""
    with backend.lock, backend.store.reading() as tx:
        done, detail = backend.reports.ready(tx)
    return Check(name="report", ok=done, detail=detail)


def _broker(bootstrap: str) -> str:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=3000, api_version_auto_timeout_ms=3000
    )
    try:
        topics = admin.list_topics()
    finally:
        admin.close()
    return f"{bootstrap} answers ({len(topics)} topics)"
