"""The audit part of a running service: chaining every stored event and signing checkpoints, under one lease."""

from __future__ import annotations

import asyncio
from typing import Any

from nats.js import JetStreamContext

from kyodo_shared.audit.chain import Chainer, ChainStore
from kyodo_shared.audit.checkpointer import Checkpointer
from kyodo_shared.audit.keys import AuditKeys
from kyodo_shared.audit.publisher import CheckpointPublisher
from kyodo_shared.settings import AuditSettings, BusSettings
from kyodo_shared.tasks.leases import Lease
from kyodo_shared.tasks.supervisor import Supervisor


class AuditRuntime:
    def __init__(
        self,
        service: str,
        settings: AuditSettings,
        bus: BusSettings,
        application: Any,
        chain: ChainStore,
        keys: AuditKeys,
    ) -> None:
        self.service, self.settings, self.bus, self.application = service, settings, bus, application
        self.chainer = Chainer(application, chain, settings.chain_poll_seconds)
        self.chain, self.keys = chain, keys
        self.checkpointer: Checkpointer | None = None

    def start(self, js: JetStreamContext, supervisor: Supervisor) -> None:
        publisher = CheckpointPublisher(
            self.service, self.application, js, self.bus.namespace, self.bus.stream_replicas, self.bus.provision
        )
        checkpointer = Checkpointer(
            service=self.service,
            application=self.application,
            chain=self.chain,
            keys=self.keys.ring(),
            every_events=self.settings.checkpoint_every_events,
            every_seconds=self.settings.checkpoint_every_seconds,
            publish=publisher.catch_up,
        )
        self.checkpointer = checkpointer

        async def run_audit(stop: asyncio.Event, lease: Lease | None) -> None:
            await asyncio.gather(self.chainer.run(stop), checkpointer.run(stop))

        supervisor.spawn_leased(f"audit:{self.service}", run_audit, "audit")
