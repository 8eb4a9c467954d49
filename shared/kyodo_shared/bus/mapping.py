"""One outbound rule: every domain event class is either mapped to contracts or declared internal, in one place.

A service's bus module builds an `OutboundMap` from a table {event class: mapping function} and a set of event
classes declared internal (each with its reason in a comment beside it). The relay calls the map for every stored
event; a class that is neither mapped nor declared raises `UndeclaredEvent` instead of being skipped or guessed,
and a test checks every event class of every aggregate against the maps before anything runs.

Tables are keyed by class, never by name: `events_of(Group).Registered` resolves when the module is imported, so
a renamed or removed event fails there, and a new one fails the test until it is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

from kyodo_contracts import Contract
from kyodo_shared.audit.checkpointer import AuditCheckpoints
from kyodo_shared.bus.operations import ConsumerOperations

# One stored domain event → the contract events it publishes, in publication order.
ToContracts = Callable[[Any], Sequence[Contract]]


class UndeclaredEvent(LookupError):
    """A domain event whose class no outbound map declares: nothing is published for it, nothing is skipped."""

    def __init__(self, event_class: type[Any]) -> None:
        self.topic = get_topic(event_class)
        super().__init__(f"domain event {self.topic} is neither mapped to a contract nor declared internal")


class OutboundMap:
    """What leaves a service, by event class: mapped to contracts, or declared internal (publishes nothing).

    `parts` merges other maps (a sub-domain's, say) into this one; a class declared twice is an error at import.
    """

    def __init__(
        self,
        mapped: Mapping[type[Any], ToContracts] | None = None,
        internal: Iterable[type[Any]] = (),
        *,
        parts: Iterable[OutboundMap] = (),
    ) -> None:
        self._mapped: dict[type[Any], ToContracts] = {}
        self._internal: set[type[Any]] = set()
        for part in parts:
            self._add(part._mapped, part._internal)
        self._add(mapped or {}, internal)

    def _add(self, mapped: Mapping[type[Any], ToContracts], internal: Iterable[type[Any]]) -> None:
        for kind, to_contracts in mapped.items():
            self._declare(kind)
            self._mapped[kind] = to_contracts
        for kind in internal:
            self._declare(kind)
            self._internal.add(kind)

    def _declare(self, kind: type[Any]) -> None:
        if not (isinstance(kind, type) and issubclass(kind, CanMutateAggregate)):
            raise TypeError(f"{kind!r} is not a domain event class")
        if self.declares(kind):
            raise ValueError(f"domain event {get_topic(kind)} is declared twice")

    def __call__(self, event: Any) -> Sequence[Contract]:
        kind = type(event)
        to_contracts = self._mapped.get(kind)
        if to_contracts is not None:
            return to_contracts(event)
        if kind in self._internal:
            return ()
        raise UndeclaredEvent(kind)

    def declares(self, kind: type[Any]) -> bool:
        return kind in self._mapped or kind in self._internal

    @property
    def mapped(self) -> frozenset[type[Any]]:
        return frozenset(self._mapped)

    @property
    def internal(self) -> frozenset[type[Any]]:
        return frozenset(self._internal)

    def undeclared(self, kinds: Iterable[type[Any]]) -> list[type[Any]]:
        """The classes among `kinds` this map neither maps nor declares internal, in the order given."""
        return [kind for kind in kinds if not self.declares(kind)]


def event_classes(aggregate: type[Aggregate]) -> list[type[Any]]:
    """The event classes an aggregate can store: those defined on it (decorated methods make theirs here too).

    Left out: its base class `Event`, and the generic `Created` that eventsourcing defines on every aggregate when
    the aggregate has its own created event (`Applied`, `Opened`, ...) instead.
    """
    found = [
        value
        for name, value in vars(aggregate).items()
        if name != "Event" and isinstance(value, type) and issubclass(value, CanMutateAggregate)
    ]
    created = [kind for kind in found if issubclass(kind, CanInitAggregate)]
    if len(created) > 1:
        found = [kind for kind in found if not (kind.__name__ == "Created" and kind in created)]
    return found


class AggregateEvents:
    """An aggregate's event classes by attribute: `events_of(Group).Registered` is the class `Group.Registered`.

    Event classes made by `@event("Name")` exist only at run time, so the type checker cannot see them on the
    aggregate itself; this looks them up when the module is imported and fails there if one does not exist.
    """

    def __init__(self, aggregate: type[Aggregate]) -> None:
        self._aggregate = aggregate
        self._events = {kind.__name__: kind for kind in event_classes(aggregate)}

    def __getattr__(self, name: str) -> type[Any]:
        try:
            return self._events[name]
        except KeyError:
            known = ", ".join(sorted(self._events))
            raise AttributeError(f"{self._aggregate.__qualname__} has no event {name} (it has: {known})") from None


def events_of(aggregate: type[Aggregate]) -> AggregateEvents:
    return AggregateEvents(aggregate)


_checkpoints = events_of(AuditCheckpoints)
_operations = events_of(ConsumerOperations)

# The kernel's own events, stored beside every service's: the relay consults this before the service's map.
KERNEL = OutboundMap(
    internal={
        # Checkpoints leave with their signature through the kernel's CheckpointPublisher (the checkpoint
        # stream), and are rebuilt from here after a bus rebuild; the service's stream never carries them.
        _checkpoints.Opened,
        _checkpoints.Signed,
        # The operator's log of retries and skips on a consumer: read by `kyodo dlq`, never published.
        _operations.Opened,
        _operations.MessageSkipped,
        _operations.MessageRetried,
    }
)
