"""One group's assessment (審査): `/registry/assessments/{group_id}` — the six criteria side by side, each with the
group's declaration and evidence, its current assessment and a form to assess it; the bylaws as filed and the
declared ties; the information exchange and a form to ask for more.

Each form posts to a page route that calls the application method the API route calls (`assess`,
`request_information`) with the version the page showed, through the kit's `act`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kyodo_registry.domain import CRITERIA
from kyodo_registry.pages.coordinator.common import FIRST, QUEUE, Again, coordinator, group_id_of, group_page
from kyodo_registry.pages.coordinator.reads import exchange_of, last_round_of, open_criteria
from kyodo_registry.pages.group.bylaws_file import bylaws_file_url
from kyodo_registry.routing import view
from kyodo_registry.schemas import AssessmentRequest, InformationRequest
from kyodo_registry.vocabulary import REGISTERED, REJECTED, UNDER_REVIEW
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, text, texts
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import with_notice
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")
# The form whose errors a re-rendered page shows: one criterion's assessment, or the request for information.
INFORMATION_FORM = "information"


def _page(request: Request, group_id: UUID, again: Again = FIRST) -> HTMLResponse:
    principal, app = coordinator(request)
    record = app.read_group(principal, group_id)  # the API's own read: coordinators get the full record
    group = record.group
    shown = view(record)
    open_now = open_criteria(group)
    earlier = last_round_of(app, group)  # a reapplication: what the previous round found, per criterion
    criteria = [
        {
            "code": str(c),
            "declaration": group.declarations.get(c, ""),
            "assessment": shown.assessments.get(c),
            "open": str(c) in open_now,
            "recheck": str(c) in group.recheck,
            "earlier": earlier.get(str(c)),
            # The application's last open criterion: recording it decides the application at once.
            "deciding": group.status == UNDER_REVIEW and open_now == [str(c)],
        }
        for c in CRITERIA
    ]
    return group_page(
        request,
        "registry/coord_assessment.html",
        (QUEUE, gettext(request, "Assessment queue")),
        record,
        again,
        group=shown,
        criteria=criteria,
        # Declared ties still standing, their ISO dates as dates for the kit's filters.
        ties=[{**vars(t), "declared_on": date.fromisoformat(t.declared_on)} for t in shown.ties if not t.withdrawn],
        exchange=exchange_of(app, group_id),
        may_ask=group.status == UNDER_REVIEW and bool(open_now),
        bylaws_url=bylaws_file_url(group_id),
    )


@router.get("/assessments/{group_id}")
def assessment(group_id: str, request: Request) -> HTMLResponse:
    return _page(request, group_id_of(group_id))


def _met(value: str) -> dict[str, bool]:
    """The radio's choice as the API's `met`; absent when none was chosen, so the API's own "required" answers."""
    return {"true": {"met": True}, "false": {"met": False}}.get(value, {})


def _posted_values(form: FormData, criterion: str) -> dict[str, Any]:
    return {"met": text(form, f"{criterion}.met"), "reason": text(form, f"{criterion}.reason")}


@router.post("/assessments/{group_id}/assessment")
def assess(group_id: str, request: Request, form: Form) -> Response:
    principal, app = coordinator(request)
    gid = group_id_of(group_id)
    criterion = text(form, "criterion")
    # The criterion's controls are named `<criterion>.met` and `<criterion>.reason` (six forms share the page).
    prefix = criterion if criterion in CRITERIA else "assessment"

    decided: list[str] = []  # the application's status when this assessment decided it (the sixth one)

    def command() -> object:
        body = AssessmentRequest.model_validate(
            {"criterion": criterion, **_met(text(form, f"{prefix}.met")), "reason": text(form, f"{prefix}.reason")}
        )
        before = app.get_group(gid).status
        group = app.assess(
            page_actor(request, principal), seen_version(form), gid, body.criterion.value, body.met, body.reason
        )
        if group.status != before and group.status in (REGISTERED, REJECTED):
            decided.append(group.status)
        return group

    answer = act(
        request,
        command,
        again=lambda errors, status: _page(
            request, gid, Again(prefix, _posted_values(form, prefix), errors.within(prefix), status)
        ),
        then=f"{QUEUE}/{gid}",
        notice="assessed",
    )
    if decided:
        # The last assessment also decided the application: the notice says so, not only that it was recorded.
        answer.headers["location"] = with_notice(f"{QUEUE}/{gid}", f"assessed_{decided[0]}")
    return answer


@router.post("/assessments/{group_id}/information-request")
def request_information(group_id: str, request: Request, form: Form) -> Response:
    principal, app = coordinator(request)
    gid = group_id_of(group_id)
    values = {"criteria": texts(form, "criteria"), "question": text(form, "question")}

    def command() -> object:
        body = InformationRequest.model_validate(values)
        return app.request_information(
            page_actor(request, principal), seen_version(form), gid, [c.value for c in body.criteria], body.question
        )

    return act(
        request,
        command,
        again=lambda errors, status: _page(request, gid, Again(INFORMATION_FORM, values, errors, status)),
        then=f"{QUEUE}/{gid}",
        notice="information_requested",
    )
