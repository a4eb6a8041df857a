"""The notification processes killed with SIGKILL mid-batch and started again.

`antrian projections run notifications` composes each notification once:
the outbox, its cursors and the feed position commit together. For
`antrian notifications dispatch` the receiver records each delivery and only then, a moment later, answers:
killing the dispatcher in that moment leaves a notification the receiver
has but the outbox does not know was delivered. The restart must send it
again with the same idempotency key (the receiver recognises the repeat),
send everything else exactly once, and compose what happened meanwhile.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from projections.notifications.projection import NotificationsProjection
from projections.store import SqliteReadStore
from simulation import DemoOptions, run_demo
from tests.conftest import make_engine
from tests.messages import apply, day, line_released_ahead, order_placed, po_placed, supplier_registered, ts
from tests.support.read_side import project
from tests.support.webhook_receiver import Receiver

pytestmark = pytest.mark.e2e

SECRET = "e2e-secret"


def record(db: Path, *messages: dict) -> None:
    engine = make_engine("sqlite", db)
    apply(engine, *messages)
    engine.close()


def dispatch_command(db: Path) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from infra.cli.main import main; main()",
        "--db",
        str(db),
        "notifications",
        "dispatch",
    ]


def webhook_env(receiver: Receiver) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    return env | {
        "ANTRIAN_NOTIFY_CHANNEL": "webhook",
        "ANTRIAN_WEBHOOK_URL": receiver.url,
        "ANTRIAN_WEBHOOK_SECRET": SECRET,
    }


def query(path: Path, sql: str) -> list[tuple]:
    store = SqliteReadStore(path)
    try:
        with store.reading() as tx:
            return [tuple(row) for row in tx.all(sql)]
    finally:
        store.close()


def outbox(db: Path) -> dict[str, str]:
    return dict(query(db.with_suffix(".read.sqlite"), "SELECT idempotency_key, status FROM notifications"))


def composed_any(read_db: Path) -> bool:
    return read_db.exists() and bool(
        query(read_db, "SELECT name FROM sqlite_master WHERE name = 'notifications'")
        and query(read_db, "SELECT 1 FROM notifications LIMIT 1")
    )


COMPOSED = (
    "SELECT idempotency_key, kind, subject, body, status, attempts, created_from, updated_from "
    "FROM notifications ORDER BY created_from"
)


def test_a_projection_killed_mid_batch_and_restarted_composes_every_notification_exactly_once(tmp_path):
    # Given a demo shop's history
    db = tmp_path / "shop.sqlite"
    engine = make_engine("sqlite", db)
    run_demo(engine, DemoOptions(days=20, skus=6, orders_per_day=20))
    end = engine.recorder.max_notification_id() + 1
    engine.close()
    read_db = db.with_suffix(".read.sqlite")
    command = [
        sys.executable,
        "-c",
        "from infra.cli.main import main; main()",
        "--db",
        str(db),
        "projections",
        "run",
    ]

    # When the projection is killed as soon as it composed its first notification
    running = subprocess.Popen([*command, "notifications", "--batch", "1"], stderr=subprocess.PIPE)
    while not composed_any(read_db):
        assert running.poll() is None, running.stderr.read()
        time.sleep(0.005)
    running.send_signal(signal.SIGKILL)
    running.wait()
    (killed_at,) = query(
        read_db, "SELECT position FROM projection_positions WHERE projection = 'notifications'"
    )

    # and started again until it catches up
    restarted = subprocess.run(
        [*command, "notifications", "--once"], capture_output=True, text=True, timeout=300
    )

    # Then it was killed mid-history, and the outbox is exactly what one uninterrupted run composes
    assert restarted.returncode == 0, restarted.stderr
    assert killed_at[0] < end
    reference = tmp_path / "reference.sqlite"
    engine = make_engine("sqlite", db)
    project(engine, [NotificationsProjection()], SqliteReadStore(reference)).store.close()
    engine.close()
    composed = query(read_db, COMPOSED)
    assert composed == query(reference, COMPOSED)
    assert len({row[0] for row in composed}) == len(composed) > 100


def test_a_dispatcher_killed_mid_batch_and_restarted_delivers_every_notification_exactly_once(tmp_path):
    # Given twelve customers waiting for A, none notified yet
    db = tmp_path / "shop.sqlite"
    orders = [order_placed(f"o{n}", f"O{n:02}", (("1", "A", 1),), at=ts(0, n)) for n in range(1, 13)]
    record(
        db,
        supplier_registered("m1", skus=("A",)),
        po_placed("m2", "PO1", (("A", 20),), expected=day(7)),
        *orders,
    )

    with Receiver(SECRET, delay=1.0) as receiver:
        # When the dispatcher is killed while the receiver holds the 4th delivery's answer
        dispatcher = subprocess.Popen(
            dispatch_command(db), env=webhook_env(receiver), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        receiver.wait_for(4, while_true=lambda: dispatcher.poll() is None)
        dispatcher.send_signal(signal.SIGKILL)
        dispatcher.wait()
        left = outbox(db)
        tries = dict(
            query(db.with_suffix(".read.sqlite"), "SELECT idempotency_key, attempts FROM notifications")
        )
        fourth = receiver.deliveries[3]

        # and two more orders arrive before it is started again
        record(db, *(order_placed(f"o{n}", f"O{n:02}", (("1", "A", 1),), at=ts(1, n)) for n in (13, 14)))
        receiver.delay = 0
        restarted = subprocess.run(
            dispatch_command(db), env=webhook_env(receiver), capture_output=True, text=True, timeout=300
        )

    # Then the kill left the notification in flight, the 4th, `sending`, and the ones it never
    # started pending with no attempt counted
    assert restarted.returncode == 0, restarted.stderr
    assert len(left) == 12 and left[fourth] == "sending"
    assert sorted(left.values()) == ["delivered"] * 3 + ["pending"] * 8 + ["sending"]
    assert tries == {key: 1 if status == "delivered" else 0 for key, status in left.items()}
    # and after the restart every notification was accepted once by key, only the 4th sent twice
    final = outbox(db)
    assert len(final) == 14 and set(final.values()) == {"delivered"}
    assert set(receiver.accepted) == set(final)
    assert receiver.repeats() == {fourth: 1}
    assert receiver.refused == []
    assert "delivered 11, failed 0, dead 0" in restarted.stdout


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("file:///etc/passwd", "must start with http:// or https://, not file://"),
        ("ftp://example.com/hooks", "must start with http:// or https://, not ftp://"),
        ("http://", "names no host"),
    ],
    ids=["file", "ftp", "no-host"],
)
def test_dispatch_to_a_webhook_url_it_cannot_post_to_exits_2_with_one_line_and_no_traceback(
    tmp_path, url, says
):
    # Given a customer waiting, so there is something to send
    db = tmp_path / "shop.sqlite"
    record(
        db,
        supplier_registered("m1", skus=("A",)),
        po_placed("m2", "PO1", (("A", 20),), expected=day(7)),
        order_placed("o1", "O01", (("1", "A", 1),), at=ts(0, 1)),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")} | {
        "ANTRIAN_NOTIFY_CHANNEL": "webhook",
        "ANTRIAN_WEBHOOK_URL": url,
        "ANTRIAN_WEBHOOK_SECRET": SECRET,
    }

    # When the dispatcher is started with a URL that is not http(s) or has no host
    result = subprocess.run(dispatch_command(db), env=env, capture_output=True, text=True, timeout=120)

    # Then it refuses at once: exit code 2, one line naming the setting and why, nothing sent
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: ANTRIAN_WEBHOOK_URL: the webhook URL {url!r} {says}"]


def test_a_customer_already_told_their_place_is_told_again_once_when_an_operator_moves_them_ahead(tmp_path):
    # Given three customers waiting for A behind a purchase order, each told their place by webhook
    db = tmp_path / "shop.sqlite"
    orders = [order_placed(f"o{n}", f"O{n:02}", (("1", "A", 1),), at=ts(0, n)) for n in (1, 2, 3)]
    record(
        db,
        supplier_registered("m1", skus=("A",)),
        po_placed("m2", "PO1", (("A", 20),), expected=day(7)),
        *orders,
    )
    with Receiver(SECRET) as receiver:
        first = subprocess.run(
            dispatch_command(db), env=webhook_env(receiver), capture_output=True, text=True
        )
        assert first.returncode == 0, first.stderr
        told = {p["order_id"]: p for p in receiver.accepted.values()}
        assert sorted(told) == ["O01", "O02", "O03"] and told["O03"]["kind"] == "backordered"

        # When an operator releases the last one ahead, and the dispatcher runs again, twice
        record(db, line_released_ahead("m3", "O03", at=ts(0, 10), reason="hospital order"))
        again = [
            subprocess.run(dispatch_command(db), env=webhook_env(receiver), capture_output=True, text=True)
            for _ in range(2)
        ]

    # Then that customer was told once, truthfully: moved ahead from third place to first
    assert [run.returncode for run in again] == [0, 0], again[0].stderr
    news = [
        p for key, p in receiver.accepted.items() if p["order_id"] == "O03" and p["kind"] != "backordered"
    ]
    assert [(p["kind"], p["line"]["position"]) for p in news] == [("moved_ahead", 1)]
    assert "from position 3 to 1" in news[0]["body"]
    # and nothing was sent twice
    assert receiver.repeats() == {} and len(receiver.deliveries) == len(receiver.accepted)
