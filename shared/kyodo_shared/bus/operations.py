"""Operator actions on a consumer (retry, skip of a parked message), recorded as events in the service's own store."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from kyodo_shared.bus.dlq import ConsumerLedger, ParkedMessage


class ConsumerOperations(Aggregate):
    """The operator log of one (consuming service, source) pair."""

    @staticmethod
    def id_for(service: str, source: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"kyodo:consumer-operations:{service}:{source}")

    @event("Opened")
    def __init__(self, service: str, source: str) -> None:
        self.service, self.source = service, source

    @staticmethod
    def create_id(service: str, source: str) -> UUID:
        return ConsumerOperations.id_for(service, source)

    @event("MessageSkipped")
    def skip(self, sequence: int, event_id: str, event_type: str, error: str, reason: str, operator: str) -> None:
        pass

    @event("MessageRetried")
    def retry(self, sequences: list[int], reason: str, operator: str) -> None:
        pass


def _operations(application: Any, service: str, source: str) -> ConsumerOperations:
    try:
        found: ConsumerOperations = application.repository.get(ConsumerOperations.id_for(service, source))
        return found
    except AggregateNotFoundError:
        return ConsumerOperations(service, source)


def skip_parked(
    application: Any, ledger: ConsumerLedger, service: str, source: str, reason: str, operator: str
) -> ParkedMessage:
    """Record the skip as an event first, then advance tracking past the parked message."""
    parked = ledger.parked(source)
    if not parked:
        raise LookupError(f"no parked message for source {source}")
    message = parked[0]
    operations = _operations(application, service, source)
    operations.skip(message.sequence, message.event_id, message.event_type, message.last_error, reason, operator)
    application.save(operations)
    ledger.skip(source, message.sequence)
    return message


def retry_parked(
    application: Any, ledger: ConsumerLedger, service: str, source: str, reason: str, operator: str
) -> list[int]:
    sequences = [p.sequence for p in ledger.parked(source)]
    if not sequences:
        raise LookupError(f"no parked message for source {source}")
    operations = _operations(application, service, source)
    operations.retry(sequences, reason, operator)
    application.save(operations)
    ledger.retry(source)
    return sequences
