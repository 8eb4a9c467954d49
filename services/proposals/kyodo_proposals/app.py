"""The proposals service's application service: every use case is one method (a call's life here, sealed
proposals in `submissions`, the board's work in `review_app`, the decision in `decision`, reads in `queries`).
Each command takes the acting principal and, where the caller edits what it read, the version it saw; it
authorizes from the service's own data, loads the aggregate once, runs the domain command and saves.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from kyodo_proposals.app_base import ATTEMPTS, CLOSE_TIMER, rule_of
from kyodo_proposals.decision import DecisionCommands
from kyodo_proposals.domain import DRAFT, PUBLISHED, Call, check_deadline, check_rules
from kyodo_proposals.queries import CallQueries
from kyodo_proposals.review_app import ReviewCommands
from kyodo_proposals.screening_view import Decision
from kyodo_proposals.sealed import Gate
from kyodo_proposals.submissions import SubmissionCommands
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal
from kyodo_shared.store.sealed import sealed_chain

# The composition root registers the timers' actions under these kinds.
__all__ = ["CLOSE_TIMER", "GATE_CHECK_TIMER", "ProposalsApplication"]
GATE_CHECK_TIMER = "proposals.call.gate_check"
# Long enough for a close or cancellation in progress to finish: the check must not open a gate it is still using.
GATE_CHECK_AFTER = timedelta(minutes=2)
# The call kind that may follow a screening decision (the contract's `CallKind.PARTNER_SELECTION`, as stored).
PARTNER_SELECTION = "partner_selection"


@dataclass(frozen=True)
class Shut:
    """The gate as a close or cancellation left it: where it is, whether this attempt shut it (`gate`; None when it
    found it shut already), and the sealed chain read after (None: a call from before the sealed store, whose
    sealed history is in the public chain)."""

    box: Application[UUID]
    gate: Gate | None
    chain: dict[str, Any] | None

    def undo(self, still_open: Callable[[], bool]) -> None:
        """Open the gate again after the call's own save failed — only if this attempt shut it, the call still takes
        proposals (another close or cancellation may have succeeded meanwhile), and nobody moved the gate since
        (its version decides)."""
        if self.gate is None:
            return
        with contextlib.suppress(Exception):
            # Lost to a newer close, cancellation or check (IntegrityError), or the store failed: the timer retries.
            if still_open():
                self.gate.reopen()
                self.box.save(self.gate)


class ProposalsApplication(SubmissionCommands, ReviewCommands, DecisionCommands, CallQueries):
    """Calls for proposals, one event-sourced aggregate per call; sealed proposals, the gate and the review."""

    # eventsourcing names an Application's PostgreSQL tables after `name`, and gives every subclass its class
    # name unless it sets one: stated here, on the class the service runs, so the tables stay `proposals_*`.
    name = "proposals"

    def draft_call(self, actor: Actor, spec: dict[str, Any]) -> Call:
        """A new draft; the minimum extension an amendment must make is published with its rules."""
        spec = self._meetable(spec)
        call = Call(uuid.uuid4(), self._with_minimum(spec), actor.sub, actor.trace_dict())
        self.save(call)
        return call

    def _with_minimum(self, spec: dict[str, Any]) -> dict[str, Any]:
        return {**spec, "minimum_extension_days": self.minimum_extension_days}

    def _meetable(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A draft's rules and deadline must be possible to meet when written (the schema checked the rules too;
        the deadline needs the service's clock). Answers the spec with its department (see `_run_by`)."""
        check_rules(spec)
        check_deadline(datetime.fromisoformat(str(spec["deadline"])), self.clock())
        return self._run_by(spec, self._follows(spec))

    def _run_by(self, spec: dict[str, Any], decision: Decision | None) -> dict[str, Any]:
        """The department that runs the call (担当部署), which partners the groups it adopts. A call following a
        screening decision is run by that project's department: named, it must be that one; left out, it is taken
        from the decision (known through screening, so not looked up in the registry's view). Any other department
        named must have reached this service from the registry: one not here yet is refused as retryable (409,
        Retry-After), as a screening decision is — the bus brings a department shortly after its creation."""
        named = spec.get("department_id")
        field = "department_id"
        if decision is not None:
            if named is None:
                return {**spec, "department_id": decision.department_id}
            if str(named) != decision.department_id:
                raise Refusal("department_not_the_projects", field=field, department_id=decision.department_id)
            return spec
        if named is not None and self.view.department(str(named)) is None:
            raise Refusal("department_unknown", field=field)
        return spec

    def _follows(self, spec: dict[str, Any]) -> Decision | None:
        """A partner selection may follow a screening decision (選別結果) that has reached this service, found the
        project suitable and was not superseded by a correction. Without one it stays allowed (a city project may go
        to プロポーザル方式 without a screening round); an open call follows none.

        Checked at draft, revision and publication: a decision corrected in between stops the publication (the draft
        is revised to follow the correction). A decision not yet here is refused as retryable (409, Retry-After):
        the bus brings it shortly after screening decides — or never, for a wrong id."""
        decision_id = spec.get("screening_decision_id")
        if decision_id is None:
            return None
        field = "screening_decision_id"
        if spec["kind"] != PARTNER_SELECTION:
            raise Refusal("screening_decision_not_applicable", field=field)
        # Superseded is final, known even when only the correction has arrived: checked before "not yet here".
        standing = self.screening.standing(str(decision_id))
        if standing.superseded_by is not None:
            raise Refusal("screening_decision_superseded", field=field, replaced_by=standing.superseded_by)
        if standing.decision is None:
            raise Refusal("screening_decision_unknown", field=field)
        if not standing.decision.suitable:
            raise Refusal("screening_decision_not_suitable", field=field, outcome=standing.decision.outcome)
        return standing.decision

    def _decision_here(self, call: Call) -> Decision | None:
        """The screening decision a call follows, which reached this service before the call was drafted; missing
        only while a replay refills the read model (retryable, as before it arrived)."""
        decision = self.followed_decision(call)
        if decision is None and call.spec.get("screening_decision_id") is not None:
            raise Refusal("screening_decision_unknown", field="screening_decision_id")
        return decision

    def revise_call(self, actor: Actor, expected: Expected, call_id: UUID, spec: dict[str, Any]) -> Call:
        call = self._load_call(call_id, expected)
        timed = self._timed_deadline(call)
        spec = self._meetable(spec)
        call.revise_draft(self._with_minimum(spec), actor.sub, actor.trace_dict())
        return self._save_call(call, timed)

    def publish(self, actor: Actor, expected: Expected, call_id: UUID) -> Call:
        """The board is fixed now, from the registry's review board; the seed's commitment is published. A partner
        selection's screening decision is checked again (`_follows`)."""
        call = self._load_call(call_id, expected)
        timed = self._timed_deadline(call)
        if call.status == DRAFT:
            self._follows(call.spec)  # the decision it follows may have been corrected since the draft
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
        if "department_id" in changes:
            self._run_by({**call.spec, **changes}, self._decision_here(call))
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
        which records the sealed chain (see `_seal_off`); a cancellation that fails opens it again."""
        for _ in range(ATTEMPTS):
            call = self._load_call(call_id, expected)
            if call.status != PUBLISHED:
                call.cancel(reason, actor.sub, actor.trace_dict())
                try:
                    self.save(call)
                except IntegrityError:
                    continue
                return call
            shut = self._seal_off(call_id)
            try:
                call.cancel(reason, actor.sub, actor.trace_dict(), shut.chain)
                self.save(call)
            except IntegrityError:
                shut.undo(lambda: self._still_open(call_id))
                continue  # changed concurrently: look again (at the version the caller saw)
            except BaseException:
                shut.undo(lambda: self._still_open(call_id))
                raise
            return call
        raise Refusal("busy")

    def close_due(self, call_id: UUID, trace: dict[str, str]) -> bool:
        """The deadline timer's action: idempotent, it closes the call only once its (current) deadline passed.

        The gate shuts first (a submission that passed it before is kept, none passes after), then the call closes
        recording the sealed chain; were the call changed meanwhile, the gate opens again and the close looks again.
        """
        for _ in range(ATTEMPTS):
            call, now = self.get_call(call_id), self.clock()
            if not call.due(now):
                return False
            shut = self._seal_off(call_id)
            try:
                call.close(now, trace, shut.chain)
                self.save(call)
            except IntegrityError:
                shut.undo(lambda: self._still_open(call_id))
                continue
            except BaseException:
                shut.undo(lambda: self._still_open(call_id))
                raise
            return True
        raise Refusal("busy")

    def _seal_off(self, call_id: UUID) -> Shut:
        """Shut the call's gate (unless another close or cancellation did: then its Shut stands, and nothing is
        written that its recorded chain would miss), then read the sealed chain of exactly the aggregates that passed
        it. The gate check timer, set first, opens a gate left shut by a crash before the call's own save."""
        self.timers.schedule(GATE_CHECK_TIMER, str(call_id), self.clock() + GATE_CHECK_AFTER)
        for _ in range(ATTEMPTS):
            box, gate = self._sealed_gate(call_id)
            owned = not gate.shut
            if owned:
                gate.close()
                try:
                    box.save(gate)
                except IntegrityError:
                    continue  # a submission passed the gate first: it is kept
            if box is not self.sealed:
                return Shut(box, gate if owned else None, None)
            chain = sealed_chain(self.sealed.recorder, [str(gate.id), *gate.passed])
            return Shut(box, gate if owned else None, chain.as_dict())
        raise Refusal("busy")

    def _still_open(self, call_id: UUID) -> bool:
        return self.get_call(call_id).status == PUBLISHED

    def check_gate(self, call_id: UUID) -> None:
        """The gate check timer's action: a gate shut while its call still takes proposals (a close or cancellation
        that crashed before saving the call) opens again."""
        call = self.get_call(call_id)
        if call.status != PUBLISHED or call.due(self.clock()):
            return
        box, gate = self._sealed_gate(call_id)
        if gate.shut:
            Shut(box, gate, None).undo(lambda: self._still_open(call_id))
