"""NATS JetStream: the outbox relay, consumers, pull, replay, dead letters, CloudEvents, AsyncAPI."""
