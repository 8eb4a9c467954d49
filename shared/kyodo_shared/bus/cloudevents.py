"""CloudEvents 1.0 in NATS binary mode: `ce-*` headers and a JSON body, to and from contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid5

from pydantic import ValidationError

from kyodo_shared.contracts import Contract, catalog

# Fixed forever: message ids derived from it must stay the same across relays, restarts and bus rebuilds.
MESSAGE_ID_NAMESPACE = UUID("6f1c2a4e-8d3b-5b7a-9e0f-4a2c6b8d1e3f")

H_SPEC = "ce-specversion"
H_ID = "ce-id"
H_SOURCE = "ce-source"
H_TYPE = "ce-type"
H_TIME = "ce-time"
H_SUBJECT = "ce-subject"
H_SEQUENCE = "ce-sequence"
H_CORRELATION = "ce-correlationid"
H_CAUSATION = "ce-causationid"
H_NOTIFICATION = "ce-kyodonotificationid"
H_INDEX = "ce-kyodoindex"
# The stored event's originator version (the subject is its originator id): with the notification id it lets the
# relay tell whether the store still holds what the stream says was published (a store restored from a backup).
# Additive: messages published before it carry no such header.
H_ORIGINATOR_VERSION = "ce-kyodooriginatorversion"
H_CONTENT_TYPE = "content-type"
H_MSG_ID = "Nats-Msg-Id"
H_EXPECTED_LAST_SEQ = "Nats-Expected-Last-Sequence"

REQUIRED_HEADERS = (H_SPEC, H_ID, H_SOURCE, H_TYPE, H_TIME, H_SEQUENCE)


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


class PoisonMessage(Exception):
    """A message that can never be applied as it is: not CloudEvents, unknown type, or invalid data."""


def message_id(service: str, notification_id: int, index: int) -> str:
    """The deterministic id of the index-th contract event of a stored notification."""
    return str(uuid5(MESSAGE_ID_NAMESPACE, f"{service}:{notification_id}:{index}"))


@dataclass(frozen=True)
class Envelope:
    """A contract event with its CloudEvents attributes."""

    id: str
    source: str
    type: str
    time: datetime
    subject: str
    sequence: int
    correlation_id: str
    causation_id: str
    data: Contract
    notification_id: int = 0
    index: int = 0
    # JetStream's delivery count of this message (holds and crashes included); informational only.
    delivery_count: int = 1


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


def sequence_of(headers: dict[str, str] | None) -> int | None:
    """The source sequence of a message, or None when it does not carry a valid one."""
    raw = (headers or {}).get(H_SEQUENCE, "")
    return int(raw) if raw.isdigit() else None


def decode(headers: dict[str, str] | None, body: bytes, *, delivery_count: int = 1) -> Envelope:
    """Parse and validate a message; raises PoisonMessage when it can never be applied."""
    headers = headers or {}
    missing = [h for h in REQUIRED_HEADERS if not headers.get(h)]
    if missing:
        raise PoisonMessage(f"missing CloudEvents headers: {', '.join(missing)}")
    if headers[H_SPEC] != "1.0":
        raise PoisonMessage("unsupported CloudEvents specversion")
    contract = catalog().get(headers[H_TYPE])
    if contract is None:
        raise PoisonMessage("unknown event type")
    sequence = sequence_of(headers)
    if sequence is None:
        raise PoisonMessage("invalid sequence header")
    try:
        data = contract.model_validate_json(body)
        time = datetime.fromisoformat(headers[H_TIME].replace("Z", "+00:00"))
    except (ValueError, ValidationError) as exc:
        # Report the error's class only: the body may carry data that must not reach logs.
        raise PoisonMessage(f"invalid body for {contract.ce_type()}: {type(exc).__name__}") from None
    return Envelope(
        id=headers[H_ID],
        source=headers[H_SOURCE],
        type=headers[H_TYPE],
        time=time,
        subject=headers.get(H_SUBJECT, ""),
        sequence=sequence,
        correlation_id=headers.get(H_CORRELATION, ""),
        causation_id=headers.get(H_CAUSATION, ""),
        data=data,
        notification_id=int(headers.get(H_NOTIFICATION, "0") or 0),
        index=int(headers.get(H_INDEX, "0") or 0),
        delivery_count=delivery_count,
    )
