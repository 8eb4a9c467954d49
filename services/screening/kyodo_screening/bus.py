"""The screening service's outbound mapping: which domain events leave the service, as which contracts.

Explicit per event class (`OutboundMap`): mapped here or declared internal with its reason; an undeclared one
stops the relay and fails a test. Self-checks and assessments leave only inside the decision that used them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from kyodo_contracts import Contract
from kyodo_contracts import screening as c
from kyodo_screening.domain import Project, Round
from kyodo_screening.screening import Screening
from kyodo_shared.bus.mapping import OutboundMap, ToContracts, events_of

_project, _round, _screening = events_of(Project), events_of(Round), events_of(Screening)


def record_of(project_id: Any, department_id: Any, fiscal_year: int, record: dict[str, Any]) -> c.ProjectRecord:
    # The record's `contact` (担当) is a section; on the wire it is named for what it is, `contact_section`.
    fields = {k: v for k, v in record.items() if k != "contact"}
    return c.ProjectRecord.produce(
        {
            **fields,
            "contact_section": record["contact"],
            "project_id": str(project_id),
            "department_id": str(department_id),
            "fiscal_year": fiscal_year,
        }
    )


def _opened(e: Any) -> Sequence[Contract]:
    spec = e.spec
    return [
        c.RoundOpened(
            round_id=e.originator_id,
            fiscal_year=int(spec["fiscal_year"]),
            title_ja=spec["title_ja"],
            title_en=spec.get("title_en"),
            checklist=[c.ChecklistItem.produce(item) for item in spec["checklist"]],
            department_ids=[UUID(str(d)) for d in spec["department_ids"]],
            self_check_deadline=spec["self_check_deadline"],
            opened_on=e.opened_on,
            team_subs=sorted(e.team),
        )
    ]


def _decided(e: Any) -> Sequence[Contract]:
    d = e.decision
    return [
        c.DecisionMade(
            decision_id=d["decision_id"],
            round_id=d["round_id"],
            project=record_of(d["project_id"], d["department_id"], int(d["fiscal_year"]), d["project"]),
            outcome=c.Outcome(d["outcome"]),
            forms=[c.CollaborationForm(f) for f in d["forms"]],
            reasons_ja=d["reasons_ja"],
            reasons_en=d.get("reasons_en"),
            rescreen_on=d.get("rescreen_on"),
            replaces=d.get("replaces"),
            self_check=[c.ChecklistAnswer.produce(a) for a in d["self_check"]],
            assessments=[
                c.LabelledAssessment(
                    label=a["label"],
                    from_owner_department=a["from_owner_department"],
                    answers=[c.ChecklistAnswer.produce(x) for x in a["answers"]],
                )
                for a in d["assessments"]
            ],
            recusals=int(d["recusals"]),
            cycle=int(d.get("cycle", 1)),
            round_fiscal_year=int(d.get("round_fiscal_year", d["fiscal_year"])),
            carried_from=d.get("carried_from"),
            recusal_group_ids=[UUID(str(g)) for g in d.get("recusal_group_ids", [])],
            decided_at=d["decided_at"],
        )
    ]


_MAPPED: dict[type[Any], ToContracts] = {
    _project.Entered: lambda e: [
        c.ProjectEntered(project=record_of(e.originator_id, e.department_id, e.fiscal_year, e.record))
    ],
    _project.Updated: lambda e: [
        c.ProjectUpdated(
            project=record_of(e.originator_id, e.department_id, e.fiscal_year, e.record), changed=list(e.changed)
        )
    ],
    _round.Opened: _opened,
    _round.SelfCheckClosed: lambda e: [c.SelfCheckClosed(round_id=e.originator_id, closed_at=e.closed_at)],
    _round.Closed: lambda e: [c.RoundClosed(round_id=e.originator_id, closed_at=e.closed_at, undecided=e.undecided)],
    _screening.Decided: _decided,
    _screening.RescreenDue: lambda e: [
        c.RescreenDue(
            project_id=e.project_id, decision_id=e.decision_id, round_id=e.round_id, reopened_in_round=e.reopened
        )
    ],
}

OUTBOUND = OutboundMap(
    _MAPPED,
    internal={
        # The close leaves as RoundClosed after the grace period; meanwhile the round refuses work (HTTP shows it).
        _round.CloseRequested,
        # A round's draft is the coordinators' work in progress: it leaves when it opens, fixed.
        _round.Drafted,
        _round.DraftRevised,
        # Which project carries over into which round shows in the decisions and the re-screen contract.
        _project.AwaitingRound,
        _project.TakenByRound,
        # A screening starts with its first piece of work; the register publishes it at the decision.
        _screening.Entered,
        # The self-check and the team's assessments leave inside the decision that used them (labelled).
        _screening.SelfChecked,
        _screening.Assessed,
    },
)

# The relay's mapper (and the tests'): the contracts one stored screening event publishes.
to_contracts = OUTBOUND
