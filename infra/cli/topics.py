"""`antrian topics create`: the registry's topics, created by Antrian rather than by the broker."""

from __future__ import annotations

import typer

from infra.cli.state import state

topics_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Kafka topics of the registry.")


@topics_app.callback()
def _group() -> None:
    """The Kafka topics Antrian reads and writes (infra/kafka/topics.py)."""


@topics_app.command("create")
def create(
    partitions: int = typer.Option(None, min=1, help="Partitions per topic (default: the registry's, 4)."),
    replication: int = typer.Option(1, min=1, help="Replication factor (3 in production)."),
    bootstrap: str = typer.Option(None, help="Kafka bootstrap servers (else ANTRIAN_KAFKA_BOOTSTRAP)."),
) -> None:
    """Create every topic with its partitions, replication and retention; existing ones are reported.

    Idempotent: a topic already there is left as it is, and any difference from
    the registry (partitions, replication, configs) is printed; exit code 0 either way.
    """
    from kafka.admin import KafkaAdminClient

    from infra.kafka.provisioning import create_topics, describe
    from infra.kafka.topics import TopicRegistry

    settings = state.settings
    admin = KafkaAdminClient(bootstrap_servers=bootstrap or settings.kafka_bootstrap)
    try:
        outcomes = create_topics(admin, TopicRegistry(settings.topic_prefix), partitions, replication)
    finally:
        admin.close()
    for line in describe(outcomes):
        typer.echo(line)
    created = sum(o.created for o in outcomes)
    differing = sum(bool(o.differences) for o in outcomes)
    typer.echo(
        f"{created} created, {len(outcomes) - created} already there ({differing} differ from the registry)"
    )
