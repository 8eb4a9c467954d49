"""The proposals service's application service: every use case is one method (a call's life here, sealed
proposals in `submissions`, the board's work in `review_app`, the decision in `decision`, reads in `queries`).
Each command takes the acting principal and, where the caller edits what it read, the version it saw; it
authorizes from the service's own data, loads the aggregate once, runs the domain command and saves.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from kyodo_proposals.app_base import ATTEMPTS, CLOSE_TIMER, rule_of
from kyodo_proposals.decision import DecisionCommands
from kyodo_proposals.domain import PUBLISHED, Call, check_deadline, check_rules
from kyodo_proposals.queries import CallQueries
from kyodo_proposals.review_app import ReviewCommands
from kyodo_proposals.sealing import derived_id
from kyodo_proposals.submissions import SubmissionCommands
from kyodo_shared.audit.chain import iter_notifications
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal
from kyodo_shared.store.sealed import chain_of, sealed_entries

# CLOSE_TIMER: the composition root registers the deadline timer's action under it.
__all__ = ["CLOSE_TIMER", "ProposalsApplication"]


class ProposalsApplication(SubmissionCommands, ReviewCommands, DecisionCommands, CallQueries):
    """Calls for proposals, one event-sourced aggregate per call; sealed proposals, the gate and the review."""

    # eventsourcing names an Application's PostgreSQL tables after `name`, and gives every subclass its class
    # name unless it sets one: stated here, on the class the service runs, so the tables stay `proposals_*`.
    name = "proposals"

    def draft_call(self, actor: Actor, spec: dict[str, Any]) -> Call:
        """A new draft; the minimum extension an amendment must make is published with its rules."""
        self._meetable(spec)
        call = Call(uuid.uuid4(), self._with_minimum(spec), actor.sub, actor.trace_dict())
        self.save(call)
        return call

    def _with_minimum(self, spec: dict[str, Any]) -> dict[str, Any]:
        return {**spec, "minimum_extension_days": self.minimum_extension_days}

    def _meetable(self, spec: dict[str, Any]) -> None:
        """A draft's rules and deadline must be possible to meet when written (the schema checked the rules too;
        the deadline needs the service's clock)."""
        check_rules(spec)
        check_deadline(datetime.fromisoformat(str(spec["deadline"])), self.clock())

    def revise_call(self, actor: Actor, expected: Expected, call_id: UUID, spec: dict[str, Any]) -> Call:
        call = self._load_call(call_id, expected)
        timed = self._timed_deadline(call)
        self._meetable(spec)
        call.revise_draft(self._with_minimum(spec), actor.sub, actor.trace_dict())
        return self._save_call(call, timed)

    def publish(self, actor: Actor, expected: Expected, call_id: UUID) -> Call:
        """The board is fixed now, from the registry's review board; the seed's commitment is published."""
        call = self._load_call(call_id, expected)
        timed = self._timed_deadline(call)
        now = self.clock()
        board = self.view.board(str(call.spec["committee_id"]), now.astimezone(TOKYO).date())
        commitment = hashlib.sha256(self.seed(call.id)).hexdigest()
        call.publish(
            list(board.members), board.chair_sub, board.vice_chair_sub, commitment, now, actor.sub, actor.trace_dict()
        )
        return self._save_call(call, timed)

    def amend(
        self,
        actor: Actor,
        expected: Expected,
        call_id: UUID,
        changes: dict[str, Any],
        reason: str,
        new_deadline: datetime,
        board: list[str] | None,
    ) -> Call:
        call = self._load_call(call_id, expected)
        timed = self._timed_deadline(call)
        now = self.clock()
        new_board = None
        if board is not None:
            # Only current members of the call's review board may sit on it; its officers stay if they do.
            current = self.view.board(str(call.spec["committee_id"]), now.astimezone(TOKYO).date())
            if any(member not in current.members for member in board):
                raise Refusal("not_a_member")
            members = sorted(set(board))
            chair = current.chair_sub if current.chair_sub in members else None
            vice = current.vice_chair_sub if current.vice_chair_sub in members else None
            new_board = (members, chair, vice)
        # The amended rules must still be decidable and reachable: checked as a whole, as a draft's are, so an
        # amendment of the criteria alone cannot leave the passing score out of reach.
        check_rules({**call.spec, **changes})
        try:
            rule_of({**call.spec, **changes})
        except (ValueError, KeyError, TypeError):
            raise Refusal("invalid_rules") from None
        call.amend(
            changes,
            reason,
            new_deadline.astimezone(TOKYO),
            self.minimum_extension_days,
            now,
            actor.sub,
            actor.trace_dict(),
            new_board,
        )
        return self._save_call(call, timed)

    def cancel(self, actor: Actor, expected: Expected, call_id: UUID, reason: str) -> Call:
        """Cancel the call. A published call's gate shuts first, so no submission lands after the cancellation,
        and the cancellation records the sealed chain (see `_seal_off`)."""
        for _ in range(ATTEMPTS):
            call = self._load_call(call_id, expected)
            sealed = self._seal_off(call_id) if call.status == PUBLISHED else None
            call.cancel(reason, actor.sub, actor.trace_dict(), sealed)
            try:
                self.save(call)
            except IntegrityError:
                self._reopen_if_still_open(call_id)
                continue  # changed concurrently: look again (at the version the caller saw)
            return call
        raise Refusal("busy")

    def close_due(self, call_id: UUID, trace: dict[str, str]) -> bool:
        """The deadline timer's action: idempotent, it closes the call only once its (current) deadline passed.

        The gate shuts first (a submission that passed it before is kept, none passes after), then the call closes
        recording the sealed chain; were the call changed meanwhile, the gate opens again.
        """
        for _ in range(ATTEMPTS):
            call = self.get_call(call_id)
            if not call.due(self.clock()):
                self._reopen_if_still_open(call_id)
                return False
            call.close(self.clock(), trace, self._seal_off(call_id))
            try:
                self.save(call)
            except IntegrityError:
                continue
            return True
        raise Refusal("busy")

    def _seal_off(self, call_id: UUID) -> dict[str, Any] | None:
        """Shut the call's gate in the sealed store and return the sealed chain of the call's sealed aggregates:
        their ids (the gate's and every group's proposal that has events), how many events, the head. None for a
        call whose sealed history is in the public store (see `_box`)."""
        box = self._box(call_id)
        for _ in range(ATTEMPTS):
            gate = self._gate(box, call_id)
            if gate.shut:
                break
            gate.close()
            try:
                box.save(gate)
            except IntegrityError:
                continue  # a submission passed the gate first: it is kept
            break
        else:
            raise Refusal("busy")
        if box is not self.sealed:
            return None
        candidates = {str(gate.id)} | {
            str(derived_id(self.sealing_key, "proposal:", call_id, UUID(group))) for group in self.view.group_ids()
        }
        entries = sealed_entries(iter_notifications(self.sealed.recorder), candidates)
        return chain_of(entries, {e.originator_id for e in entries}).as_dict()

    def _reopen_if_still_open(self, call_id: UUID) -> None:
        """A gate shut for a close or a cancellation that did not happen: the call still takes proposals."""
        box = self._box(call_id)
        gate = self._gate(box, call_id)
        if gate.shut and self.get_call(call_id).status == PUBLISHED:
            gate.reopen()
            # Another close or reopen moved it first: that one decides.
            with contextlib.suppress(IntegrityError):
                box.save(gate)
