"""Whether a service's store still holds what its stream says was published.

After a store is restored from a backup, new events reuse notification ids the stream already holds; a relay
that took the stream's last notification id as its position would never publish them. The stream's last message
names its notification id, originator id (the subject), originator version (an additive header) and time; the store's
notification at that id must be the same event. It is checked on start and periodically while running (one
`get_msg` and one select), and a mismatch blocks the relay instead of losing events silently.

Between those checks every batch checks too, at no extra cost: the relay reads from its position inclusive, so the
first notification a batch returns is the one it read last, and it must still be the same event (`LastRead`).
A restore followed by writes between two batches is refused before anything of the batch is published.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from nats.js import JetStreamContext

from kyodo_shared.bus.cloudevents import H_NOTIFICATION, H_ORIGINATOR_VERSION, H_SUBJECT, H_TIME
from kyodo_shared.tasks.health import DOCS, TaskBlocked


def reset_hint(service: str) -> str:
    return f"run `kyodo relay reset {service}` with the service stopped, then start it ({DOCS})"


def restore_hint(service: str) -> str:
    return (
        f"the store is behind or different from the stream (restored from a backup?): stop the service, run "
        f"`kyodo relay reset {service}`, start it, then `kyodo replay <consumer> --from-scratch` for each service "
        f"consuming {service} ({DOCS}, 'Restoring a store from a backup')"
    )


class RelayStreamBehind(TaskBlocked):
    """The stream holds fewer messages than the relay recorded: the bus lost data and must be rebuilt."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__("stream_behind", reset_hint(service), detail)


class StoreDiverged(TaskBlocked):
    """The store does not hold the event the stream's last message was published from: publishing stops."""

    def __init__(self, service: str, reason: str, detail: str) -> None:
        super().__init__(reason, restore_hint(service), detail)


@dataclass(frozen=True)
class LastRead:
    """The identity of the notification the relay read last (its position's): its id, its event's originator id,
    originator version and time (the time tells a new event apart from a lost one of the same aggregate version)."""

    notification_id: int
    originator_id: str
    originator_version: int | None
    time: str | None

    @classmethod
    def of(cls, notification: Any, domain_event: Any) -> LastRead:
        stamp = getattr(domain_event, "timestamp", None)
        return cls(
            int(notification.id),
            str(notification.originator_id),
            int(notification.originator_version),
            _ce_time(stamp) if stamp is not None else None,
        )

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> LastRead | None:
        """From a relay message's headers (after `reconcile`); None when they cannot place it."""
        notification_id = notification_of(headers)
        subject = headers.get(H_SUBJECT)
        if notification_id is None or subject is None:
            return None
        version = headers.get(H_ORIGINATOR_VERSION, "")
        return cls(notification_id, subject, int(version) if version.isdigit() else None, headers.get(H_TIME))

    def differences(self, other: LastRead) -> list[str]:
        found = ["originator id"] if self.originator_id != other.originator_id else []
        if None not in (self.originator_version, other.originator_version) and (
            self.originator_version != other.originator_version
        ):
            found.append("originator version")
        if None not in (self.time, other.time) and self.time != other.time:
            found.append("time")
        return found


def check_first(service: str, last: LastRead | None, position: int, first: LastRead | None) -> None:
    """Raise `StoreDiverged` unless a batch read from `position` (inclusive) starts with the notification the relay
    read last (`first` is the batch's first, None for an empty batch). Without a remembered identity (just started:
    the start check covered it) or for another id (the position came from an older stream message) nothing is
    compared; ids after it may have gaps (a lost insert race leaves one), only the first must be exactly there."""
    if last is None or position <= 0 or last.notification_id != position:
        return
    if first is None or first.notification_id != position:
        raise StoreDiverged(
            service,
            "store_behind_stream",
            f"the relay read notification {position} last, which the store no longer holds (restored?)",
        )
    differences = last.differences(first)
    if differences:
        raise StoreDiverged(
            service,
            "store_diverged",
            f"the store's notification {position} is not the one the relay read last: it differs in "
            + ", ".join(differences),
        )


# How often a running relay checks that the store still holds the stream's last message (a restore under it).
VERIFY_EVERY_SECONDS = 5.0


class StoreCheck:
    """Compares the stream's last message with the store's notification at its id (the relay's guard)."""

    def __init__(self, service: str, stream: str, js: JetStreamContext, application: Any) -> None:
        self.service, self.stream, self.js, self.app = service, stream, js, application
        self.every = VERIFY_EVERY_SECONDS
        self.checked_at = 0.0

    async def last_message(self, last_seq: int) -> dict[str, str]:
        """Raise `StoreDiverged` unless the store holds the event of the stream's last message; its headers."""
        self.checked_at = time.monotonic()
        if last_seq == 0:
            return {}
        last = await self.js.get_msg(self.stream, last_seq)
        headers = dict(last.headers or {})
        notification_id = notification_of(headers)
        if notification_id is not None:
            notification, event = await asyncio.to_thread(self._stored, notification_id)
            compare(self.service, last_seq, headers, notification, event)
        return headers

    async def due(self, published: int) -> None:
        """At a low rate while running: a store restored under a running relay is seen within seconds, before the
        relay takes reused notification ids for already published ones. Cheap: one stream_info, get_msg, select."""
        if time.monotonic() - self.checked_at < self.every:
            return
        info = await self.js.stream_info(self.stream)
        last_seq = int(info.state.last_seq)
        if last_seq < published:
            raise RelayStreamBehind(
                self.service, f"stream {self.stream} ends at {last_seq}, relay published {published}"
            )
        await self.last_message(last_seq)

    def _stored(self, notification_id: int) -> tuple[Any | None, Any | None]:
        found = self.app.recorder.select_notifications(start=notification_id, limit=1, inclusive_of_start=True)
        if not found or int(found[0].id) != notification_id:
            return None, None
        try:
            return found[0], self.app.mapper.to_domain_event(found[0])
        except Exception:  # noqa: BLE001 - compared by ids and versions only then
            return found[0], None


def notification_of(headers: Mapping[str, str]) -> int | None:
    value = headers.get(H_NOTIFICATION, "")
    return int(value) if value.isdigit() else None


def compare(
    service: str, sequence: int, headers: Mapping[str, str], notification: Any | None, domain_event: Any | None
) -> None:
    """Raise `StoreDiverged` unless `notification` (the store's at the message's notification id) is the same event
    the message at stream `sequence` was published from. No event data goes into the reason: ids and numbers only.
    """
    notification_id = notification_of(headers)
    if notification_id is None:
        return  # not a relay message we can place: nothing to compare
    if notification is None or int(notification.id) != notification_id:
        raise StoreDiverged(
            service,
            "store_behind_stream",
            f"stream message {sequence} was published from notification {notification_id}, which the store lacks",
        )
    differences: list[str] = []
    if headers.get(H_SUBJECT) is not None and headers[H_SUBJECT] != str(notification.originator_id):
        differences.append("originator id")
    version = headers.get(H_ORIGINATOR_VERSION)
    if version is not None and version != str(notification.originator_version):
        differences.append("originator version")
    stamp = getattr(domain_event, "timestamp", None)
    if stamp is not None and H_TIME in headers and headers[H_TIME] != _ce_time(stamp):
        differences.append("time")
    if differences:
        raise StoreDiverged(
            service,
            "store_diverged",
            f"stream message {sequence} and the store's notification {notification_id} differ in "
            + ", ".join(differences),
        )


def _ce_time(stamp: Any) -> str:
    # As cloudevents.encode writes ce-time.
    return str(stamp.astimezone(UTC).isoformat().replace("+00:00", "Z"))
