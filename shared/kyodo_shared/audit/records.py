"""Audit records: each position with its stored event's chain fields (if any) and its stored chain entry (if any).

Both verification paths (database, audit API) produce this one stream, so they share one algorithm.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from kyodo_shared.audit.chain import ChainEntry, ChainStore, iter_notifications, state_hash


@dataclass(frozen=True)
class StoredFields:
    """What the event store holds at a position, hashed from the stored bytes as they are now."""

    originator_id: str
    originator_version: int
    topic: str
    state_hash: str


# A stored topic's published type name (the service's VisibilityPolicy.type_of).
TypeOf = Callable[[str], str | None]


@dataclass(frozen=True)
class AuditRecord:
    position: int
    stored: StoredFields | None
    chain: ChainEntry | None
    # The event's published type name, for readers; not part of the chain (the topic is what was hashed).
    type: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"position": self.position, "type": self.type, "stored": None, "link": None}
        if self.stored is not None:
            body["stored"] = vars(self.stored) | {}
        if self.chain is not None:
            body["link"] = self.chain.link
            body["chained"] = {
                "originator_id": self.chain.originator_id,
                "originator_version": self.chain.originator_version,
                "topic": self.chain.topic,
                "state_hash": self.chain.state_hash,
            }
        return body

    @staticmethod
    def from_dict(body: dict[str, Any]) -> AuditRecord:
        stored = StoredFields(**body["stored"]) if body.get("stored") else None
        chain = None
        if body.get("link") is not None:
            c = body["chained"]
            chain = ChainEntry(
                body["position"],
                c["originator_id"],
                int(c["originator_version"]),
                c["topic"],
                c["state_hash"],
                body["link"],
            )
        return AuditRecord(int(body["position"]), stored, chain, body.get("type"))


def stored_fields(notification: Any) -> StoredFields:
    return StoredFields(
        str(notification.originator_id),
        int(notification.originator_version),
        str(notification.topic),
        state_hash(bytes(notification.state)).hex(),
    )


def history_end(recorder: Any) -> int:
    """The last stored position now: a verification covers a fixed range while the service keeps writing."""
    return int(recorder.max_notification_id() or 0)


def records_from_store(
    recorder: Any,
    chain: ChainStore,
    after: int = 0,
    page: int = 1000,
    stop: int | None = None,
    type_of: TypeOf | None = None,
) -> Iterator[AuditRecord]:
    """Merge the event table and the chain table by position, up to `stop` (default: the end right now).

    Every chain row up to `stop` was written after its event was stored, so a live service adds no false gaps;
    events past the chain's head are simply not chained yet. With `type_of`, each record names its published type.
    """
    for record in _merged(recorder, chain, after, page, stop):
        if type_of is None:
            yield record
            continue
        # The stored topic, or the chained one where the event itself is missing.
        topic = record.stored.topic if record.stored else record.chain.topic if record.chain else None
        yield replace(record, type=type_of(topic) if topic else None)


def _merged(recorder: Any, chain: ChainStore, after: int, page: int, stop: int | None) -> Iterator[AuditRecord]:
    stop = history_end(recorder) if stop is None else stop
    events = (n for n in iter_notifications(recorder, after, page) if n.id <= stop)
    entries = (e for e in _iter_chain(chain, after, page) if e.notification_id <= stop)
    event = next(events, None)
    entry = next(entries, None)
    while event is not None or entry is not None:
        if entry is None or (event is not None and event.id < entry.notification_id):
            assert event is not None
            yield AuditRecord(event.id, stored_fields(event), None)
            event = next(events, None)
        elif event is None or entry.notification_id < event.id:
            yield AuditRecord(entry.notification_id, None, entry)
            entry = next(entries, None)
        else:
            yield AuditRecord(event.id, stored_fields(event), entry)
            event, entry = next(events, None), next(entries, None)


def _iter_chain(chain: ChainStore, after: int, page: int) -> Iterator[ChainEntry]:
    while True:
        batch = chain.entries(after, page)
        if not batch:
            return
        yield from batch
        after = batch[-1].notification_id
