"""One project's screening in a round: `/screening/rounds/{rid}/projects/{pid}` — the department liaison's
self-check until the deadline (the API's `PUT …/self-check`), a team member's one independent assessment (`POST
…/assessments`; the others' are shown only after one's own, as the API answers), and the coordinator's decision with
reasons, a correction naming the decision it replaces (`POST …/decisions`, If-Match)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_screening.pages.common import answers_from, answers_values, department_names, english
from kyodo_screening.pages.projects import project_uuid
from kyodo_screening.pages.rounds import READERS, round_uuid
from kyodo_screening.routing import application
from kyodo_screening.schemas import Answers, DecisionIn
from kyodo_screening.screening import REQUIRED_ASSESSMENTS
from kyodo_screening.vocabulary import Form as CollaborationForm
from kyodo_screening.vocabulary import Outcome, RoundStatus
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import breadcrumbs
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/screening")
NOTICES = {
    "self_checked": N_("The self-check was saved."),
    "assessed": N_("Your assessment was submitted."),
    "decided": N_("The decision was recorded and published with its reasons."),
    "corrected": N_("The correction was recorded and published with its reasons; it replaces the earlier decision."),
}
_PATH = "/rounds/{round_id}/projects/{project_id}"


def _ids(round_id: str, project_id: str) -> tuple[UUID, UUID]:
    return round_uuid(round_id), project_uuid(project_id)


@router.get(_PATH)
def screening(round_id: str, project_id: str, request: Request) -> Response:
    principal = signed_in(request, *READERS)
    return _page(request, principal, *_ids(round_id, project_id))


@router.post(_PATH + "/self-check")
def self_check(round_id: str, project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.STAFF)
    rid, pid = _ids(round_id, project_id)
    keys = application(request).read_round(principal, rid).checklist_keys
    body = answers_from(form, "self_check", keys)
    return act(
        request,
        lambda: application(request).answer_self_check(
            page_actor(request, principal), rid, pid, Answers.model_validate(body).dumped()
        ),
        again=lambda errors, status: _page(
            request, principal, rid, pid, "self_check", body, errors.within("self_check"), status
        ),
        then=f"/screening/rounds/{rid}/projects/{pid}",
        notice="self_checked",
    )


@router.post(_PATH + "/assessment")
def assess(round_id: str, project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.TEAM, Role.STAFF)
    rid, pid = _ids(round_id, project_id)
    keys = application(request).read_round(principal, rid).checklist_keys
    body = answers_from(form, "assessment", keys)
    return act(
        request,
        lambda: application(request).assess(
            page_actor(request, principal), rid, pid, Answers.model_validate(body).dumped()
        ),
        again=lambda errors, status: _page(
            request, principal, rid, pid, "assessment", body, errors.within("assessment"), status
        ),
        then=f"/screening/rounds/{rid}/projects/{pid}",
        notice="assessed",
    )


@router.post(_PATH + "/decision")
def decide(round_id: str, project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    rid, pid = _ids(round_id, project_id)
    body = {
        "outcome": text(form, "outcome") or None,
        "forms": texts(form, "forms"),
        "reasons_ja": text(form, "reasons_ja"),
        "reasons_en": text(form, "reasons_en") or None,
        "rescreen_on": text(form, "rescreen_on") or None,
        "replaces": text(form, "replaces") or None,
    }
    return act(
        request,
        lambda: application(request).decide(
            page_actor(request, principal), seen_version(form), rid, pid, DecisionIn.model_validate(body).body()
        ),
        again=lambda errors, status: _page(request, principal, rid, pid, "decision", body, errors, status),
        then=f"/screening/rounds/{rid}/projects/{pid}",
        notice="corrected" if body["replaces"] else "decided",
    )


def _page(
    request: Request,
    principal: Principal,
    rid: UUID,
    pid: UUID,
    posted: str | None = None,
    body: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    app = application(request)
    found = app.read_round(principal, rid)
    view = app.screening_of(principal, rid, pid)
    now, today = app.clock(), app.today()
    department = str(view["department_id"])
    is_open = found.status == RoundStatus.OPEN
    pending = view["status"] == "pending"
    liaison = principal.has(Role.STAFF) and app.view.is_liaison(principal.sub, department, today)
    on_staff = principal.has(Role.STAFF) and app.view.on_staff(principal.sub, department, today)
    coordinator = principal.has(Role.COORDINATOR)

    def why(reasons: list[tuple[bool, str]]) -> str | None:
        """The first reason that holds, in words (None: the viewer may act)."""
        return next((gettext(request, msgid) for holds, msgid in reasons if holds), None)

    not_open = not is_open
    # A project outside the round's departments is refused by every command (project_not_in_round).
    outside = department not in found.departments
    self_check_blocked = why(
        [
            (not liaison, N_("Only the department's liaison answers its self-check.")),
            (outside, N_("The project is not in this round's scope.")),
            (not_open, N_("The round is not open.")),
            (not found.self_check_open_at(now), N_("The self-check deadline has passed.")),
            (not pending, N_("The project is already decided.")),
        ]
    )
    member = principal.sub in found.team
    mine: list[dict[str, Any]] | None = None
    if member or coordinator or principal.has(Role.AUDITOR):
        try:
            mine = app.assessments_of(principal, rid, pid)
        except Refusal:
            mine = None  # a member who has not assessed yet: the others' stay hidden (independence)
    # Their own among them: a coordinator's or auditor's answer holds every assessment, theirs or not.
    assessed = member and any(a.get("member_sub") == principal.sub for a in mine or [])
    if member and not assessed:
        mine = None  # independence: no member reads another's assessment before giving their own, whatever their roles
    groups = [str(g) for g in view["project"].get("group_ids") or []]
    opened = date.fromisoformat(found.opened_on) if found.opened_on else today
    recused = member and app.view.interested(principal.sub, department, groups, opened)
    assess_blocked = why(
        [
            (assessed, N_("You have already assessed this project.")),
            (
                recused,
                N_("You declared an interest in the project's department or in a group it names: you are recused."),
            ),
            (outside, N_("The project is not in this round's scope.")),
            (not_open, N_("The round is not open.")),
            (not pending, N_("The project is already decided.")),
        ]
    )
    decide_blocked = why(
        [
            (outside, N_("The project is not in this round's scope.")),
            (not_open, N_("The round is not open.")),
            (view["assessment_count"] < REQUIRED_ASSESSMENTS, N_("A decision waits for at least two assessments.")),
        ]
    )
    # Times and days as the kit's filters show them (Tokyo time), not as the stored ISO text.
    decisions = [
        {
            **d,
            "decided_at": datetime.fromisoformat(str(d["decided_at"])),
            "rescreen_on": date.fromisoformat(str(d["rescreen_on"])) if d.get("rescreen_on") else None,
        }
        for d in view["decisions"]
    ]
    # A correction and the decision it replaces refer to each other by the time they were made, not by id.
    # Each refers to the other's place on the page (`#decision-N`, N counted from 1 as the template does).
    placed = [{"index": n, "decided_at": d["decided_at"]} for n, d in enumerate(decisions, start=1)]
    by_id = {str(d["decision_id"]): place for d, place in zip(decisions, placed, strict=True)}
    replaced_by = {str(d["replaces"]): place for d, place in zip(decisions, placed, strict=True) if d.get("replaces")}
    for d in decisions:
        d["replaced"] = replaced_by.get(str(d["decision_id"]))
    values = {posted: body} if posted and body is not None else {}
    checklist = view["checklist"]
    return render(
        request,
        "screening/screening.html",
        {
            "round": found,
            "view": view,
            "decisions": decisions,
            "replaced_by_id": by_id,
            "checklist": checklist,
            "names": department_names(request, app),
            "department": department,
            "show_self_check": liaison or on_staff or coordinator,
            "self_check_blocked": self_check_blocked,
            "self_check_values": answers_values((values.get("self_check") or {}).get("answers") or view["self_check"]),
            "member": member,
            "mine": mine,
            "assess_blocked": assess_blocked,
            "assessment_values": answers_values((values.get("assessment") or {}).get("answers")),
            "coordinator": coordinator,
            "decide_blocked": decide_blocked,
            "decision_values": values.get("decision") or {},
            "current": decisions[-1] if decisions and not pending else None,
            "outcomes": [o.value for o in Outcome],
            "forms_of_collaboration": [f.value for f in CollaborationForm],
            "posted": posted,
            "errors": errors or FormErrors(),
            "summary_labels": _summary_labels(request, checklist, english(request)),
            "english": english(request),
            "breadcrumbs": breadcrumbs(
                request,
                ("/screening/rounds", gettext(request, "Rounds")),
                (f"/screening/rounds/{rid}", str(found.spec["title_ja"])),
                (request.url.path, str(view["project"]["title"])),
            ),
        },
        status=status,
    )


def _summary_labels(request: Request, checklist: list[dict[str, Any]], in_english: bool) -> dict[str, str]:
    """What the error summary calls each field it links to (the criterion, not only "choose one" five times)."""
    labels = {
        "outcome": gettext(request, "Outcome"),
        "forms": gettext(request, "Forms of collaboration (when suitable)"),
        "reasons_ja": gettext(request, "Reasons in Japanese"),
        "reasons_en": gettext(request, "Reasons in English"),
        "rescreen_on": gettext(request, "Screen again on (when it needs study)"),
    }
    for n, item in enumerate(checklist):
        name = str(item.get("name_en") if in_english and item.get("name_en") else item["name_ja"])
        for prefix in ("self_check", "assessment"):
            labels[f"{prefix}.answers.{n}.rating"] = name
            labels[f"{prefix}.answers.{n}.reason"] = gettext(request, "Reason: %(criterion)s") % {"criterion": name}
    return labels
