"""Kafka adapters: inbound consumer, outbound relay, projections feed, the topic registry."""
