"""Other services' facts applied by info-hub's own handlers in a running platform, as its consumer applies them
(the other service is not running), each with its source's next sequence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from kyodo_contracts import Contract
from kyodo_info_hub.bus import SUBSCRIPTIONS
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.dlq import tracked_in

from support.harness import Platform

HUB = "info-hub"


def feed(p: Platform, source: str, *events: Contract) -> None:
    """`events` of a service not running here, applied by info-hub's own handlers as its consumer applies them."""
    kernel = p.apps[HUB].state.kernel
    handlers = {sub.source: sub.handlers for sub in SUBSCRIPTIONS}
    for event in events:
        with kernel.db.transaction() as tx:
            sequence = tracked_in(tx, source) + 1
            message = Envelope(
                id=str(uuid.uuid4()),
                source=source,
                type=event.ce_type(),
                time=datetime.now(UTC),
                subject=source,
                sequence=sequence,
                correlation_id="c",
                causation_id="c",
                data=event,
            )
            handlers[source][type(event)](message, tx)
            kernel.ledger.advance(tx, source, sequence)
