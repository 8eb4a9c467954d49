"""Before consuming: wait for the source streams, create the durable consumers the database's position says, and
refuse to start when a consumer acknowledged more than the database applied (a lost or restored database).
"""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from kyodo_subscriber.settings import Settings
from kyodo_subscriber.store import Store

log = logging.getLogger("kyodo_subscriber")


class ConsumerAheadOfDatabase(RuntimeError):
    """The durable consumer acknowledged messages this database has not applied (a lost or restored database)."""


class ConsumerMissing(RuntimeError):
    """KYODO_SUB_CONSUMER_PRECREATED is set but the operator has not created the durable consumer (yet)."""


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
    """Wait for each source stream (its relay creates it) and create the durable consumer when missing; refuse to
    start when a consumer acknowledged more than the database applied."""
    nc = await nats.connect(
        settings.nats_url, user=settings.nats_user, password=settings.nats_password, max_reconnect_attempts=3
    )
    try:
        js = nc.jetstream()
        for source in settings.sources:
            if not settings.consumer_precreated:
                await _wait_for_stream(js, settings.stream(source))
            store = Store(settings.db_path)
            try:
                tracked = store.position(settings.source_uri(source)).tracked
            finally:
                store.close()
            await _ensure_consumer(js, settings, source, tracked)
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


async def _ensure_consumer(js: JetStreamContext, settings: Settings, source: str, tracked: int) -> None:
    durable = settings.durable(source)
    try:
        info = await js.consumer_info(settings.stream(source), durable)
    except NotFoundError:
        if settings.consumer_precreated:
            raise ConsumerMissing(f"consumer {durable} on {settings.stream(source)} does not exist") from None
        await js.add_consumer(settings.stream(source), consumer_config(settings, source, tracked))
        log.info("consumer_created stream=%s durable=%s start=%d", settings.stream(source), durable, tracked + 1)
        return
    acked = int(info.ack_floor.stream_seq or 0) if info.ack_floor else 0
    if acked > tracked:
        # Starting would skip what the consumer acked but the database lacks: refuse, say how to recover.
        raise ConsumerAheadOfDatabase(
            f"consumer {durable} acked up to {acked} but the database applied {tracked}: delete the consumer "
            f"(it is recreated from the database's position) or restore the matching database"
        )
