"""Where a consumer's durable JetStream consumer starts, so that the consumer's database is the truth.

A consumer acks a message only after its effect and tracking committed, so the durable consumer's ack floor is never
above the tracked sequence. When it is, the consumer's database was deleted or restored: the read model lost data.
Read models are disposable, so the durable consumer is recreated right after what tracking says is applied and the
lost part is applied again (handlers are upserts keyed by ids and tracking drops duplicates).

The other way round, the SOURCE's history may change under a consumer: its store restored from a backup and its
stream re-published (`kyodo relay reset`). New events then come at sequences the consumer already applied, with the
same message ids (they derive from reused notification ids), and a durable consumer started after the tracked
sequence would skip them silently. So whenever a consumer (re)creates its durable consumer it compares the stream's
message at its tracked sequence with the identity it remembered when it applied it (`ce-id`, `ce-time`, originator
version): the same → a faithful re-publication, it goes on; different → `source_history_changed`, nothing more
is applied until the operator rebuilds the consumer's read models (`kyodo replay <svc> --from-scratch`).
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from kyodo_shared.bus.cloudevents import MessageIdentity, identity_of
from kyodo_shared.bus.provision import CONSUMER_FIXED, differences
from kyodo_shared.tasks.health import DOCS, TaskBlocked

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


async def bound(js: JetStreamContext, stream: str, wanted: ConsumerConfig, tracked: int, service: str) -> bool:
    """`place` for a service that may not create consumers (`provision=check`): False while the durable consumer
    `kyodo bus init` makes is missing; blocked when it is set to lose messages (`consumer_misconfigured`) or acked
    past `tracked` (`DurableAheadOfDatabase`), since only the operator may change or re-place it; True when the
    service may pull from it."""
    durable = str(wanted.durable_name)
    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        return False
    unsafe = differences(info.config, wanted, UNSAFE_IF_CHANGED)
    if unsafe:
        raise TaskBlocked(
            "consumer_misconfigured",
            f"run `kyodo bus init`: it brings {durable} to its definition, or stops naming what only a migration "
            f"changes ({DOCS}, 'Provisioning the bus')",
            f"{durable} on {stream}: "
            + "; ".join(f"{k} {have!r}, defined {want!r}" for k, (have, want) in unsafe.items()),
        )
    tuning = differences(info.config, wanted, ("ack_wait", "max_ack_pending"))
    if tuning:
        # Not unsafe, but this service's KYODO_CONSUMER__* differ from the ones bus init ran with (kyodo-common).
        log.warning("consumer_settings_differ", stream=stream, durable=durable, differences=str(tuning))
    acked = int(info.ack_floor.stream_seq) if info.ack_floor is not None else 0
    if acked > tracked:
        raise DurableAheadOfDatabase(service, stream, durable, f"acked up to {acked}, {service} applied {tracked}")
    return True


# A durable consumer that differs here could skip or drop messages, or send them elsewhere.
UNSAFE_IF_CHANGED = (*CONSUMER_FIXED, "max_deliver", "filter_subject", "filter_subjects", "headers_only")


class DurableAheadOfDatabase(TaskBlocked):
    """The durable consumer acked messages the consumer's database does not hold (restored or rebuilt)."""

    def __init__(self, service: str, stream: str, durable: str, detail: str) -> None:
        hint = (
            f"{service}'s database lacks messages its durable consumer {durable} on {stream} acknowledged (the "
            f"database restored or recreated?): stop {service}, run `kyodo replay {service}` as the operator (it "
            f"re-places the consumer after what the database applied and applies the rest), start it ({DOCS})"
        )
        super().__init__("consumer_ahead_of_database", hint, detail)


class SourceHistoryChanged(TaskBlocked):
    """The source's stream holds another message at the tracked sequence than the one applied there."""

    def __init__(self, service: str, source: str, detail: str) -> None:
        super().__init__("source_history_changed", history_hint(service, source), detail)


async def history_unchanged(
    js: JetStreamContext, stream: str, service: str, source: str, tracked: int, remembered: MessageIdentity | None
) -> bool:
    """Raise `SourceHistoryChanged` unless the stream's message at `tracked` is the one applied there. False when
    it is missing because the stream ends before it (re-publishing: the caller waits); True when it is the same,
    nothing was remembered (rows from before kernel_0002, a skip) or the stream's limits removed it."""
    if tracked <= 0 or remembered is None:
        return True
    try:
        found = identity_of((await js.get_msg(stream, tracked)).headers)
    except NotFoundError:
        try:
            last = int((await js.stream_info(stream)).state.last_seq)
        except NotFoundError:
            return False
        if last < tracked:
            return False
        log.warning("consumer_source_unverifiable", stream=stream, sequence=tracked)
        return True
    differences = remembered.differences(found)
    if differences:
        raise SourceHistoryChanged(
            service,
            source,
            f"message {tracked} of {stream} differs in {', '.join(differences)} from the one {service} applied",
        )
    return True


def history_hint(service: str, source: str) -> str:
    return (
        f"the stream of {source} holds other events at sequences {service} already applied ({source}'s store "
        f"restored from a backup?): stop {service}, run `kyodo replay {service} --from-scratch`, start it ({DOCS}, "
        f"'Restoring a store from a backup')"
    )


def behind_hint(service: str, source: str) -> str:
    return (
        f"the stream of {source} ends before what {service} applied: while {source} re-publishes the same history "
        f"(after `kyodo relay reset {source}` following a bus loss) this clears once it gets there; if {source}'s "
        f"store was restored from a backup, or nothing moves, run `kyodo replay {service} --from-scratch` with "
        f"{service} stopped ({DOCS})"
    )


def missing_hint(service: str, source: str) -> str:
    return (
        f"the stream of {source} does not exist: run `kyodo bus init` (it makes every stream; with "
        f"KYODO_BUS__PROVISION=create, {source}'s relay makes it when {source} starts); after a bus loss run "
        f"`kyodo relay reset {source}` with {source} stopped ({DOCS})"
    )
