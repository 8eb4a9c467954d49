"""Signs the chain head every N events or T seconds, stores each checkpoint as an event in the service's own
store (so a rebuilt bus gets it back with its original signature) and publishes it to the checkpoint stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import structlog
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from kyodo_shared.audit.chain import ChainStore
from kyodo_shared.audit.checkpoints import Checkpoint, sign_checkpoint
from kyodo_shared.audit.keys import SigningKeys
from kyodo_shared.tasks.aio import sleep_or_stop

log = structlog.get_logger(__name__)


class AuditCheckpoints(Aggregate):
    """Every checkpoint a service signed, in order."""

    @staticmethod
    def id_for(service: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"kyodo:audit-checkpoints:{service}")

    @staticmethod
    def create_id(service: str) -> UUID:
        return AuditCheckpoints.id_for(service)

    @event("Opened")
    def __init__(self, service: str) -> None:
        self.service = service
        self.checkpoints: list[dict[str, Any]] = []

    @event("Signed")
    def signed(self, checkpoint: dict[str, Any]) -> None:
        self.checkpoints.append(checkpoint)


def stored_checkpoints(application: Any, service: str) -> list[Checkpoint]:
    try:
        log_: AuditCheckpoints = application.repository.get(AuditCheckpoints.id_for(service))
    except AggregateNotFoundError:
        return []
    return [Checkpoint.model_validate(c) for c in log_.checkpoints]


Publisher = Callable[[], Awaitable[None]]


class Checkpointer:
    def __init__(
        self,
        *,
        service: str,
        application: Any,
        chain: ChainStore,
        keys: SigningKeys,
        every_events: int,
        every_seconds: float,
        publish: Publisher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.service, self.app, self.chain, self.keys = service, application, chain, keys
        self.every_events, self.every_seconds = every_events, every_seconds
        self.publish, self.clock = publish, clock
        self._last_signed_at = time.monotonic()
        # Reported in /readyz: "ok", or why signing stopped.
        self.status = "ok"

    def _memory(self) -> Path:
        # Kept beside the keys, outside the event store: database access alone cannot rewrite what was signed.
        return self.keys.directory / "last-checkpoint.json"

    def _contradiction(self, stored: list[Checkpoint]) -> str | None:
        memory = self._memory()
        if not memory.exists():
            return None
        last = json.loads(memory.read_text())
        if not stored or stored[-1].position < int(last["position"]):
            return f"stored checkpoints end before position {last['position']}, which this service signed"
        if self.chain.link_at(int(last["position"])) != last["link"]:
            return f"the chain at position {last['position']} differs from what this service signed"
        return None

    def sign_if_due(self, *, force: bool = False) -> Checkpoint | None:
        position, link = self.chain.head()
        stored = stored_checkpoints(self.app, self.service)
        contradiction = self._contradiction(stored)
        if contradiction is not None:
            # Never sign over a history that contradicts an earlier signature: that would launder tampering.
            if self.status == "ok":
                log.error("checkpoint_refused", service=self.service, reason=contradiction)
            self.status = f"refusing to sign: {contradiction}"
            return None
        last = stored[-1].position if stored else 0
        # The previous checkpoint's own event is not news: never sign a checkpoint of a checkpoint.
        new_events = position - last - (1 if stored else 0)
        due = new_events >= self.every_events or (
            new_events > 0 and time.monotonic() - self._last_signed_at >= self.every_seconds
        )
        if position == 0 or not (due or (force and position > last)):
            return None
        self.keys.reload()
        checkpoint = sign_checkpoint(self.keys, self.service, position, link.hex(), self.clock())
        try:
            log_: AuditCheckpoints = self.app.repository.get(AuditCheckpoints.id_for(self.service))
        except AggregateNotFoundError:
            log_ = AuditCheckpoints(self.service)
        log_.signed(checkpoint.model_dump(mode="json"))
        self.app.save(log_)
        if checkpoint.announces is not None:
            self.keys.promote()
        tmp = self._memory().with_suffix(".tmp")
        tmp.write_text(json.dumps({"position": position, "link": checkpoint.link}))
        tmp.replace(self._memory())
        self._last_signed_at = time.monotonic()
        log.info("checkpoint_signed", service=self.service, position=position, kid=checkpoint.kid)
        return checkpoint

    async def run(self, stop: asyncio.Event) -> None:
        failing = ""  # a failure that lasts (a bus not provisioned yet) is logged when it starts, not every tick
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.sign_if_due)
                if self.publish is not None:
                    # Every tick, so a checkpoint whose publish failed is sent again, in order.
                    await self.publish()
                failing = ""
            except Exception as exc:  # noqa: BLE001 - retried at the next tick
                if type(exc).__name__ != failing:
                    log.warning(
                        "checkpoint_error", service=self.service, error=type(exc).__name__, detail=str(exc)[:300]
                    )
                failing = type(exc).__name__
            await sleep_or_stop(stop, min(1.0, self.every_seconds))
