"""`antrian engine --kafka` runs its relay as a child process: it publishes, and it never outlives the engine.

(`--relay-thread` keeps the relay in the engine's process instead.)
"""

# ruff: noqa: F811 - the fixtures of test_kafka_processes are imported, then named as parameters

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from infra.kafka.relay import ACTIVE, STANDBY
from tests import messages as m
from tests.e2e.test_kafka_processes import (  # noqa: F401 - fixtures among them
    WAIT,
    Antrian,
    antrian,
    children_of,
    prefix,
    registry,
    store,
    upstream,
    wait_for,
    wait_until_consumed,
    wait_until_relayed,
)

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]


def relay_child(antrian: Antrian, engine) -> int:
    """The engine's relay child (the only child the engine process starts)."""
    wait_for(
        f"engine pid {engine.pid} starting its relay process", lambda: bool(children_of(engine.pid)), antrian
    )
    return children_of(engine.pid)[0]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"


def wait_until_gone(pid: int, what: str, antrian: Antrian) -> None:
    try:
        wait_for(f"{what} (pid {pid}) ended", lambda: gone(pid), antrian)
    finally:
        if not gone(pid):  # no orphan outlives a failed test
            os.kill(pid, signal.SIGKILL)


def test_the_engine_s_relay_child_publishes_and_stops_with_the_engine(antrian, store, upstream):
    engine = antrian.engine("--batch", "10")
    child = relay_child(antrian, engine)
    upstream.publish([m.stock_received("m-1", "A", 5), m.order_placed("m-2", "O-1", [("1", "A", 2)])])
    wait_until_relayed_some(store, antrian)
    assert antrian.stop(engine) == 0, antrian.tail(engine)
    wait_until_gone(child, "the relay after the engine stopped", antrian)
    assert "relay stopped at notification" in antrian.output(engine)


def test_a_relay_child_stops_by_itself_when_its_engine_is_killed(antrian, store, upstream):
    engine = antrian.engine("--batch", "10")
    child = relay_child(antrian, engine)
    upstream.publish([m.stock_received("m-1", "A", 5)])
    wait_until_relayed_some(store, antrian)  # the child is relaying, not still starting
    antrian.kill(engine)  # SIGKILL: the engine cannot tell its child anything
    wait_until_gone(child, "the relay of an engine killed with SIGKILL", antrian)
    assert "the engine process is gone: the relay stops" in antrian.output(engine)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_to_the_process_group_stops_engine_and_relay_cleanly_with_exit_code_0(
    antrian, store, upstream, signum
):
    # Given an engine in a process group of its own, relaying
    engine = antrian.engine("--batch", "10", own_group=True)
    child = relay_child(antrian, engine)
    upstream.publish([m.stock_received("m-1", "A", 5)])
    wait_until_relayed_some(store, antrian)
    # When the whole group is signalled, as a supervisor or a terminal's Ctrl-C does
    os.killpg(engine.pid, signum)
    # Then both stop, the engine with exit code 0 and no word of a relay that died
    try:
        code = engine.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the engine did not stop within {WAIT:.0f}s of {signum.name}\n{antrian.stuck()}")
    wait_until_gone(child, "the relay after the group was signalled", antrian)
    assert code == 0, antrian.tail(engine)
    assert "stopped: applied" in antrian.output(engine)
    assert "the relay process exited" not in antrian.output(engine), antrian.tail(engine)


def test_a_group_signal_while_the_engine_is_still_starting_stops_it_cleanly_too(antrian, store):
    engine = antrian.engine("--batch", "10", own_group=True)
    relay_child(antrian, engine)

    os.killpg(engine.pid, signal.SIGTERM)

    assert engine.wait(timeout=WAIT) == 0, antrian.tail(engine)


def test_the_relay_child_names_itself_in_ps(antrian, store):
    engine = antrian.engine("--batch", "10")
    child = relay_child(antrian, engine)

    def title() -> str:
        return Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()

    wait_for("the relay child naming itself", lambda: title().startswith("antrian relay"), antrian)
    assert f"relay child of engine pid {engine.pid}" in title()
    assert "antrian relay" not in Path(f"/proc/{engine.pid}/cmdline").read_bytes().decode(errors="replace")
    assert antrian.stop(engine) == 0, antrian.tail(engine)


def test_an_engine_whose_relay_dies_stops_with_an_error(antrian, store):
    engine = antrian.engine("--batch", "10")
    os.kill(relay_child(antrian, engine), signal.SIGKILL)
    assert engine.wait(timeout=WAIT) == 1, antrian.tail(engine)
    assert "the relay process exited (code -9): the engine stopped" in antrian.output(engine)


def wait_until_relayed_some(store, antrian: Antrian) -> None:
    wait_for("the engine storing an event", lambda: bool(store.recorder.max_notification_id()), antrian)
    wait_until_relayed(store, antrian)


def test_with_relay_thread_the_engine_publishes_from_its_own_process(antrian, store, upstream):
    engine = antrian.engine("--batch", "10", "--relay-thread")
    upstream.publish([m.stock_received("m-1", "A", 5)])
    wait_until_relayed_some(store, antrian)
    assert children_of(engine.pid) == []
    assert antrian.stop(engine) == 0, antrian.tail(engine)


def test_sigusr1_makes_the_engine_and_its_relay_print_their_stacks_and_carry_on(
    antrian, store, upstream, registry, kafka_bootstrap
):
    engine = antrian.engine("--batch", "10")
    child = relay_child(antrian, engine)
    upstream.publish([m.stock_received("m-1", "A", 5)])
    wait_until_relayed_some(store, antrian)
    log = antrian.logs[engine.pid]
    before = log.stat().st_size

    def dumped() -> str:
        return log.read_bytes()[before:].decode(errors="replace")

    os.kill(engine.pid, signal.SIGUSR1)
    os.kill(child, signal.SIGUSR1)
    wait_for(
        "a stack dump from the engine and one from its relay",
        lambda: dumped().count("Current thread") >= 2,
        antrian,
    )

    dump = dumped()
    assert "kafka/inbound.py" in dump and "kafka/relay.py" in dump, dump  # each process's own loop
    upstream.publish([m.order_placed("m-2", "O-1", [("1", "A", 2)])])
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    wait_until_relayed(store, antrian)
    assert antrian.stop(engine) == 0, antrian.tail(engine)


def test_of_two_engines_one_relay_publishes_and_the_other_takes_over_when_its_engine_is_killed(
    antrian, store, upstream
):
    # Given two engines on one store, each with its relay child
    first = antrian.engine("--batch", "10")
    wait_for("the first relay active", lambda: ACTIVE in antrian.output(first).splitlines(), antrian)
    second = antrian.engine("--batch", "10")
    wait_for("the second relay standing by", lambda: STANDBY in antrian.output(second).splitlines(), antrian)
    upstream.publish([m.stock_received("m-1", "A", 5)])
    wait_until_relayed_some(store, antrian)

    # When the engine whose relay publishes is killed (SIGKILL)
    child = relay_child(antrian, first)
    antrian.kill(first)
    wait_until_gone(child, "the killed engine's relay", antrian)

    # Then the standby takes over, and what is stored next is published
    wait_for("the standby relay active", lambda: ACTIVE in antrian.output(second).splitlines(), antrian)
    upstream.publish([m.order_placed("m-2", "O-1", [("1", "A", 2)])])
    wait_for("the order stored", lambda: (store.recorder.max_notification_id() or 0) > 2, antrian)
    wait_until_relayed(store, antrian)
    assert antrian.stop(second) == 0, antrian.tail(second)
