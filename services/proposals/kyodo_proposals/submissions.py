"""Sealed proposals as use cases: submit, revise (or resubmit), withdraw and read one's own, with signed receipts.

Before the deadline nobody but the group's own people learns anything: who acts is decided from the registry view
before the store is touched, so a refused caller's answer takes no longer when a proposal exists, and to anyone
else a proposal that exists answers exactly as one that does not. Every change passes the call's gate in the
save that stores it, which serializes it with the close (see `sealed`).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from kyodo_proposals.app_base import ATTEMPTS, ProposalsBase
from kyodo_proposals.domain import PUBLISHED, Call
from kyodo_proposals.sealed import Gate, Proposal
from kyodo_proposals.sealing import seal, unseal
from kyodo_shared.audit.receipts import Receipt, content_hash, new_salt, sign_receipt
from kyodo_shared.domain.actors import Actor, Principal, Role
from kyodo_shared.domain.refusals import UNNAMED, AnyCurrent, Expected, Refusal, StaleVersion, Unnamed, check_version


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
    """What the submitting group sees of its proposal: its latest version, as its receipt names it."""

    version: int
    withdrawn: bool
    content: dict[str, Any]
    attachments: list[dict[str, Any]]
    receipt: Receipt


def _sealed_version(proposal: Proposal | None, expected: Expected) -> None:
    """The version a sealed change applies to. UNNAMED: a first submission, so none may exist yet (a group that
    submitted revises instead); otherwise the version the group saw, `*` (ANY_CURRENT) any version of its proposal.
    A stale version answers `proposal_changed`, the sealed proposal's own 412."""
    if isinstance(expected, Unnamed):
        if proposal is not None:
            raise Refusal("already_submitted")
        return
    if proposal is None:
        # `*` names whichever version exists, and none does; a named version is one the group no longer has.
        raise Refusal("proposal_not_found" if isinstance(expected, AnyCurrent) else "proposal_changed")
    try:
        check_version(proposal.version, expected)
    except StaleVersion:
        raise Refusal("proposal_changed") from None


def _named(expected: Expected) -> None:
    """A revision or a withdrawal names the version the group saw: refused (428) before anything is read."""
    if isinstance(expected, Unnamed):
        raise Refusal("precondition_required")


def _own(proposal: Proposal, payload: dict[str, Any]) -> OwnProposal:
    return OwnProposal(
        version=int(proposal.version),
        withdrawn=bool(proposal.withdrawn),
        content=payload["content"],
        attachments=[{k: v for k, v in a.items() if k != "content"} for a in payload["attachments"]],
        receipt=Receipt.from_json(payload["receipt"]),
    )


class SubmissionCommands(ProposalsBase):
    def _acting_for(self, actor: Actor, group_id: UUID) -> None:
        # From the registry view alone: a refused caller learns nothing from how long the gate (whose length grows
        # with the call's sealed activity) or the proposal took to load.
        group = self.view.group(str(group_id))
        # The group role as well as the registry's record (the routes ask it too; kept here so no other caller
        # of the command can skip it).
        if group is None or not (actor.has(Role.GROUP) and self.view.acts_for(actor.sub, str(group_id))):
            raise Refusal("not_acting_for_group")
        if group[1] != "registered":
            raise Refusal("group_not_eligible")

    def _open_call(self, call_id: UUID) -> tuple[Call, Application[UUID], Gate, datetime]:
        call = self.get_call(call_id)
        now = self.clock()
        if call.status != PUBLISHED:
            raise Refusal("call_not_open")
        if now >= call.deadline:
            raise Refusal("deadline_passed")
        box, gate = self._sealed_gate(call_id)
        if gate.shut:
            raise Refusal("call_not_open")
        return call, box, gate, now

    @staticmethod
    def _passed(box: Application[UUID], gate: Gate, proposal: Proposal) -> bool:
        """Save the change with the gate passed; False when another submission or the close passed it first."""
        gate.pass_through(str(proposal.id))
        try:
            box.save(gate, proposal)
        except IntegrityError:
            return False
        return True

    def submit(
        self, actor: Actor, call_id: UUID, group_id: UUID, content: dict[str, Any], attachments: list[Attachment]
    ) -> OwnProposal:
        """A first submission: it names no version, there being none yet."""
        return self._file(actor, UNNAMED, call_id, group_id, content, attachments)

    def revise(
        self,
        actor: Actor,
        expected: Expected,
        call_id: UUID,
        group_id: UUID,
        content: dict[str, Any],
        attachments: list[Attachment],
    ) -> OwnProposal:
        """A revision, or a resubmission after a withdrawal: a new version with a new receipt."""
        _named(expected)
        return self._file(actor, expected, call_id, group_id, content, attachments)

    def _file(
        self,
        actor: Actor,
        expected: Expected,
        call_id: UUID,
        group_id: UUID,
        content: dict[str, Any],
        attachments: list[Attachment],
    ) -> OwnProposal:
        self._acting_for(actor, group_id)
        hashes = sorted(a.sha256 for a in attachments)
        for _ in range(ATTEMPTS):
            call, box, gate, now = self._open_call(call_id)
            proposal_id, proposal = self._proposal(box, call_id, group_id)
            _sealed_version(proposal, expected)
            version = len(proposal.versions) + 1 if proposal is not None else 1
            salt = new_salt()
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
                "by_sub": actor.sub,
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
            if self._passed(box, gate, proposal):
                return _own(proposal, payload)
        raise Refusal("busy")

    def withdraw(self, actor: Actor, expected: Expected, call_id: UUID, group_id: UUID) -> OwnProposal:
        _named(expected)
        self._acting_for(actor, group_id)
        for _ in range(ATTEMPTS):
            call, box, gate, now = self._open_call(call_id)
            proposal_id, proposal = self._proposal(box, call_id, group_id)
            if proposal is None or proposal.withdrawn:
                raise Refusal("proposal_not_found")
            _sealed_version(proposal, expected)
            proposal.withdraw(
                seal(self.sealing_key, call.id, proposal_id, {"by_sub": actor.sub, "at": now.isoformat()})
            )
            if self._passed(box, gate, proposal):
                # The answer shows the version withdrawn, decrypted from the proposal already loaded.
                return _own(proposal, unseal(self.sealing_key, call_id, proposal_id, proposal.versions[-1]))
        raise Refusal("busy")

    def own_proposal(self, principal: Principal, call_id: UUID, group_id: UUID) -> OwnProposal:
        """The group's own proposal, for its representative and contacts only; to anyone else it does not exist."""
        # Who asks is checked before the store is touched: an outsider's answer must not take longer when a
        # proposal exists (timing would tell that the group submitted).
        if not (principal.has(Role.GROUP) and self.view.acts_for(principal.sub, str(group_id))):
            raise Refusal("proposal_not_found")
        proposal_id, proposal = self._proposal(self._sealed_gate(call_id)[0], call_id, group_id)
        if proposal is None:
            raise Refusal("proposal_not_found")
        return _own(proposal, unseal(self.sealing_key, call_id, proposal_id, proposal.versions[-1]))
