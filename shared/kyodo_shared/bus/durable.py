"""Where a consumer's durable JetStream consumer starts, so that the consumer's database is the truth.

A consumer acks a message only after its effect and tracking committed, so the durable consumer's ack floor is never
above the tracked sequence. When it is, the consumer's database was deleted or restored: the read model lost data.
Read models are disposable, so the durable consumer is recreated right after what tracking says is applied and the
lost part is applied again (handlers are upserts keyed by ids and tracking drops duplicates).
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from kyodo_shared.tasks.health import DOCS

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Placement:
    deliver: DeliverPolicy
    start: int | None
    rewound_from: int | None = None


def after(tracked: int) -> Placement:
    return Placement(DeliverPolicy.BY_START_SEQUENCE, tracked + 1) if tracked else Placement(DeliverPolicy.ALL, None)


async def place(js: JetStreamContext, stream: str, durable: str, tracked: int) -> Placement:
    """Keep the existing durable consumer's start, unless its ack floor is past `tracked`: then delete it and
    start after `tracked` (a new durable consumer also starts there: redelivering the rest would be duplicates)."""
    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        return after(tracked)
    acked = int(info.ack_floor.stream_seq) if info.ack_floor is not None else 0
    if acked <= tracked:
        existing: ConsumerConfig = info.config
        return Placement(existing.deliver_policy or DeliverPolicy.ALL, existing.opt_start_seq)
    # The start policy of an existing durable consumer cannot be changed: it is recreated.
    await js.delete_consumer(stream, durable)
    log.warning("consumer_rewound", stream=stream, durable=durable, ack_floor=acked, tracked=tracked)
    placement = after(tracked)
    return Placement(placement.deliver, placement.start, rewound_from=acked)


def behind_hint(service: str, source: str) -> str:
    return (
        f"the stream of {source} ends before what {service} applied: if {source} is re-publishing (after "
        f"`kyodo relay reset {source}`) this clears by itself; otherwise run `kyodo replay {service} --from-scratch` "
        f"with {service} stopped ({DOCS})"
    )


def missing_hint(service: str, source: str) -> str:
    return (
        f"the stream of {source} does not exist: start {source} (its relay creates the stream); after a bus loss run "
        f"`kyodo relay reset {source}` with {source} stopped ({DOCS})"
    )
