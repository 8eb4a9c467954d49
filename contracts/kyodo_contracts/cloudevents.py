"""Reading Kyodo's events: CloudEvents 1.0 in NATS binary mode (`ce-*` headers, a JSON body) into contracts.

What a reader needs and nothing of the kernel: the header names, `decode` (any published contract) and `decode_as`
(one contract, its type and version checked). Both are tolerant of fields a later release added within the version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError

from kyodo_contracts.base import Contract, parse_type

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

REQUIRED_HEADERS = (H_SPEC, H_ID, H_SOURCE, H_TYPE, H_TIME, H_SEQUENCE)

C = TypeVar("C", bound=Contract)


class PoisonMessage(Exception):
    """A message that can never be applied as it is: not CloudEvents, unknown type, or invalid data."""


class UnexpectedType(PoisonMessage):
    """The message is a valid event of another type or version than the one asked for."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(f"expected {expected}, found {found}")
        self.expected, self.found = expected, found


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


def sequence_of(headers: Mapping[str, str] | None) -> int | None:
    """The source sequence of a message, or None when it does not carry a valid one."""
    raw = (headers or {}).get(H_SEQUENCE, "")
    return int(raw) if raw.isdigit() else None


def decode(
    headers: Mapping[str, str] | None,
    body: bytes,
    *,
    delivery_count: int = 1,
    contracts: Mapping[str, type[Contract]] | None = None,
) -> Envelope:
    """Parse and validate a message of any contract in `contracts` (default: every published one); raises
    PoisonMessage when it can never be applied.
    """
    headers = headers or {}
    missing = [h for h in REQUIRED_HEADERS if not headers.get(h)]
    if missing:
        raise PoisonMessage(f"missing CloudEvents headers: {', '.join(missing)}")
    if headers[H_SPEC] != "1.0":
        raise PoisonMessage("unsupported CloudEvents specversion")
    if contracts is None:
        from kyodo_contracts import catalog

        contracts = catalog()
    contract = contracts.get(headers[H_TYPE])
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


def decode_as(contract: type[C], headers: Mapping[str, str] | None, body: bytes) -> tuple[Envelope, C]:
    """Decode a message that must be `contract`: its `ce-type` names the same event and version, or
    UnexpectedType says which it is (a v2 where the reader follows v1 is not read as v1).
    """
    found = (headers or {}).get(H_TYPE, "")
    if found != contract.ce_type():
        raise UnexpectedType(contract.ce_type(), found if parse_type(found) else "no Kyodo event type")
    envelope = decode(headers, body, contracts={found: contract})
    assert isinstance(envelope.data, contract)
    return envelope, envelope.data
