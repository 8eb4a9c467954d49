"""The FastStream application: one durable pull consumer per Kyodo source stream, manual acknowledgement.

Run with `python -m kyodo_subscriber` or `faststream run kyodo_subscriber.app:app`; settings come from `KYODO_SUB_*`
environment variables (settings.py).

Why not FastStream's defaults: its default ack policy (REJECT_ON_ERROR) *terminates* a message whose handler raises,
so JetStream never delivers it again and the event is lost to this subscriber; and handlers of a pull batch run
concurrently unless the subscriber takes the batch as a list. Here the subscriber takes each batch as a list
(`PullSub(batch=True)`), applies it in order, and acks or naks every message itself (`AckPolicy.MANUAL`).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from faststream import AckPolicy, Context, FastStream
from faststream.exceptions import StartupValidationError
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage

from kyodo_subscriber.bootstrap import prepare_consumers
from kyodo_subscriber.connection import broker_security
from kyodo_subscriber.consumer import SourceProcessor
from kyodo_subscriber.refusals import StartRefused, report
from kyodo_subscriber.settings import Settings

log = logging.getLogger("kyodo_subscriber")

BatchMessage = Annotated[NatsBatchMessage, Context("message")]


class StartAborted(StartupValidationError):
    """Raised by the start-up hook once it reported a StartRefused. A StartupValidationError without fields: on one,
    FastStream's CLI (0.7.8, `faststream run`) draws nothing and exits 1; any other exception reaches its traceback."""

    def __init__(self) -> None:
        super().__init__()

    def __str__(self) -> str:
        return "start refused (reported above)"


async def _no_decoding(message: Any) -> None:
    # The handler decodes each message itself against its contract; FastStream's JSON decoding would fail the whole
    # batch on one invalid body, before the handler could count and park it.
    return None


def create_app(settings: Settings) -> FastStream:
    refused: StartRefused | None = None
    try:
        security = broker_security(settings)  # the reader user, and TLS trusting KYODO_SUB_TLS_CA_FILE (connection.py)
    except StartRefused as exc:  # an unreadable CA file: refused by the start-up hook, before the broker connects
        security, refused = None, exc
    # Per-message log lines at DEBUG: below the INFO level configured, so they cost nothing (FACTS: they halve
    # throughput when emitted).
    # Its own inbox prefix: the reader user may subscribe only under it (nats-reader.conf), never to `_INBOX.>`.
    broker = NatsBroker(
        settings.nats_url,
        security=security,
        inbox_prefix=settings.inbox_prefix,
        logger=log,
        log_level=logging.DEBUG,
    )
    processors = [SourceProcessor(settings, source) for source in settings.sources]

    async def on_startup() -> None:
        try:
            if refused is not None:
                raise refused
            for processor in processors:
                processor.open()  # the database is opened (and migrated) on start, not on import
            await prepare_consumers(settings)
        except StartRefused as exc:
            # Reported here, not by __main__: `faststream run` never reaches __main__.
            report(exc)
            raise StartAborted from None

    for processor in processors:
        source = processor.service
        subscriber = broker.subscriber(
            settings.subjects(source),
            stream=JStream(settings.stream(source), declare=False),  # the relay's stream: never created here
            durable=settings.durable(source),
            pull_sub=PullSub(batch_size=settings.batch_size, timeout=settings.fetch_timeout, batch=True),
            ack_policy=AckPolicy.MANUAL,
            decoder=_no_decoding,
            # The subscriber's pull inbox: FastStream passes its own default (`_INBOX.`) unless told.
            inbox_prefix=f"{settings.inbox_prefix}.".encode(),
        )
        subscriber(_batch_handler(processor))

    async def after_shutdown() -> None:
        for processor in processors:
            processor.close()

    return FastStream(broker, logger=log, on_startup=[on_startup], after_shutdown=[after_shutdown])


def _batch_handler(processor: SourceProcessor) -> Any:
    async def handle(message: BatchMessage) -> None:
        await processor.handle_batch(message.raw_message)

    handle.__name__ = f"apply_{processor.service.replace('-', '_')}"
    return handle


app = create_app(Settings.from_env())
