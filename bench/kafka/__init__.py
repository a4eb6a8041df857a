"""Antrian on Kafka + PostgreSQL: a benchmark that prints figures, asserts nothing, always exits 0.

    .venv/bin/python -m bench.kafka            # full run (about 3 minutes)
    .venv/bin/python -m bench.kafka --quick    # smaller sizes, for a smoke test

Needs a Kafka broker and a PostgreSQL server: ANTRIAN_KAFKA_BOOTSTRAP /
ANTRIAN_POSTGRES_DSN if set, else the addresses in .cache/kafka/bootstrap and
.cache/pg/dsn (`make kafka-up pg-up`), else the services are started the way
the tests start them (ops/provision.py). Every part works in its own
PostgreSQL schema and under its own topic prefix, both dropped at the end.

1. End-to-end throughput, upstream topic to outbound topic. The realistic
   mixed catalogue of bench/workload.py (suppliers, SKU config, stock, POs,
   substitutes) is published to the inbound topics and applied first (in
   this process, topic by topic, so set-up never races); then N 2-line
   `OrderPlaced` messages are pre-published to the orders topic, and only
   then is `antrian engine --kafka` started as a subprocess (inbound consumer;
   the relay is its child process, the default). The clock runs from the
   subprocess's start until the outbound order topic carries an event caused
   by every one of the N messages (a plain KafkaConsumer reads the order
   events and dead letters, de-duplicating by notification_id; the other
   outbound topics are counted from their offsets, so the measuring costs the
   measured machine little). 1b: the same with the relay started on its own
   (`antrian engine --kafka --no-relay` + `antrian relay`). The machines are
   shared and noisy, so 1 and 1b run three times, alternating (`--repeat`):
   the table shows the median run and lists every run.
2. Latency at a steady 500 lines/s (250 `OrderPlaced`/s of 2 lines): a paced
   producer records each message's publish time; a consumer on the outbound
   order topic records when the first event caused by it (header
   causation_message_id) arrives. p50/p90/p99/max. 2b: the same with the
   relay started on its own.
3. Ceilings, same broker, same server, same run: (a) kafka-python produce
   and consume rates at the inbound and outbound message sizes, with the
   relay's producer settings (infra/kafka/relay.py: acks=all, idempotence); (b) the raw
   eventsourcing PostgreSQL append rate (plain Application, trivial
   aggregate, 1 and 100 events per save); (c) the engine alone on PostgreSQL
   (parse + handle_batch, no Kafka); (d) the relay alone (store -> Kafka).
4. The realistic mixed stream of bench.traffic (orders, receipts, POs,
   confirmations, delays, cancels, shipments, re-sends, refusals, absurd
   values), pre-published, through 1, 2 and 4 engines on one store
   (`--mixed-engines`): messages/s, duplicates published, hangs, lines served
   out of `placed_at` order (and the same for the file ingested in order).
   4b: the same kind of stream at a steady rate (`--mixed-rate`) with the
   engines already in their group: p50/p90/p99 from publish to the first
   outbound record caused by each message (bench/kafka/paced.py).
"""
