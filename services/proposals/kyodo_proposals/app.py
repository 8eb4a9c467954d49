"""The proposals service's eventsourcing Application: short commands and queries over calls."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import AggregateNotFoundError, Application

from kyodo_proposals.domain import Call
from kyodo_proposals.registry_view import RegistryView
from kyodo_proposals.review_app import ReviewCommands
from kyodo_proposals.submissions import SubmissionCommands
from kyodo_shared.audit.runtime import AuditKeys
from kyodo_shared.domain.refusals import Refusal, StaleVersion
from kyodo_shared.tasks.timers import Timers

TOKYO = ZoneInfo("Asia/Tokyo")
CLOSE_TIMER = "proposals.call.close"


class ProposalsApplication(SubmissionCommands, ReviewCommands, Application[UUID]):
    """Calls for proposals, one event-sourced aggregate per call."""

    name = "proposals"

    def __init__(
        self,
        *,
        env: dict[str, str],
        clock: Callable[[], datetime],
        timers: Timers,
        view: RegistryView,
        sealing_key: bytes,
        keys: AuditKeys,
        minimum_extension_days: int,
    ) -> None:
        super().__init__(env=env)
        self.clock, self.timers, self.view = clock, timers, view
        # Kept outside the store (beside the audit keys): seeds and sealed ids derive from it, so nobody reading
        # the database can learn a lottery seed before the results or link a sealed record to a group.
        self.sealing_key = sealing_key
        # Receipts are signed with the service's audit keys (published like the checkpoints' keys).
        self.keys = keys
        # An amendment must move the deadline by at least this many days (published with the call).
        self.minimum_extension_days = minimum_extension_days

    def receipt_key(self) -> tuple[Ed25519PrivateKey, str]:
        """The service's current receipt signing key and its id."""
        ring = self.keys.ring()
        return ring.private(ring.active), ring.active

    def published_keys(self) -> dict[str, str]:
        """The service's published receipt/checkpoint keys (kid → public key), to check receipts at the close."""
        return self.keys.published()

    def _view(self) -> RegistryView:
        return self.view

    def seed(self, call_id: UUID) -> bytes:
        """The call's lottery seed: secret until the results, committed to by its SHA-256 at publication."""
        return hmac.new(self.sealing_key, b"seed:" + call_id.bytes, hashlib.sha256).digest()

    def get_call(self, call_id: UUID) -> Call:
        try:
            call: Call = self.repository.get(call_id)
        except AggregateNotFoundError:
            raise Refusal("call_not_found") from None
        return call

    def update(self, call_id: UUID, expected_version: int | None, command: Callable[[Call], object]) -> Call:
        call = self.get_call(call_id)
        if expected_version is not None and call.version != expected_version:
            raise StaleVersion(call.version)
        deadline_before = call.spec["deadline"] if call.status != "draft" else None
        command(call)
        if call.status == "published" and call.spec["deadline"] != deadline_before:
            # Before the save: a failed save leaves a timer that finds nothing to do; the reverse would leave a call
            # that never closes.
            self._schedule_close(call)
        self.save(call)
        return call

    def _schedule_close(self, call: Call) -> None:
        self.timers.schedule(CLOSE_TIMER, str(call.id), call.deadline, {"deadline": call.spec["deadline"]})

    def draft_call(self, call_id: UUID, spec: dict[str, Any], coordinator_sub: str, trace: dict[str, str]) -> Call:
        call = Call(call_id, spec, coordinator_sub, trace)
        self.save(call)
        return call

    def publish(self, call_id: UUID, expected_version: int | None, by_sub: str, trace: dict[str, str]) -> Call:
        now = self.clock()

        def publish(call: Call) -> None:
            board = self._view().board(str(call.spec["committee_id"]), now.astimezone(TOKYO).date())
            commitment = hashlib.sha256(self.seed(call.id)).hexdigest()
            call.publish(list(board.members), board.chair_sub, board.vice_chair_sub, commitment, now, by_sub, trace)

        return self.update(call_id, expected_version, publish)

    def amend(
        self,
        call_id: UUID,
        expected_version: int | None,
        changes: dict[str, Any],
        reason: str,
        new_deadline: datetime,
        by_sub: str,
        trace: dict[str, str],
        board: list[str] | None = None,
    ) -> Call:
        now, days = self.clock(), self.minimum_extension_days

        def amend(call: Call) -> None:
            new_board = None
            if board is not None:
                # Only current members of the call's review board may sit on it; its officers stay if they do.
                current = self._view().board(str(call.spec["committee_id"]), now.astimezone(TOKYO).date())
                if any(member not in current.members for member in board):
                    raise Refusal("not_a_member")
                members = sorted(set(board))
                chair = current.chair_sub if current.chair_sub in members else None
                vice = current.vice_chair_sub if current.vice_chair_sub in members else None
                new_board = (members, chair, vice)
            # The amended rules must still be decidable: checked as a whole, as a draft's are.
            try:
                self.rule_of({**call.spec, **changes})
            except (ValueError, KeyError, TypeError):
                raise Refusal("invalid_rules") from None
            call.amend(changes, reason, new_deadline, days, now, by_sub, trace, new_board)

        return self.update(call_id, expected_version, amend)

    def close_due(self, call_id: UUID, trace: dict[str, str]) -> bool:
        """The deadline timer's action: idempotent, it closes the call only once its (current) deadline passed."""
        return self.close_with_gate(self.get_call(call_id), self.clock(), trace)


__all__ = ["CLOSE_TIMER", "ProposalsApplication", "StaleVersion"]
