"""Submitting, revising and withdrawing sealed proposals, with signed receipts (a mixin of the Application)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from kyodo_proposals.domain import PUBLISHED, Call
from kyodo_proposals.registry_view import RegistryView
from kyodo_proposals.sealed import Gate, Proposal
from kyodo_proposals.sealing import derived_id, seal, unseal
from kyodo_shared.audit.receipts import Receipt, content_hash, new_salt, sign_receipt
from kyodo_shared.domain.refusals import Refusal

# Concurrent submissions to one call meet at its gate; a lost race is simply tried again.
ATTEMPTS = 8


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class OwnProposal:
    """What the submitting group sees of its proposal."""

    version: int
    withdrawn: bool
    content: dict[str, Any]
    attachments: list[dict[str, Any]]
    receipt: Receipt


if TYPE_CHECKING:
    _Base = Application[UUID]
else:
    _Base = object


class SubmissionCommands(_Base):
    # Provided by the Application this mixes into.
    sealing_key: bytes
    clock: Callable[[], datetime]
    receipt_key: Callable[[], tuple[Ed25519PrivateKey, str]]

    def get_call(self, call_id: UUID) -> Call:
        raise NotImplementedError  # the Application's

    def _view(self) -> RegistryView:
        raise NotImplementedError  # the Application's

    def _gate(self, call_id: UUID) -> Gate:
        gate_id = derived_id(self.sealing_key, "gate:", call_id)
        try:
            gate: Gate = self.repository.get(gate_id)
        except AggregateNotFoundError:
            gate = Gate(gate_id)
        return gate

    def _proposal(self, call_id: UUID, group_id: UUID) -> tuple[UUID, Proposal | None]:
        proposal_id = derived_id(self.sealing_key, "proposal:", call_id, group_id)
        try:
            proposal: Proposal = self.repository.get(proposal_id)
        except AggregateNotFoundError:
            return proposal_id, None
        return proposal_id, proposal

    def _open_call(self, call_id: UUID, group_id: UUID, by_sub: str) -> tuple[Call, Gate, datetime]:
        # Authorization first, from the registry's read model alone: a refused caller learns nothing from how long
        # the gate (whose length grows with the call's sealed activity) took to load.
        group = self._view().group(str(group_id))
        if group is None or not self._view().acts_for(by_sub, str(group_id)):
            raise Refusal("not_acting_for_group")
        if group[1] != "registered":
            raise Refusal("group_not_eligible")
        call = self.get_call(call_id)
        now = self.clock()
        if call.status != PUBLISHED:
            raise Refusal("call_not_open")
        if now >= call.deadline:
            raise Refusal("deadline_passed")
        gate = self._gate(call_id)
        if gate.shut:
            raise Refusal("call_not_open")
        return call, gate, now

    def submit(
        self,
        call_id: UUID,
        group_id: UUID,
        by_sub: str,
        content: dict[str, Any],
        attachments: list[Attachment],
        expected_version: int | None,
    ) -> tuple[Receipt, int]:
        """A first submission (expected_version None), a revision, or a resubmission after a withdrawal."""
        for _ in range(ATTEMPTS):
            call, gate, now = self._open_call(call_id, group_id, by_sub)
            proposal_id, proposal = self._proposal(call_id, group_id)
            current = proposal.version if proposal is not None else None
            if expected_version != current:
                raise Refusal("already_submitted" if expected_version is None else "proposal_changed")
            version = len(proposal.versions) + 1 if proposal is not None else 1
            salt = new_salt()
            hashes = sorted(a.sha256 for a in attachments)
            private, key_id = self.receipt_key()
            receipt = sign_receipt(
                private,
                key_id,
                call_id=call_id,
                group_id=group_id,
                proposal_version=version,
                content_hash=content_hash(content, hashes, salt),
                salt=salt,
                attachments=hashes,
                received_at=now,
            )
            payload = {
                "call_id": str(call_id),
                "group_id": str(group_id),
                "version": version,
                "by_sub": by_sub,
                "content": content,
                "attachments": [
                    {
                        "filename": a.filename,
                        "media_type": a.media_type,
                        "content": base64.b64encode(a.content).decode(),
                    }
                    for a in attachments
                ],
                "receipt": receipt.to_json(),
            }
            sealed = seal(self.sealing_key, call.id, proposal_id, payload)
            if proposal is None:
                proposal = Proposal(proposal_id, sealed)
            else:
                proposal.revise(sealed)
            gate.pass_through()
            try:
                self.save(gate, proposal)
            except IntegrityError:
                continue  # another submission or the close passed the gate first: look again
            return receipt, proposal.version
        raise Refusal("busy")

    def withdraw(self, call_id: UUID, group_id: UUID, by_sub: str, expected_version: int | None) -> int:
        for _ in range(ATTEMPTS):
            call, gate, now = self._open_call(call_id, group_id, by_sub)
            proposal_id, proposal = self._proposal(call_id, group_id)
            if proposal is None or proposal.withdrawn:
                raise Refusal("proposal_not_found")
            if expected_version is not None and expected_version != proposal.version:
                raise Refusal("proposal_changed")
            proposal.withdraw(seal(self.sealing_key, call.id, proposal_id, {"by_sub": by_sub, "at": now.isoformat()}))
            gate.pass_through()
            try:
                self.save(gate, proposal)
            except IntegrityError:
                continue
            return int(proposal.version)
        raise Refusal("busy")

    def own_proposal(self, call_id: UUID, group_id: UUID, by_sub: str) -> OwnProposal:
        """The group's own proposal, for its representative and contacts only; to anyone else it does not exist."""
        # Who asks is checked before the store is touched: an outsider's answer must not take longer when a
        # proposal exists (timing would tell that the group submitted).
        if not self._view().acts_for(by_sub, str(group_id)):
            raise Refusal("proposal_not_found")
        proposal_id, proposal = self._proposal(call_id, group_id)
        if proposal is None:
            raise Refusal("proposal_not_found")
        payload = unseal(self.sealing_key, call_id, proposal_id, proposal.versions[-1])
        return OwnProposal(
            version=int(proposal.version),
            withdrawn=bool(proposal.withdrawn),
            content=payload["content"],
            attachments=[{k: v for k, v in a.items() if k != "content"} for a in payload["attachments"]],
            receipt=Receipt.from_json(payload["receipt"]),
        )

    def cancel(
        self, call_id: UUID, expected_version: int | None, reason: str, by_sub: str, trace: dict[str, str]
    ) -> Call:
        """Cancel the call and shut its gate in one save, so no submission lands after the cancellation."""
        for _ in range(ATTEMPTS):
            call = self.get_call(call_id)
            if expected_version is not None and call.version != expected_version:
                raise Refusal("call_changed")
            call.cancel(reason, by_sub, trace)
            gate = self._gate(call_id)
            if not gate.shut:
                gate.close()
            try:
                self.save(call, gate)
            except IntegrityError:
                continue
            return call
        raise Refusal("busy")

    def close_with_gate(self, call: Call, now: datetime, trace: dict[str, str]) -> bool:
        """Close the call and shut its gate in one save; a submission that passed the gate first is kept."""
        for _ in range(ATTEMPTS):
            if not call.close(now, trace):
                return False
            gate = self._gate(call.id)
            gate.close()
            try:
                self.save(call, gate)
            except IntegrityError:
                call = self.get_call(call.id)
                continue
            return True
        raise Refusal("busy")
