"""Where the Kafka broker and the PostgreSQL server are, and each part's sandbox on them.

Every part works in its own schema and under its own topic prefix (a Sandbox), so
parts never see each other's events and all of it can be dropped at the end.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.kafka.common import PARTITIONS, REPO
from bench.report import say


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _from_state(relative: str) -> str | None:
    path = REPO / relative
    try:
        value = path.read_text().strip()
    except OSError:
        return None
    return value or None


def find_services() -> tuple[str, str]:
    """(Kafka bootstrap, PostgreSQL DSN): the environment, the state files, else start them like the tests."""
    found: dict[str, str | None] = {}
    for name, variable, state in (
        ("kafka", "ANTRIAN_KAFKA_BOOTSTRAP", ".cache/kafka/bootstrap"),
        ("postgres", "ANTRIAN_POSTGRES_DSN", ".cache/pg/dsn"),
    ):
        given = os.environ.get(variable, "").strip()
        address = given or _from_state(state)
        if address:
            if name == "kafka":
                host, _, port = address.split(",")[0].rpartition(":")
                up = _answers(host or "127.0.0.1", int(port))
            else:
                url = urlsplit(address)
                up = _answers(url.hostname or "127.0.0.1", url.port or 5432)
            if not up and given:
                raise RuntimeError(f"{variable}={given} does not answer")
            address = address if up else None
        found[name] = address
    if not found["kafka"] or not found["postgres"]:
        from ops import provision  # ops/*/*.sh up, as the tests do (stopped again at exit)

        found["kafka"] = found["kafka"] or provision.kafka_bootstrap()
        found["postgres"] = found["postgres"] or provision.postgres_dsn()
    return str(found["kafka"]), str(found["postgres"])


@dataclass
class Sandbox:
    """One part's own PostgreSQL schema and topic prefix."""

    bootstrap: str
    dsn: str
    label: str
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    schema: str | None = None
    topic_names: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"bench-{self.label}-{self.tag}."

    @property
    def group(self) -> str:
        return f"bench-{self.label}-{self.tag}"

    @property
    def topics(self) -> Any:
        from infra.kafka.topics import TopicRegistry

        return TopicRegistry(self.prefix, partitions=PARTITIONS)

    def settings(self) -> Any:
        from infra.settings import Settings

        return Settings(
            store="postgres",
            postgres_dsn=self.dsn,
            postgres_schema=self.schema,
            kafka_bootstrap=self.bootstrap,
            kafka_group=self.group,
            topic_prefix=self.prefix,
        )

    def create_schema(self) -> str:
        from infra.bootstrap import create_schema

        self.schema = f"bench_{self.label}_{self.tag}"
        create_schema(self.dsn, self.schema)
        return self.schema

    def create_topics(self, names: Iterable[str] | None = None) -> list[str]:
        from kafka.admin import KafkaAdminClient, NewTopic

        wanted = list(names) if names is not None else [t.name for t in self.topics]
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        try:
            admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in wanted], timeout_ms=30_000)
        finally:
            admin.close()
        self.topic_names += wanted
        return wanted

    def engine_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "ANTRIAN_STORE": "postgres",
                "ANTRIAN_POSTGRES_DSN": self.dsn,
                "ANTRIAN_POSTGRES_SCHEMA": self.schema or "",
                "ANTRIAN_KAFKA_BOOTSTRAP": self.bootstrap,
                "ANTRIAN_KAFKA_GROUP": self.group,
                "ANTRIAN_TOPIC_PREFIX": self.prefix,
                "PYTHONUNBUFFERED": "1",
            }
        )
        # N engines here means N consuming (the default elects one and the others stand by),
        # unless the caller's environment says otherwise.
        env.setdefault("ANTRIAN_ENGINE_ELECTION", "false")
        return env

    def stored_events(self) -> int:
        """Rows in the schema's stored-events table(s)."""
        import psycopg

        if not self.schema:
            return 0
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            tables = [
                r[0]
                for r in connection.execute(
                    "select table_name from information_schema.tables where table_schema = %s "
                    "and table_name like %s",
                    (self.schema, "%\\_events"),
                )
            ]
            counts = (
                connection.execute(f"select count(*) from {self.schema}.{t}").fetchone() for t in tables
            )
            return sum(int(count[0]) for count in counts if count is not None)

    def cleanup(self) -> None:
        if self.schema:
            try:
                import psycopg

                with psycopg.connect(self.dsn, autocommit=True) as connection:
                    connection.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            except Exception as exc:  # noqa: BLE001 - a bench reports, it does not fail
                say(f"    (could not drop schema {self.schema}: {exc})")
        if self.topic_names:
            try:
                from kafka.admin import KafkaAdminClient

                admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
                try:
                    admin.delete_topics(self.topic_names, timeout_ms=30_000)
                finally:
                    admin.close()
            except Exception as exc:  # noqa: BLE001
                say(f"    (could not delete topics {self.prefix}*: {exc})")


SANDBOXES: list[Sandbox] = []


def sandbox(bootstrap: str, dsn: str, label: str, schema: bool = True, topics: bool = True) -> Sandbox:
    box = Sandbox(bootstrap, dsn, label)
    SANDBOXES.append(box)
    if schema:
        box.create_schema()
    if topics:
        box.create_topics()
    return box
