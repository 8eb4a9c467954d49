"""CloudEvents 1.0 in NATS binary mode, the producer's side: message ids, `encode`, and the identity a consumer
remembers. Reading (header names, `decode`, `Envelope`) is the contracts package's, re-exported here so the kernel has
one place to import the binding from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from uuid import UUID, uuid5

from kyodo_contracts.cloudevents import (
    H_CAUSATION,
    H_CONTENT_TYPE,
    H_CORRELATION,
    H_ID,
    H_INDEX,
    H_NOTIFICATION,
    H_ORIGINATOR_VERSION,
    H_SEQUENCE,
    H_SOURCE,
    H_SPEC,
    H_SUBJECT,
    H_TIME,
    H_TYPE,
    REQUIRED_HEADERS,
    Envelope,
    PoisonMessage,
    decode,
    sequence_of,
)

__all__ = [
    "H_CAUSATION",
    "H_CONTENT_TYPE",
    "H_CORRELATION",
    "H_EXPECTED_LAST_SEQ",
    "H_ID",
    "H_INDEX",
    "H_MSG_ID",
    "H_NOTIFICATION",
    "H_ORIGINATOR_VERSION",
    "H_SEQUENCE",
    "H_SOURCE",
    "H_SPEC",
    "H_SUBJECT",
    "H_TIME",
    "H_TYPE",
    "REQUIRED_HEADERS",
    "Envelope",
    "MessageIdentity",
    "PoisonMessage",
    "decode",
    "encode",
    "identity_of",
    "message_id",
    "sequence_of",
]

# Fixed forever: message ids derived from it must stay the same across relays, restarts and bus rebuilds.
MESSAGE_ID_NAMESPACE = UUID("6f1c2a4e-8d3b-5b7a-9e0f-4a2c6b8d1e3f")

H_MSG_ID = "Nats-Msg-Id"
H_EXPECTED_LAST_SEQ = "Nats-Expected-Last-Sequence"


@dataclass(frozen=True)
class MessageIdentity:
    """What tells one published message from another at the same sequence: its id, time and originator version.

    The id alone cannot: it derives from the notification id, which a store restored from a backup reuses for new
    events. A consumer remembers the identity of the message it applied last, with its tracking (bus/durable.py).
    """

    event_id: str
    time: str
    originator_version: str | None = None

    def differences(self, other: MessageIdentity | None) -> list[str]:
        if other is None:
            return ["id", "time"]
        found = [
            name for name, a, b in (("id", self.event_id, other.event_id), ("time", self.time, other.time)) if a != b
        ]
        if None not in (self.originator_version, other.originator_version) and (
            self.originator_version != other.originator_version
        ):
            found.append("originator version")
        return found


def identity_of(headers: dict[str, str] | None) -> MessageIdentity | None:
    """The identity of a message from its headers; None for one without `ce-id` and `ce-time`."""
    headers = headers or {}
    event_id, time = headers.get(H_ID), headers.get(H_TIME)
    if not event_id or not time:
        return None
    return MessageIdentity(event_id, time, headers.get(H_ORIGINATOR_VERSION))


def message_id(service: str, notification_id: int, index: int) -> str:
    """The deterministic id of the index-th contract event of a stored notification."""
    return str(uuid5(MESSAGE_ID_NAMESPACE, f"{service}:{notification_id}:{index}"))


def encode(envelope: Envelope) -> tuple[dict[str, str], bytes]:
    """Headers and body of a binary-mode CloudEvent."""
    headers = {
        H_SPEC: "1.0",
        H_ID: envelope.id,
        H_SOURCE: envelope.source,
        H_TYPE: envelope.type,
        H_TIME: envelope.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        H_SUBJECT: envelope.subject,
        H_SEQUENCE: str(envelope.sequence),
        H_CORRELATION: envelope.correlation_id,
        H_CAUSATION: envelope.causation_id,
        H_NOTIFICATION: str(envelope.notification_id),
        H_INDEX: str(envelope.index),
        H_CONTENT_TYPE: "application/json",
    }
    return headers, envelope.data.model_dump_json().encode()
