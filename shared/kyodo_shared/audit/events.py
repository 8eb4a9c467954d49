"""Stored events as auditors' tools read them: named by their published type, never by a Python topic.

A tool folding these needs none of a service's module paths or classes: `type` is the audit interface's name for the
event (the service's `VisibilityPolicy.type_of`; None for an event nobody named) and `state` its fields as plain
JSON values, so the same tool reads a store, a file or a test's hand-written events alike.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from kyodo_shared.audit.chain import iter_notifications
from kyodo_shared.audit.records import TypeOf

__all__ = ["typed_events"]


def typed_events(application: Any, type_of: TypeOf, originators: Collection[str]) -> list[dict[str, Any]]:
    """The stored events of these aggregates (ids as text), in store order, as plain JSON-safe dicts.

    Filters on the stored originator before decoding, so other aggregates (sealed ones among them) are never
    decoded at all.
    """
    wanted = set(originators)
    events: list[dict[str, Any]] = []
    for notification in iter_notifications(application.recorder):
        if str(notification.originator_id) not in wanted:
            continue
        event = application.mapper.to_domain_event(notification)
        fields = dict(event.__dict__)
        events.append(
            {
                "type": type_of(notification.topic),
                "originator_id": str(fields.pop("originator_id")),
                "originator_version": int(fields.pop("originator_version")),
                "state": {str(k): _plain(v) for k, v in fields.items()},
            }
        )
    return events


def _plain(value: Any) -> Any:
    """UUIDs and times to text, tuples to lists, recursively, so states read like the JSON the service wrote."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value
