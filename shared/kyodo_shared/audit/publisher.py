"""Publishes a service's stored checkpoints to the checkpoint stream (no age limit), resuming after the last one
the stream already holds for this service, so a restart neither loses nor repeats one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from kyodo_contracts import stream_name
from kyodo_contracts.audit import CheckpointSigned
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.audit.checkpoints import Checkpoint
from kyodo_shared.bus.cloudevents import H_MSG_ID, Envelope, encode, message_id
from kyodo_shared.bus.provision import ensure_stream
from kyodo_shared.bus.topology import NotProvisioned, provision_hint, stream_config, stream_exists

SOURCE = "checkpoints"


class CheckpointPublisher:
    def __init__(
        self,
        service: str,
        application: Any,
        js: JetStreamContext,
        namespace: str,
        replicas: int,
        provision: str = "check",
    ) -> None:
        self.service, self.app, self.js, self.namespace, self.replicas = service, application, js, namespace, replicas
        self.stream, self.provision = stream_name(namespace, SOURCE), provision

    async def ensure_stream(self) -> None:
        """Made here with `provision=create`; else `kyodo bus init` made it, and until then every tick fails with
        `NotProvisioned` (logged as checkpoint_error; the relay's task reports the missing provisioning in /readyz)."""
        if self.provision == "create":
            await ensure_stream(self.js, stream_config(self.namespace, SOURCE, self.replicas))
        elif not await stream_exists(self.js, self.stream):
            raise NotProvisioned(provision_hint(f"stream {self.stream}"))

    def _contract(self, checkpoint: Checkpoint) -> CheckpointSigned:
        return CheckpointSigned.produce(checkpoint.model_dump(mode="json"))

    async def last_published(self) -> int:
        subject = self._contract_subject()
        try:
            last = await self.js.get_last_msg(self.stream, subject)
        except NotFoundError:
            return 0
        return int(CheckpointSigned.model_validate_json(last.data or b"{}").position)

    def _contract_subject(self) -> str:
        return CheckpointSigned.subject_template.format(
            namespace=self.namespace, service=self.service.replace("-", "_")
        )

    async def publish(self, checkpoint: Checkpoint) -> None:
        contract = self._contract(checkpoint)
        msg_id = message_id(f"{self.service}:checkpoint", checkpoint.position, 0)
        envelope = Envelope(
            id=msg_id,
            source=f"/kyodo/{self.service}",
            type=contract.ce_type(),
            time=datetime.fromisoformat(checkpoint.signed_at),
            subject=self.service,
            sequence=0,
            correlation_id=msg_id,
            causation_id=msg_id,
            data=contract,
        )
        headers, body = encode(envelope)
        # Several services write this stream: the stream's own sequence orders it, not ours.
        del headers["ce-sequence"]
        headers[H_MSG_ID] = msg_id
        await self.js.publish(self._contract_subject(), body, headers=headers, stream=self.stream)

    async def catch_up(self) -> None:
        """Publish stored checkpoints the stream does not have yet (after a crash, or onto a rebuilt bus)."""
        await self.ensure_stream()
        last = await self.last_published()
        for checkpoint in stored_checkpoints(self.app, self.service):
            if checkpoint.position > last:
                await self.publish(checkpoint)
