"""The FastStream application: one durable pull consumer per Kyodo source stream, manual acknowledgement.

Run with `python -m kyodo_subscriber` or `faststream run kyodo_subscriber.app:app`; settings come from `KYODO_SUB_*`
environment variables (settings.py).

Why not FastStream's defaults: its default ack policy (REJECT_ON_ERROR) *terminates* a message whose handler raises,
so JetStream never delivers it again and the event is lost to this subscriber; and handlers of a pull batch run
concurrently unless the subscriber takes the batch as a list. Here the subscriber takes each batch as a list
(`PullSub(batch=True)`), applies it in order, and acks or naks every message itself (`AckPolicy.MANUAL`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

import nats
from faststream import AckPolicy, Context, FastStream
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from faststream.security import SASLPlaintext
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from kyodo_subscriber import effects
from kyodo_subscriber.consumer import SourceProcessor
from kyodo_subscriber.settings import Settings
from kyodo_subscriber.store import Store

log = logging.getLogger("kyodo_subscriber")

BatchMessage = Annotated[NatsBatchMessage, Context("message")]


class ConsumerAheadOfDatabase(RuntimeError):
    """The durable consumer acknowledged messages this database has not applied (a lost or restored database)."""


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


async def _no_decoding(message: Any) -> None:
    # The handler decodes each message itself against its contract; FastStream's JSON decoding would fail the whole
    # batch on one invalid body, before the handler could count and park it.
    return None


async def prepare_consumers(settings: Settings) -> None:
    """Wait for each source stream (its relay creates it) and create the durable consumer when missing."""
    nc = await nats.connect(
        settings.nats_url, user=settings.nats_user, password=settings.nats_password, max_reconnect_attempts=3
    )
    try:
        js = nc.jetstream()
        for source in settings.sources:
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


def create_app(settings: Settings) -> FastStream:
    security = (
        SASLPlaintext(username=settings.nats_user, password=settings.nats_password or "")
        if settings.nats_user
        else None
    )
    # Per-message log lines at DEBUG: below the INFO level configured, so they cost nothing (FACTS: they halve
    # throughput when emitted).
    broker = NatsBroker(settings.nats_url, security=security, logger=log, log_level=logging.DEBUG)
    stores: list[Store] = []

    async def on_startup() -> None:
        await prepare_consumers(settings)

    for source in settings.sources:
        store = Store(settings.db_path)
        effects.migrate(store.conn)
        stores.append(store)
        processor = SourceProcessor(settings, source, store)
        subscriber = broker.subscriber(
            settings.subjects(source),
            stream=JStream(settings.stream(source), declare=False),  # the relay's stream: never created here
            durable=settings.durable(source),
            pull_sub=PullSub(batch_size=settings.batch_size, timeout=settings.fetch_timeout, batch=True),
            ack_policy=AckPolicy.MANUAL,
            decoder=_no_decoding,
        )
        subscriber(_batch_handler(processor))

    async def after_shutdown() -> None:
        for store in stores:
            store.close()

    return FastStream(broker, logger=log, on_startup=[on_startup], after_shutdown=[after_shutdown])


def _batch_handler(processor: SourceProcessor) -> Any:
    async def handle(message: BatchMessage) -> None:
        await processor.handle_batch(message.raw_message)

    handle.__name__ = f"apply_{processor.service.replace('-', '_')}"
    return handle


app = create_app(Settings.from_env())
