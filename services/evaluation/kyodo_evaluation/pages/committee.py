"""The evaluation committee's pages (協働事業評価委員会): the projects a member evaluates (`/evaluation/committee`,
the center's view of every project at the committee's stage) and one project's evaluation
(`/evaluation/projects/{pid}/committee`) — the agreement in force, its indicators with what the partners reported,
both self-evaluations once unsealed, the member's own conflict and score, the others' scores only after one's own,
the recommendation for whoever presides, and the published report.

Everything is read through the application's own queries and rules (`committee_of`, `read_scores`,
`read_self_evaluation`, `interested`/`recused`, `confirmer`) — the same ones its commands use, so what a page offers
is what the service allows, and the service refuses the rest if forced (pages/committee_actions.py posts there).
Of the other members the page shows the roster and counts only: who declared a conflict or scored reaches a member
through nothing here (as `committee_of` answers), their points only after their own (as `read_scores` answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_evaluation.app import EvaluationApplication
from kyodo_evaluation.committee import CommitteeEvaluation
from kyodo_evaluation.domain import Project
from kyodo_evaluation.pages.common import TIME_HELPERS, partner_names, project_crumbs, reads, viewed
from kyodo_evaluation.pages.members import candidates_of, in_seat_order, seats_of
from kyodo_evaluation.routing import application
from kyodo_evaluation.vocabulary import HIGHEST, LOWEST, Partner, Recommendation, Status
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import page_actor, signed_in
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs, name_in, path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/evaluation")

CONFLICT_KINDS = ("member", "officer", "close_relation", "business", "other")
_LISTED = 200


@dataclass(frozen=True)
class Seat:
    """The viewer's own place on the committee, as the application's rules decide it."""

    member: bool
    interest: bool  # a declared interest in the registry (the group or the department)
    conflict: dict[str, Any] | None  # their own conflict here: kind, reason, pinned
    fixed: bool  # a substitute joined because of it: it stands
    score: dict[str, Any] | None  # their own score, once given
    confirmer: bool  # the one who confirms the recommendation now

    @property
    def recused(self) -> bool:
        return self.interest or self.conflict is not None


def seat_of(app: EvaluationApplication, who: Actor, project: Project, committee: CommitteeEvaluation) -> Seat:
    if who.sub not in committee.members:
        return Seat(False, False, None, False, None, False)
    interest = app.interested(project, who.sub)
    confirmer = False
    if committee.decision is None:
        found = app.confirmer(committee, app.recused_members(committee, project))
        confirmer = found is not None and found[0] == who.sub
    return Seat(
        True,
        interest,
        committee.conflicts.get(who.sub),
        who.sub in committee.fixed_recusals,
        committee.scores.get(who.sub),
        confirmer,
    )


def state_of(seat: Seat, committee: CommitteeEvaluation) -> str:
    """One word for a member's listing: what waits for them in this project."""
    if committee.decision is not None:
        return "published"
    if seat.recused:
        return "recused"
    if seat.score is None:
        return "to_score"
    return "to_confirm" if seat.confirmer else "scored"


@router.get("/committee")
def projects(request: Request) -> Response:
    """A member's projects with what waits for them; the center's every project at the committee's stage."""
    principal = signed_in(request, Role.EVALUATOR, Role.COORDINATOR)
    app, who = application(request), page_actor(request, principal)
    center = who.has(Role.COORDINATOR)
    serving = serves_today(app, who.sub)
    rows: list[dict[str, Any]] = []
    for status in (Status.EVALUATING, Status.REPORTED):
        items, _total = app.list_projects(who, None, None, status.value, 0, _LISTED)
        for item in items:
            pid = UUID(str(item["project_id"]))
            committee = app.find_committee(pid)
            if committee is not None and who.sub in committee.members:
                state = state_of(seat_of(app, who, app.get_project(pid), committee), committee)
            elif center:
                state = "not_open" if committee is None else ("published" if committee.decision else "open")
            elif committee is None and serving:
                state = "waiting"  # on a committee's board today: a member once the center opens the evaluation
            else:
                continue
            counts = None if committee is None else {"scored": len(committee.scores), "quorum": committee.quorum}
            rows.append({"item": item, "state": state, "counts": counts})
    crumbs = breadcrumbs(request, ("/evaluation/committee", gettext(request, "Committee evaluations")))
    found = reads(request)
    context = {
        "rows": rows,
        "center": center,
        "group_names": found.group_names(),
        "departments": found.department_names(),
        **TIME_HELPERS,
        "breadcrumbs": crumbs,
    }
    return render(request, "evaluation/committee_list.html", context)


def serves_today(app: EvaluationApplication, sub: str) -> bool:
    """Whether the person sits on an evaluation committee today: the members the committee's evaluation of a
    project is opened with are its members on that day (the center opens it)."""
    today = app.today()
    return any(sub in app.view.board(cid, today).members for cid in app.view.evaluation_committees())


def material(app: EvaluationApplication, who: Actor, project: Project) -> dict[str, Any]:
    """What the committee evaluates: the agreement in force, the interim reports, both self-evaluations (only once
    unsealed: the application refuses them before)."""
    evaluations: dict[str, dict[str, Any]] = {}
    if project.unsealed:
        for partner in Partner:
            if partner.value in project.self_evaluations:
                found = app.read_self_evaluation(who, project.id, partner)
                found.pop("receipt", None)
                evaluations[partner.value] = found
    concluded = project.concluded[-1] if project.concluded else None
    return {
        "agreement": project.agreement,
        "concluded": concluded,
        "reports": app.reports_of(who, project.id),
        "evaluations": evaluations,
    }


def committee_page(
    request: Request,
    project_id: UUID,
    *,
    failed: str | None = None,
    errors: FormErrors | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    app, who, project, _side = viewed(request, project_id)
    committee = app.find_committee(project_id)
    center = who.has(Role.COORDINATOR)
    roster = app.committee_of(who, project_id) if committee is not None else None
    seats = seats_of(committee) if committee is not None else {}
    if roster is not None:
        # Listed as the roster lists them: officers first, then by letter.
        roster |= {k: in_seat_order(roster[k], seats) for k in ("members", "scored", "conflicts") if k in roster}
    seat = seat_of(app, who, project, committee) if committee is not None else None
    scores: list[dict[str, Any]] | None = None
    if committee is not None and seat is not None and (seat.score is not None or (not seat.member and center)):
        try:
            read = app.read_scores(who, project_id)
        except Refusal:
            read = None
        if read is not None:
            scores = [{"member_sub": m, **read.scores[m]} for m in in_seat_order(list(read.scores), seats)]
    report = app.published_report(project_id) if committee is not None and committee.report is not None else None
    coordinator = coordinator_context(request, app, project, committee, who.sub) if center else None
    context = {
        "project": project,
        "names": partner_names(request, project),
        **material(app, who, project),
        "committee": roster,
        "criteria": committee.criteria if committee is not None else project.criteria,
        "seat": seat,
        "waiting": committee is None and project.status is Status.EVALUATING,
        "serving": committee is None and not center and serves_today(app, who.sub),
        "scores": scores,
        "report": report,
        "coordinator": coordinator,
        "conflict_kinds": CONFLICT_KINDS,
        "points_options": [(str(n), str(n)) for n in range(LOWEST, HIGHEST + 1)],
        "highest": HIGHEST,
        "lowest": LOWEST,
        "recommendations": [r.value for r in Recommendation],
        "failed": failed,
        "errors": errors,
        "posted": posted or {},
        "me_sub": who.sub,
        # Members by office and letter, never by login id (pages/members.py); the names are on the registry's roster.
        "seats": seats,
        "roster_url": f"/registry/committees/{committee.committee_id}" if committee is not None else None,
        **TIME_HELPERS,
        "breadcrumbs": [
            *project_crumbs(request, project),
            (request.url.path, gettext(request, "Committee evaluation")),
        ],
    }
    return render(request, "evaluation/committee.html", context, status=status)


def coordinator_context(
    request: Request, app: EvaluationApplication, project: Project, committee: CommitteeEvaluation | None, me: str
) -> dict[str, Any]:
    """The center's part: the committees it may open the evaluation with (by name in the page's language and how many
    members serve today, each with its public roster; by registry id while a name is not known), or the members it
    may pin a conflict for — those not recused, or recused only by their own declaration, which a pin makes
    unremovable; never the coordinator themselves — and the substitutes it may add (only when recusals leave fewer
    members than the quorum: the domain's rule). The center appointed the members by their registry id (the sub),
    which the registry's roster carries: its forms show that id beside the letter, so it can tell whom it picks;
    members' pages and the public never see it."""
    if committee is None:
        day = app.today()
        committees = []
        for cid in app.view.evaluation_committees():
            board, named = app.view.board(cid, day), app.view.committee_name(cid)
            name = name_in(request, named.name_ja, named.name_en) if named else None
            committees.append({"id": cid, "name": name, "members": len(board.members)})
        return {"committees": committees, "evaluating": project.status is Status.EVALUATING}
    recused = app.recused_members(committee, project)
    eligible = len([m for m in committee.members if m not in recused])
    today = app.view.board(str(committee.committee_id), app.today()).members
    pinnable = [m for m in committee.members if m != me and _pinnable(app, project, committee, m)]
    return {
        "eligible": eligible,
        "quorum": committee.quorum,
        "candidates": candidates_of(committee, list(today)),
        "members": in_seat_order(pinnable, seats_of(committee)),
        "left_out": len(committee.members) - len(pinnable),
    }


def _pinnable(app: EvaluationApplication, project: Project, committee: CommitteeEvaluation, member: str) -> bool:
    """A member the center may record a conflict for: one not recused, or recused only by their own declaration
    (not pinned, no interest in the registry) — pinning it makes it one they can no longer withdraw. Never the
    coordinator themselves (the domain refuses `pin_own_conflict`)."""
    if app.interested(project, member):
        return False
    conflict = committee.conflicts.get(member)
    return conflict is None or not conflict["pinned"]


@router.get("/projects/{project_id}/committee")
def project_committee(project_id: str, request: Request) -> Response:
    return committee_page(request, path_uuid(project_id, "project_not_found"))
