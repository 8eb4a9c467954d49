"""Helpers for the evaluation service's HTTP tests: the screening stream its decisions arrive on (as screening's relay
writes it), a registry world of partners and an evaluation committee heard by the evaluation service alone (no
proposals service), and projects brought to a given stage of their life without moving the service's clock.

The service refuses an agreement whose period is already over, so a project that must end gets a one-day period
ending on the service's today, and the service's clock moves on past its midnight: the end timer fires. The clock
only ever moves forward, by a day at a time, so the other projects of a module (ninety days, their first report due
in twenty) stay as they were. Dates are the service's: after a move its today is not the wall clock's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from kyodo_contracts.proposals import ProposalAdopted
from kyodo_contracts.screening import CollaborationForm, DecisionMade, Outcome

from support.calls import coordinator, ok
from support.contract_builders import project_record
from support.evaluation import (
    TOKYO,
    agreement,
    evaluation_committee,
    evaluation_view,
    move_evaluation_clock,
    tokyo_today,
    values,
)
from support.harness import Platform, eventually
from support.lifecycle import GroupClient
from support.screening import Department, department
from support.streams import SourceStream

# The published criteria's keys, in their order.
CRITERIA = ("achievement", "collaboration", "citizen_benefit", "cost_effectiveness", "future_direction")
MEMBERS = ("ev-chair", "ev-vice", "ev-1", "ev-2", "ev-3")


# --- the screening stream ---------------------------------------------------------------------------------------


def decided(
    department_id: str,
    outcome: Outcome = Outcome.SUITABLE,
    forms: tuple[CollaborationForm, ...] = (CollaborationForm.CO_HOSTING, CollaborationForm.INFORMATION_EXCHANGE),
    *,
    replaces: UUID | None = None,
) -> DecisionMade:
    """A screening decision about a project of the department (forms only when suitable)."""
    project = project_record(UUID(department_id), fiscal_year=2027, project_number="市民-031", title="多世代交流まつり")
    return DecisionMade(
        decision_id=uuid.uuid4(),
        round_id=uuid.uuid5(uuid.NAMESPACE_URL, "round:2027"),
        project=project,
        outcome=outcome,
        forms=list(forms) if outcome == Outcome.SUITABLE else [],
        reasons_ja="団体の知見を生かせる。",
        rescreen_on=date(2027, 10, 1) if outcome == Outcome.NEEDS_STUDY else None,
        replaces=replaces,
        self_check=[],
        assessments=[],
        recusals=0,
        cycle=1,
        round_fiscal_year=project.fiscal_year,
        decided_at=datetime(2027, 2, 1, 10, tzinfo=UTC),
    )


def adopted(group_id: str) -> ProposalAdopted:
    """An adoption from a call drafted without a department (nor a screening decision): its project waits for a
    coordinator to name the department."""
    return ProposalAdopted(
        call_id=uuid.uuid4(), proposal_id=uuid.uuid4(), group_id=UUID(group_id), rank=1, score="15", title_ja="居場所"
    )


async def adoption_arrived(p: Platform, event: ProposalAdopted) -> None:
    sources = p.apps["evaluation"].state.kernel.application.sources
    await eventually(lambda: sources.adoption(str(event.proposal_id)) is not None, timeout=20)


async def arrived(p: Platform, *decisions: DecisionMade) -> None:
    """Until the evaluation service's view of the sources holds every decision (a correction marks its original)."""
    sources = p.apps["evaluation"].state.kernel.application.sources

    def all_in() -> bool:
        return all(sources.screening_decision(str(d.decision_id)) is not None for d in decisions)

    await eventually(all_in, timeout=20)


# --- the registry world -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """The department KYODO (liaison-1, and staff-2 who is not its liaison), group G (representative rep-g, contact
    contact-g) and group H (rep-h), and the evaluation committee (chair ev-chair, vice ev-vice, ev-1..ev-3); ev-out
    holds the evaluator role but sits on no committee."""

    department: Department
    group: str
    other_group: str
    committee: str
    stream: SourceStream  # screening's
    proposals: SourceStream

    @property
    def department_id(self) -> str:
        return self.department.id


async def group(p: Platform, rep: str, name: str, contact: str | None = None) -> str:
    """A group registered in the registry (with a delegated contact), once the evaluation service heard it all."""
    client = GroupClient(p, representative=rep)
    await client.apply(name=name)
    await client.assess_all()
    if contact is not None:
        person = {"sub": contact, "name": "連絡 担当", "email": "contact@example.jp", "phone": "042-300-0001"}
        await ok(client.post("/contacts", person, rep), 201)
    view = evaluation_view(p)

    def heard() -> bool:
        found = view.group(client.group_id)
        return found is not None and found.status == "registered" and view.acts_for(contact or rep, client.group_id)

    await eventually(heard, timeout=20)
    return client.group_id


async def world(p: Platform, stream: SourceStream, proposals: SourceStream) -> World:
    dept = await department(p, "KYODO", "協働推進課", ["liaison-1", "staff-2"], tokyo_today() - timedelta(days=30))
    g = await group(p, "rep-g", "みどりの会", contact="contact-g")
    h = await group(p, "rep-h", "あおぞらの会")
    committee = await evaluation_committee(p, list(MEMBERS), "ev-chair", "ev-vice")
    view = evaluation_view(p)
    await eventually(lambda: view.is_liaison("liaison-1", dept.id, tokyo_today()), timeout=20)
    await eventually(lambda: view.on_staff("staff-2", dept.id, tokyo_today()), timeout=20)
    return World(dept, g, h, committee, stream, proposals)


# --- projects at a stage ----------------------------------------------------------------------------------------


def service_today(p: Platform) -> date:
    """Today in Tokyo on the evaluation service's clock (which the tests move)."""
    now: datetime = p.apps["evaluation"].state.kernel.clock()
    return now.astimezone(TOKYO).date()


def current_agreement(p: Platform, **overrides: Any) -> dict[str, Any]:
    """Running from ten days ago for ninety days, its reports due in 20 and 50 days (none overdue)."""
    start = service_today(p) - timedelta(days=10)
    dates = [str(start + timedelta(days=30)), str(start + timedelta(days=60))]
    return agreement(start, **{"report_dates": dates, **overrides})


def one_day_agreement(p: Platform) -> dict[str, Any]:
    """Started ten days ago, its last day today, with no report dates (none to race the end)."""
    today = service_today(p)
    return agreement(today - timedelta(days=10), period_end=str(today), report_dates=[])


def self_evaluation(visitors: str = "610", satisfaction: str = "84") -> dict[str, Any]:
    ratings = [{"key": k, "rating": 4, "comment_ja": "所見"} for k in CRITERIA]
    return {"ratings": ratings, "achieved": values(visitors, satisfaction), "summary_ja": "目標を達成した"}


def points(*given: int) -> dict[str, Any]:
    return {"points": dict(zip(CRITERIA, given or (4,) * len(CRITERIA), strict=True)), "comments": {}}


async def appoint(p: Platform, committee_id: str, sub: str) -> None:
    """One more member of the registry's evaluation committee, from the service's today (a substitute's pool)."""
    registry, today = p.clients["registry"], service_today(p)
    current = await ok(registry.get(f"/committees/{committee_id}"))
    term = {"term_start": str(today - timedelta(days=1)), "term_end": str(today + timedelta(days=700))}
    await ok(
        registry.post(
            f"/committees/{committee_id}/members",
            json={"member_sub": sub, "name": "補充委員", **term},
            headers={**coordinator(p), "If-Match": current.headers["ETag"]},
        )
    )
    view = evaluation_view(p)
    await eventually(lambda: sub in view.board(committee_id, service_today(p)).members, timeout=20)


async def read(p: Platform, project_id: str) -> dict[str, Any]:
    found = await ok(p.clients["evaluation"].get(f"/projects/{project_id}", headers=coordinator(p)))
    body: dict[str, Any] = found.json()
    return body


async def created(p: Platform, w: World, group_id: str | None = None) -> str:
    """A project a coordinator starts from a fresh suitable decision about a project of the department (共催)."""
    made = decided(w.department_id)
    await w.stream.publish(made)
    await arrived(p, made)
    body = {"screening_decision_id": str(made.decision_id), "group_id": group_id or w.group, "form": "co_hosting"}
    started = await ok(p.clients["evaluation"].post("/projects", json=body, headers=coordinator(p)), 201)
    return str(started.json()["id"])


async def drafted(p: Platform, w: World, body: dict[str, Any] | None = None) -> str:
    """A project whose agreement the liaison drafted (not yet confirmed)."""
    pid = await created(p, w)
    await ok(
        p.clients["evaluation"].put(
            f"/projects/{pid}/agreement",
            json={"agreement": body or current_agreement(p)},
            headers={**p.token("liaison-1", "staff"), "If-Match": '"1"'},
        )
    )
    return pid


async def concluded(p: Platform, w: World, body: dict[str, Any] | None = None) -> str:
    """A project whose agreement both partners confirmed."""
    pid = await drafted(p, w, body)
    evaluation = p.clients["evaluation"]
    draft_hash = (await read(p, pid))["draft"]["hash"]
    for sub, role in (("rep-g", "group"), ("liaison-1", "staff")):
        confirmation = {"agreement_hash": draft_hash}
        await ok(
            evaluation.post(f"/projects/{pid}/agreement/confirmations", json=confirmation, headers=p.token(sub, role))
        )
    return pid


async def ended(p: Platform, w: World) -> str:
    """A project whose period is over: awaiting both self-evaluations."""
    today = service_today(p)
    pid = await concluded(p, w, one_day_agreement(p))
    move_evaluation_clock(p, datetime.combine(today + timedelta(days=1), time(0, 1), tzinfo=TOKYO))

    async def over() -> bool:
        return bool((await read(p, pid))["status"] == "ended")

    await eventually(over, timeout=20)
    return pid


async def evaluating(p: Platform, w: World, *, open_committee: bool = True) -> str:
    """A project both partners self-evaluated (unsealed), with the committee taking it up unless told not to."""
    pid = await ended(p, w)
    evaluation = p.clients["evaluation"]
    for sub, role in (("rep-g", "group"), ("liaison-1", "staff")):
        await ok(
            evaluation.put(f"/projects/{pid}/self-evaluation", json=self_evaluation(), headers=p.token(sub, role)), 201
        )
    if open_committee:
        # A quorum of three whoever else the registry's committee has gained (a test may appoint a member).
        body = {"committee_id": w.committee, "quorum": 3}
        await ok(evaluation.post(f"/projects/{pid}/committee", json=body, headers=coordinator(p)), 201)
    return pid


async def reported(p: Platform, w: World) -> str:
    """A project the committee evaluated (ev-chair, ev-1, ev-2 scored; ev-3 declared a conflict) and reported on."""
    pid = await evaluating(p, w)
    evaluation = p.clients["evaluation"]
    conflict = {"kind": "business", "reason": "取引関係"}
    await ok(
        evaluation.post(f"/projects/{pid}/committee/conflicts", json=conflict, headers=p.token("ev-3", "evaluator"))
    )
    for n, member in enumerate(("ev-chair", "ev-1", "ev-2")):
        given = points(4, 5 - n, 3, 4, 4)
        scored = evaluation.post(f"/projects/{pid}/committee/scores", json=given, headers=p.token(member, "evaluator"))
        await ok(scored, 201)
    decision = {"recommendation": "expand", "reasons_ja": "成果が大きく拡充が望ましい。"}
    chair = p.token("ev-chair", "evaluator")
    await ok(evaluation.post(f"/projects/{pid}/committee/recommendation", json=decision, headers=chair), 201)
    return pid
