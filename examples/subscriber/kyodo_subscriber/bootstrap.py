"""Before consuming: check that each source stream still holds the history this database applied, check the
operator-created durable consumers (in development: wait for the streams and create the consumers the database's
position says), and refuse to start when a consumer acknowledged more than the database applied (a lost or restored
database).
"""

from __future__ import annotations

import asyncio
import logging

from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, ConsumerInfo, DeliverPolicy
from nats.js.errors import NotFoundError

from kyodo_contracts.cloudevents import H_ID, H_TIME
from kyodo_subscriber.connection import connect
from kyodo_subscriber.refusals import StartRefused
from kyodo_subscriber.settings import Settings
from kyodo_subscriber.store import Store, Tracked

log = logging.getLogger("kyodo_subscriber")


class ConsumerAheadOfDatabase(StartRefused):
    """The durable consumer acknowledged messages this database has not applied (a lost or restored database)."""


class ConsumerMissing(StartRefused):
    """The operator has not created the durable consumer (yet); KYODO_SUB_CONSUMER_PRECREATED is true (default)."""


class ConsumerMisconfigured(StartRefused):
    """An existing durable consumer is set up so that messages could be lost or left out (README, §2)."""


class SourceHistoryChanged(StartRefused):
    """The stream's message at the tracked sequence is not the one this database applied there, or is gone."""


def consumer_config(settings: Settings, source: str, tracked: int) -> ConsumerConfig:
    """The durable consumer, starting after what the database has applied."""
    return ConsumerConfig(
        # `name` too: nats-py then uses CONSUMER.CREATE.<stream>.<name>.<filter>, which a permission can name.
        name=settings.durable(source),
        durable_name=settings.durable(source),
        # The whole stream, unfiltered: a filter would leave holes in the dense source sequence.
        filter_subject=settings.subjects(source),
        ack_policy=JsAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE if tracked else DeliverPolicy.ALL,
        opt_start_seq=tracked + 1 if tracked else None,
        # Never give up on a message: gaps and parking nak the same message many times on purpose.
        max_deliver=-1,
        ack_wait=settings.ack_wait,
        max_ack_pending=max(1000, settings.batch_size * 4),
    )


async def prepare_consumers(settings: Settings) -> None:
    """Wait for each source stream (its relay creates it), check its history against the database, and create the
    durable consumer when missing; refuse to start on a changed history or a consumer that cannot be trusted."""
    nc = await connect(settings)
    try:
        js = nc.jetstream()
        for source in settings.sources:
            if not settings.consumer_precreated:
                await _wait_for_stream(js, settings.stream(source))
            store = Store(settings.db_path, busy_timeout=settings.db_busy_timeout)
            try:
                tracked = store.tracked(settings.source_uri(source))
            finally:
                store.close()
            await check_history(js, settings.stream(source), tracked, settings.durable(source))
            await _ensure_consumer(js, settings, source, tracked.sequence)
    finally:
        await nc.close()


async def _wait_for_stream(js: JetStreamContext, stream: str) -> None:
    while True:
        try:
            await js.stream_info(stream)
            return
        except NotFoundError:
            log.warning("waiting_for_stream stream=%s", stream)
            await asyncio.sleep(2.0)


_REPUBLISHED = (
    "the source stream was re-published with a different history (e.g. Kyodo's store was restored from a backup "
    "and its stream rebuilt), so what this database applied may no longer be Kyodo's history. Do not start on it: "
    "ask Kyodo's operators what happened; then rebuild this subscriber from the stream (stop it, move the database "
    "aside, delete the consumer {durable}, start) or, if they confirm nothing this database applied changed, "
    "restore a database that matches the stream"
)


async def check_history(js: JetStreamContext, stream: str, tracked: Tracked, durable: str = "") -> None:
    """Compare the stream's message at the tracked sequence (ce-sequence = stream sequence: one stream per source)
    with the ce-id and ce-time this database recorded when it applied it; raise SourceHistoryChanged on a mismatch
    or when the stream has no message there. One STREAM.MSG.GET, at start only."""
    if tracked.sequence == 0 or tracked.event_id is None:
        return  # nothing applied yet, or the tracked sequence is a missing message an operator skipped
    hint = _REPUBLISHED.format(durable=durable or "<KYODO_SUB_NAME>-<service>")
    try:
        found = await js.get_msg(stream, tracked.sequence)
    except NotFoundError:
        raise SourceHistoryChanged(
            f"stream {stream} has no message at sequence {tracked.sequence}, which this database applied (the "
            f"stream is shorter than the tracked sequence, or the message was deleted): {hint}"
        ) from None
    headers = dict(found.headers or {})
    differences = ["ce-id"] if headers.get(H_ID) != tracked.event_id else []
    if tracked.event_time is not None and headers.get(H_TIME) != tracked.event_time:
        differences.append("ce-time")
    if differences:
        raise SourceHistoryChanged(
            f"stream {stream}'s message at sequence {tracked.sequence} differs in {' and '.join(differences)} from "
            f"the one this database applied there: {hint}"
        )


async def _ensure_consumer(js: JetStreamContext, settings: Settings, source: str, tracked: int) -> None:
    durable = settings.durable(source)
    try:
        info = await js.consumer_info(settings.stream(source), durable)
    except NotFoundError:
        if settings.consumer_precreated:
            raise ConsumerMissing(
                f"consumer {durable} on {settings.stream(source)} does not exist: Kyodo's operator creates it with "
                f"the settings of the kit's README §2 (deliver policy all for a new subscriber, else by start "
                f"sequence {tracked + 1}); KYODO_SUB_CONSUMER_PRECREATED=false lets the subscriber create it itself, "
                f"for development only"
            ) from None
        await js.add_consumer(settings.stream(source), consumer_config(settings, source, tracked))
        log.info("consumer_created stream=%s durable=%s start=%d", settings.stream(source), durable, tracked + 1)
        return
    check_consumer(settings, source, info)
    acked = int(info.ack_floor.stream_seq or 0) if info.ack_floor else 0
    if acked > tracked:
        # Starting would skip what the consumer acked but the database lacks: refuse, say how to recover.
        raise ConsumerAheadOfDatabase(
            f"consumer {durable} acked up to {acked} but the database applied {tracked}: have the consumer "
            f"recreated from the database's position (start sequence {tracked + 1}; README §2) or restore the "
            f"matching database"
        )


def check_consumer(settings: Settings, source: str, info: ConsumerInfo) -> None:
    """Refuse an existing consumer (the operator's, or an older one) set up so that messages could be lost: acks
    not explicit, a delivery limit (JetStream drops a message after it), or a filter narrower than the stream."""
    config, durable = info.config, settings.durable(source)
    problems: list[str] = []
    if config.ack_policy not in (JsAckPolicy.EXPLICIT, JsAckPolicy.EXPLICIT.value):
        problems.append(f"ack policy is {_value(config.ack_policy)}, must be explicit")
    if config.max_deliver not in (None, -1, 0):
        problems.append(f"max deliver is {config.max_deliver}, must be -1 (unlimited)")
    whole = {settings.subjects(source), ">"}
    filters = [f for f in [config.filter_subject, *(config.filter_subjects or [])] if f]
    if any(f not in whole for f in filters):
        problems.append(f"filter subject is {', '.join(filters)}, must be {settings.subjects(source)} or none")
    if problems:
        raise ConsumerMisconfigured(
            f"consumer {durable} on {settings.stream(source)}: {'; '.join(problems)} (README §2); the operator "
            f"recreates it as the README's table says"
        )


def _value(policy: object) -> str:
    return str(getattr(policy, "value", policy))
