"""`antrian whatif` and `antrian inbox backfill` (issue 17): another policy over the real history.

The history is told again into a scratch store: told with each SKU's own policy it must
give exactly the real outcome, told with another it must move the tiers' waits the way the
policies say, and the real store is never written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import pytest

import infra.whatif
from infra.bootstrap import build_engine
from infra.settings import Settings
from infra.whatif import run_whatif
from projections.analytics.projection import AnalyticsProjection
from projections.analytics.query import read_report
from projections.feeds import LogFeed
from projections.runner import ProjectionRunner
from projections.store import SqliteReadStore
from projections.whatif_outcome import history_outcome
from services.inbox import AppliedMessage, fingerprint
from services.whatif_now import switch_now
from services.whatif_rewrite import Change
from services.whatif_sources import MissingContents, applied_sources
from simulation import DemoOptions, run_demo
from tests import messages as m
from tests.conftest import TEST_ETA_POLICY
from tests.support.cli import cli_over

pytestmark = pytest.mark.integration

DEMO = DemoOptions(seed=7, days=28, skus=20, orders_per_day=30)  # scarce enough for the tiers to differ


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(sqlite_path=tmp_path_factory.mktemp("demo") / "demo.sqlite")
    engine = build_engine(settings)
    try:
        run_demo(engine, DEMO)
    finally:
        engine.close()
    return settings


def _whatif(settings: Settings, change: Change):
    engine = build_engine(settings)
    try:
        return run_whatif(engine, settings, change)
    finally:
        engine.close()


def _files(settings: Settings) -> dict[str, str]:
    folder = settings.sqlite_path.parent
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


def _held(settings: Settings) -> list[str]:
    """Everything the store holds, as SQL."""
    with closing(sqlite3.connect(settings.sqlite_path)) as db:
        return list(db.iterdump())


def test_told_again_with_each_skus_own_policy_the_history_ends_exactly_as_it_did(
    demo_store: Settings,
) -> None:
    # Given the demo shop, whose SKUs allocate with priority-fifo-v1
    # When its history is told again with priority-fifo-v1 on every SKU
    result = _whatif(demo_store, Change("priority-fifo-v1"))
    # Then every message applies again, and every line of every order fares exactly as it did
    assert result.reapplied.refused == []
    assert result.reapplied.applied == result.reapplied.messages
    assert result.simulated.lines == result.real.lines
    assert result.differences == []
    assert result.simulated.by_tier == result.real.by_tier
    assert result.simulated.report.promises == result.real.report.promises
    assert result.simulated.report.cancelled_automatically == result.real.report.cancelled_automatically


def test_a_window_told_again_with_the_own_policy_ends_as_the_real_history_up_to_its_end(
    demo_store: Settings,
) -> None:
    start, end = m.BASE.replace(day=12), m.BASE.replace(day=22)
    result = _whatif(demo_store, Change("priority-fifo-v1", start=start, end=end))
    assert result.reapplied.refused == []
    assert result.differences == []
    assert result.simulated.lines == result.real.lines
    assert result.real.lines and all(start.date() <= line.day <= end.date() for line in result.real.lines)


def test_the_outcome_has_the_figures_antrian_report_has_but_the_suppliers(demo_store: Settings) -> None:
    engine = build_engine(demo_store)
    try:
        outcome = history_outcome(engine.recorder, engine.mapper)
        store = SqliteReadStore(":memory:")
        ProjectionRunner(store, [AnalyticsProjection()]).run(LogFeed(engine.recorder, engine.mapper))
        with store.reading() as tx:
            report = read_report(tx)
    finally:
        engine.close()
    # Every figure but the suppliers' (their purchase orders are no allocation's outcome: not read)
    unsupplied = dataclasses.replace(
        report, suppliers=[], supplier_on_time=None, supplier_mean_delay_days=None
    )
    assert outcome.report == unsupplied
    assert sum(t.lines for t in outcome.by_tier.values()) == report.lines == len(outcome.lines)


def test_first_come_first_served_makes_the_top_tiers_wait_longer_and_standard_shorter(
    demo_store: Settings,
) -> None:
    real = _whatif(demo_store, Change("priority-fifo-v1"))
    fifo = _whatif(demo_store, Change("fifo-v1"))
    before, after = real.simulated.by_tier, fifo.simulated.by_tier
    for tier in ("platinum", "gold"):
        assert after[tier].wait_mean_days > before[tier].wait_mean_days, tier
    assert after["standard"].wait_mean_days < before["standard"].wait_mean_days
    assert fifo.differences, "some orders fare differently"
    # Shipments of units the other policy never allocated are refused there: findings, listed
    assert all(o.message_type == "OrderShipped" for o in fifo.reapplied.refused)


def test_a_whatif_never_writes_the_real_store_and_leaves_no_scratch_store(
    demo_store: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the scratch stores go
    scratch: list[Path] = []

    def build(settings: Settings):
        scratch.append(settings.sqlite_path)
        return build_engine(settings)

    monkeypatch.setattr(infra.whatif, "build_engine", build)
    engine = build_engine(demo_store)
    last = engine.recorder.max_notification_id()
    engine.close()
    files = _files(demo_store)
    window = Change(
        "fifo-v1", frozenset({"SKU-001"}), start=m.BASE.replace(day=12), end=m.BASE.replace(day=20)
    )
    result = _whatif(demo_store, window)
    assert result.reapplied.applied  # it did run
    engine = build_engine(demo_store)
    assert engine.recorder.max_notification_id() == last
    engine.close()
    assert _files(demo_store) == files
    assert len(scratch) == 2 and all(path.is_relative_to(tmp_path) for path in scratch)  # with --to: 2
    assert list(tmp_path.iterdir()) == []


SHOP = [
    m.supplier_registered("s-1", "S1", ("A", "B")),
    m.sku_configured("k-1", "A", reorder_point=1, policy="priority-fifo-v1"),
    m.stock_received("r-1", "A", 3, at=m.ts(hours=1)),
    m.order_placed("o-1", "o1", (("1", "A", 2),), tier="standard", at=m.ts(hours=2)),
    m.order_placed("o-2", "o2", (("1", "A", 2),), tier="standard", at=m.ts(hours=3)),
    m.order_placed("o-3", "o3", (("1", "A", 2),), tier="platinum", at=m.ts(hours=4)),
    m.order_placed("o-4", "o4", (("1", "B", 1),), tier="platinum", at=m.ts(hours=4)),  # B never configured
    m.po_placed("p-1", "po-1", (("A", 2), ("B", 1)), expected=m.day(5), at=m.ts(hours=5)),
    m.stock_received("r-2", "A", 2, at=m.ts(days=1), po="po-1", supplier_id="S1"),
]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    run, _ = cli_over(SHOP, tmp_path, monkeypatch)
    return run, Settings(sqlite_path=tmp_path / "store.sqlite", default_eta_policy=TEST_ETA_POLICY)


def test_the_cli_prints_both_outcomes_and_leaves_the_store_as_it_was(shop) -> None:
    run, settings = shop
    held = _held(settings)  # the ingest's engine still holds the file open: its bytes move at checkpoints
    shown = run("whatif", "--policy", "fifo-v1", "--sku", "A")
    assert shown.exit_code == 0, shown.output
    assert "real" in shown.output and "what-if" in shown.output and "platinum wait mean" in shown.output
    as_json = run("whatif", "--policy", "fifo-v1", "--json", "--orders")
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.output)
    # Under fifo-v1 the platinum line o3 waits behind o2 instead of taking o2's place
    fates = {
        o["order_id"]: (o["lines"][0]["real"]["status"], o["lines"][0]["simulated"]["status"])
        for o in figures["orders"]
    }
    assert fates == {"o3": ("filled", "still waiting"), "o2": ("still waiting", "filled")}
    assert figures["real"]["still_waiting_lines"] == figures["whatif"]["still_waiting_lines"] == 2
    assert _held(settings) == held


def test_a_sku_never_configured_gets_a_configuration_before_its_first_message(shop) -> None:
    _, settings = shop
    default = build_engine(settings).default_policy
    result = _whatif(settings, Change(default, frozenset({"B"})))
    assert result.reapplied.messages == len(SHOP) + 1
    assert result.reapplied.refused == []
    assert result.simulated.lines == result.real.lines


def test_a_setting_this_build_cannot_carry_is_refused_naming_it(shop) -> None:
    run, _ = shop
    shown = run("whatif", "--policy", "fifo-v1", "--set", "no_such_field=3")
    assert shown.exit_code == 2
    assert "no_such_field" in shown.output


def test_a_change_whose_configuration_is_refused_says_so_and_fails(shop) -> None:
    run, _ = shop
    shown = run(
        "whatif", "--policy", "fifo-v1", "--sku", "A", "--set", "reorder_point=5", "--set", "order_up_to=2"
    )
    assert shown.exit_code == 1
    assert "2 configuration message(s) of the change were refused" in shown.output  # injected, k-1
    assert "order_up_to: 2 is below reorder_point 5" in shown.output


def test_switching_a_sku_now_shows_the_lines_that_would_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given o2 (standard) and then o3 (platinum) waiting on A under priority-fifo-v1: o3 first
    run, _ = cli_over(SHOP[:-1], tmp_path, monkeypatch)
    settings = Settings(sqlite_path=tmp_path / "store.sqlite", default_eta_policy=TEST_ETA_POLICY)
    engine = build_engine(settings)
    try:
        last = engine.recorder.max_notification_id()
        impact = switch_now(engine, "A", "fifo-v1", m.BASE)
        assert engine.recorder.max_notification_id() == last
    finally:
        engine.close()
    assert impact.outcome == "would apply"
    moved = {(line.order_id, line.before.position, line.after.position) for line in impact.lines}
    assert moved == {("o3", 1, 2), ("o2", 2, 1)}
    shown = run("whatif", "--apply-now", "A", "fifo-v1")
    assert shown.exit_code == 0, shown.output
    assert "2 line(s) affected" in shown.output


def test_an_old_store_is_told_what_it_lacks_and_backfill_fills_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a store ingested before contents were kept
    def without_content(cls, message):  # AppliedMessage.of, as it was before contents were kept
        return cls(message.message_id, message.type, fingerprint(message), message.by)

    with monkeypatch.context() as old_build:
        old_build.setattr(AppliedMessage, "of", classmethod(without_content))
        run, _ = cli_over(SHOP, tmp_path, monkeypatch)
    settings = Settings(sqlite_path=tmp_path / "store.sqlite", default_eta_policy=TEST_ETA_POLICY)
    engine = build_engine(settings)
    with pytest.raises(MissingContents, match=f"{len(SHOP)} of {len(SHOP)} applied messages"):
        applied_sources(engine.recorder, engine.mapper).contents()
    engine.close()
    said = run("whatif", "--policy", "fifo-v1")
    assert said.exit_code == 1 and "antrian inbox backfill" in said.output
    # When upstream's file is backfilled, with a line that was never applied and one not a message
    partial = tmp_path / "partial.jsonl"
    partial.write_text("".join(json.dumps(message) + "\n" for message in SHOP[:-1]))
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps(m.order_placed("o-9", "o9")) + "\n{not json\n" + json.dumps(SHOP[-1]) + "\n")
    first = run("inbox", "backfill", str(partial))
    assert first.exit_code == 0, first.output
    assert f"{len(SHOP) - 1} entries filled" in first.output
    assert f"1 of {len(SHOP)} applied messages still without content" in first.output
    second = run("inbox", "backfill", str(partial), str(extra))
    # Then each entry is filled once, and what matched nothing is named
    assert "partial.jsonl: 0 entries filled" in second.output
    assert "extra.jsonl: 1 entries filled" in second.output and "2 line(s) matched nothing" in second.output
    assert (
        "extra.jsonl:1: message o-9" in second.output
        and "extra.jsonl:2: not a valid message" in second.output
    )
    assert f"0 of {len(SHOP)} applied messages still without content" in second.output
    # And the what-if now runs on the old store, its own policy giving its real outcome
    assert _whatif(settings, Change("priority-fifo-v1", frozenset({"A"}))).differences == []
