"""Another service's stream as its relay writes it, for tests of a consumer: one CloudEvent per notification, in
order, each with its message id and the expected last sequence (so a gap or a duplicate fails the publish)."""

from __future__ import annotations

from datetime import UTC, datetime

import nats
from nats.js.api import StreamConfig

from kyodo_contracts import Contract, stream_name, stream_subjects
from kyodo_shared.bus.cloudevents import (
    H_EXPECTED_LAST_SEQ,
    H_MSG_ID,
    H_ORIGINATOR_VERSION,
    Envelope,
    encode,
    message_id,
)

# When a contract names no time of its own (a decision's `decided_at`), its message says it was recorded then.
RECORDED_AT = datetime(2027, 3, 1, 10, tzinfo=UTC)


def envelope_of(event: Contract, source: str, sequence: int) -> Envelope:
    msg_id = message_id(source, sequence, 0)
    return Envelope(
        id=msg_id,
        source=f"/kyodo/{source}",
        type=event.ce_type(),
        time=getattr(event, "decided_at", RECORDED_AT),
        subject=str(getattr(event, "decision_id", None) or getattr(event, "proposal_id", source)),
        sequence=sequence,
        correlation_id=msg_id,
        causation_id=msg_id,
        data=event,
        notification_id=sequence,
        index=0,
    )


class SourceStream:
    """The stream of `source` in the test's namespace, published to as that service's relay would."""

    def __init__(self, nats_url: str, namespace: str, source: str) -> None:
        self.nats_url, self.namespace, self.source, self.sequence = nats_url, namespace, source, 0
        self.stream = stream_name(namespace, source)

    async def create(self) -> None:
        nc = await nats.connect(self.nats_url)
        try:
            config = StreamConfig(name=self.stream, subjects=[stream_subjects(self.namespace, self.source)])
            await nc.jetstream().add_stream(config)
        finally:
            await nc.close()

    async def publish(self, *events: Contract) -> None:
        nc = await nats.connect(self.nats_url)
        try:
            js = nc.jetstream()
            for event in events:
                self.sequence += 1
                envelope = envelope_of(event, self.source, self.sequence)
                headers, body = encode(envelope)
                headers[H_ORIGINATOR_VERSION] = "1"
                headers[H_MSG_ID] = envelope.id
                headers[H_EXPECTED_LAST_SEQ] = str(self.sequence - 1)
                subject = type(event).subject(self.namespace)
                ack = await js.publish(subject, body, headers=headers, stream=self.stream)
                assert ack.seq == self.sequence
        finally:
            await nc.close()
