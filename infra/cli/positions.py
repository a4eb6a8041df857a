"""`antrian positions show|reset`: where the engine's consumers resume, kept in the event store.

Kafka's committed offsets are a hint for lag tools: the engine seeks to the store's
positions on every partition assignment (README, "Guarantees"), so an offset reset
made with Kafka's own tool is silently overridden. This is the command that moves them.
"""

from __future__ import annotations

from typing import Any

import typer

from infra.cli.state import state

positions_app = typer.Typer(no_args_is_help=True, add_completion=False, help="The engine's stored positions.")

OVERRIDDEN = (
    "Kafka's committed offsets of group {group} are only a hint for lag tools: the engine seeks to the "
    "positions stored with its events on every assignment, so an offset reset made with Kafka's own "
    "tool (kafka-consumer-groups --reset-offsets) is overridden. `antrian positions reset` moves them."
)


@positions_app.callback()
def _group() -> None:
    """Where each inbound partition resumes: the store's positions, not Kafka's committed offsets."""


@positions_app.command("show")
def show() -> None:
    """Each inbound partition's stored position, beside the group's committed offset in Kafka."""
    from infra.positions import StoredPositions

    settings = state.settings
    stored = _inbound(StoredPositions(settings).all())
    committed = _committed(settings)
    typer.echo(f"{'partition':<48} {'store':>10} {'kafka':>10}")
    for feed in sorted(set(stored) | set(committed)):
        mark = "" if committed.get(feed) in (None, stored.get(feed)) else "  (Kafka's is overridden)"
        typer.echo(f"{feed:<48} {_shown(stored.get(feed)):>10} {_shown(committed.get(feed)):>10}{mark}")
    typer.echo(OVERRIDDEN.format(group=settings.kafka_group))


@positions_app.command("reset")
def reset(
    to_earliest: bool = typer.Option(
        False, "--to-earliest", help="Every inbound partition from its first record."
    ),
    to_offset: list[str] = typer.Option(
        [], "--to-offset", metavar="TOPIC:PARTITION=OFFSET", help="One partition to an offset (repeatable)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Skip the check that no engine of the group is connected (Kafka unreachable)."
    ),
) -> None:
    """Move the stored positions, with every engine of the group stopped."""
    from infra.positions import StoredPositions

    settings = state.settings
    if to_earliest == bool(to_offset):
        raise typer.BadParameter("give --to-earliest or --to-offset TOPIC:PARTITION=OFFSET (not both)")
    if not force:
        _refuse_while_engines_run(settings)
    positions = StoredPositions(settings)
    before = _inbound(positions.all())
    wanted: dict[str, int | None] = (
        dict.fromkeys(before, None) if to_earliest else dict(_parsed(spec, settings) for spec in to_offset)
    )
    positions.reset(wanted)
    for feed, offset in sorted(wanted.items()):
        typer.echo(f"{feed}: {_shown(before.get(feed))} -> {_shown(offset)}")
    typer.echo(
        f"{len(wanted)} position(s) reset. Engines resume there at their next start: messages already "
        "applied are read again as duplicates and change nothing; messages skipped by moving forward "
        "are never applied."
    )
    typer.echo(OVERRIDDEN.format(group=settings.kafka_group))


def _shown(position: int | None) -> str:
    return "beginning" if position is None else str(position)


def _inbound_topics(settings: Any) -> list[str]:
    from infra.kafka.topics import TopicRegistry

    return [t.name for t in TopicRegistry(settings.topic_prefix).inbound()]


def _inbound(positions: dict[str, int]) -> dict[str, int]:
    topics = _inbound_topics(state.settings)
    return {feed: p for feed, p in positions.items() if feed.rpartition(":")[0] in topics}


def _parsed(spec: str, settings: Any) -> tuple[str, int]:
    where, _, offset = spec.partition("=")
    topic, _, partition = where.rpartition(":")
    if not (topic and partition.isdigit() and offset.isdigit()):
        raise typer.BadParameter(f"{spec!r}: expected TOPIC:PARTITION=OFFSET, e.g. antrian.orders:0=1200")
    if topic not in _inbound_topics(settings):
        raise typer.BadParameter(f"{topic!r} is not an inbound topic: {', '.join(_inbound_topics(settings))}")
    return f"{topic}:{int(partition)}", int(offset)


def _admin(settings: Any) -> Any:
    from kafka.admin import KafkaAdminClient

    return KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=10_000)


def _committed(settings: Any) -> dict[str, int]:
    from kafka.errors import KafkaError

    try:
        admin = _admin(settings)
    except KafkaError as error:
        typer.echo(f"(Kafka at {settings.kafka_bootstrap} not reachable: {error}; store positions only)")
        return {}
    try:
        offsets = admin.list_consumer_group_offsets(settings.kafka_group)
    finally:
        admin.close()
    topics = _inbound_topics(settings)
    return {f"{tp.topic}:{tp.partition}": o.offset for tp, o in offsets.items() if tp.topic in topics}


def _refuse_while_engines_run(settings: Any) -> None:
    """An engine holding partitions would overwrite the reset with its next batch's position."""
    from kafka.errors import KafkaError

    try:
        admin = _admin(settings)
        try:
            [group] = admin.describe_consumer_groups([settings.kafka_group])
        finally:
            admin.close()
    except KafkaError as error:
        typer.echo(
            f"error: cannot ask Kafka whether engines run ({error}); --force if they are stopped", err=True
        )
        raise typer.Exit(1) from None
    if group.members:
        typer.echo(
            f"error: {len(group.members)} engine(s) of group {settings.kafka_group} are connected "
            f"({group.state}): stop them first; nothing was reset",
            err=True,
        )
        raise typer.Exit(1)
