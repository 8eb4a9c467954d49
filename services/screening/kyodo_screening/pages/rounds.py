"""Screening rounds for the center's coordinators: `/screening/rounds` (the list; others see rounds once open),
`/screening/rounds/new` (draft: the API's `POST /rounds`), `/screening/rounds/{rid}` (the round and its projects;
revise a draft with If-Match, open it, close it — `PUT /rounds/{id}`, `POST …/opening`, `POST …/closure`)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from kyodo_screening.messages import MESSAGES
from kyodo_screening.pages.common import (
    current_fiscal_year,
    department_names,
    english,
    jst_input,
    jst_posted,
)
from kyodo_screening.pages.round_mine import own_assessments
from kyodo_screening.routing import application
from kyodo_screening.schemas import RoundDraft
from kyodo_screening.vocabulary import DEFAULT_CHECKLIST, RoundStatus
from kyodo_shared.domain.actors import Principal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.forms import FormErrors, form_errors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import breadcrumbs, path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.pagination import Paging
from kyodo_shared.web.problems import Problem, field_errors

router = page_router(prefix="/screening")
NOTICES = {
    "round_drafted": N_("The round was drafted."),
    "round_revised": N_("The draft was revised."),
    "round_opened": N_("The round is open: its checklist and team are fixed."),
    "round_closed": N_("The round is closed: it accepts nothing more."),
}
# Who reads rounds in the workspace: the center, the departments, the team, and auditors.
READERS = (Role.COORDINATOR, Role.STAFF, Role.TEAM, Role.AUDITOR)
# Blank checklist lines a form offers beyond the round's own, for criteria to add (the API takes at most 20).
SPARE_LINES, MAX_LINES = 2, 20


def round_uuid(text_: str) -> UUID:
    return path_uuid(text_, "round_not_found")


def draft_body(form: FormData) -> dict[str, Any]:
    """The API's `RoundDraft` from the form. Checklist lines left blank are dropped, and the form is shown again
    with the lines kept, so an error at `checklist.N.…` lands beside its line."""
    checklist = []
    for n in range(MAX_LINES + SPARE_LINES):
        key, name_ja, name_en = (text(form, f"checklist.{n}.{part}") for part in ("key", "name_ja", "name_en"))
        if key or name_ja or name_en:
            checklist.append({"key": key, "name_ja": name_ja, "name_en": name_en or None})
    return {
        "fiscal_year": text(form, "fiscal_year"),
        "title_ja": text(form, "title_ja"),
        "title_en": text(form, "title_en") or None,
        "checklist": checklist,
        "department_ids": texts(form, "department_ids"),
        "self_check_deadline": jst_posted(text(form, "self_check_deadline")),
    }


def validated_draft(body: dict[str, Any]) -> RoundDraft:
    """The API's `RoundDraft` of the posted draft. A deadline left blank is asked for: pydantic calls an empty
    date-time `datetime_from_date_parsing`, which the kit's wording does not yet take for a blank field (asked of
    the lead; drop this then) and words as "invalid value"."""
    try:
        return RoundDraft.model_validate(body)
    except ValidationError as invalid:
        if body["self_check_deadline"]:
            raise
        errors = field_errors([dict(e) for e in invalid.errors()])
        for error in errors:
            if error["field"] == "self_check_deadline":
                error.update(code="missing", reason_ja="入力してください", reason_en="Enter a value")
        problem = MessageTable(MESSAGES).problem("validation_failed")
        problem.errors = errors
        raise problem from None


def draft_labels(request: Request) -> dict[str, str]:
    """What the error summary calls each field of a round's draft it links to."""
    labels = {
        "fiscal_year": gettext(request, "Fiscal year"),
        "title_ja": gettext(request, "Title in Japanese"),
        "title_en": gettext(request, "Title in English"),
        "self_check_deadline": gettext(request, "Self-check deadline (Japan time)"),
        "department_ids": gettext(request, "Departments in scope"),
        "checklist": gettext(request, "Checklist"),
        "confirmed": gettext(request, "Confirm the closure"),
    }
    for n in range(MAX_LINES + SPARE_LINES):
        line = gettext(request, "Criterion %(number)s") % {"number": n + 1}
        for part, msgid in (("key", "Key"), ("name_ja", "Criterion in Japanese"), ("name_en", "Criterion in English")):
            labels[f"checklist.{n}.{part}"] = f"{line} {gettext(request, msgid)}"
    return labels


def draft_values(spec: dict[str, Any]) -> dict[str, Any]:
    lines = [dict(item, name_en=item.get("name_en") or "") for item in spec.get("checklist") or []]
    lines += [{"key": "", "name_ja": "", "name_en": ""}] * min(SPARE_LINES, MAX_LINES - len(lines))
    return {
        "fiscal_year": str(spec.get("fiscal_year") or ""),
        "title_ja": spec.get("title_ja") or "",
        "title_en": spec.get("title_en") or "",
        "checklist": lines,
        "department_ids": [str(d) for d in spec.get("department_ids") or []],
        "self_check_deadline": jst_input(spec.get("self_check_deadline")) if spec.get("self_check_deadline") else "",
    }


@router.get("/rounds")
def rounds(request: Request, paging: Paging) -> Response:
    principal = signed_in(request, *READERS)
    items, total = application(request).rounds(principal, paging.offset, paging.limit)
    listing = {"items": items, "total": total, "page": paging.page, "per_page": paging.per_page}
    return render(
        request,
        "screening/rounds.html",
        {
            "listing": listing,
            "coordinator": principal.has(Role.COORDINATOR),
            "breadcrumbs": breadcrumbs(request, (request.url.path, gettext(request, "Rounds"))),
        },
    )


@router.get("/rounds/new")
def new_round(request: Request) -> Response:
    signed_in(request, Role.COORDINATOR)
    spec = {"fiscal_year": current_fiscal_year(application(request)), "checklist": list(DEFAULT_CHECKLIST)}
    return _draft_page(request, draft_values(spec), FormErrors())


@router.post("/rounds/new")
def draft_round(request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    body = draft_body(form)
    return act(
        request,
        lambda: application(request).draft_round(page_actor(request, principal), validated_draft(body).spec()),
        again=lambda errors, status: _draft_page(request, _posted(body), errors, status),
        then=lambda drafted: f"/screening/rounds/{drafted.id}",
        notice="round_drafted",
    )


def _posted(body: dict[str, Any]) -> dict[str, Any]:
    """The posted draft as the form shows it again (the deadline as typed, in Tokyo time)."""
    shown = draft_values({**body, "self_check_deadline": None})
    raw = body["self_check_deadline"]
    try:
        shown["self_check_deadline"] = jst_input(raw)
    except ValueError:
        shown["self_check_deadline"] = raw
    return shown


def _draft_page(request: Request, values: dict[str, Any], errors: FormErrors, status: int = 200) -> Response:
    app = application(request)
    return render(
        request,
        "screening/round_new.html",
        {
            "values": values,
            "errors": errors,
            "summary_labels": draft_labels(request),
            "departments": sorted(department_names(request, app).items(), key=lambda d: d[1]),
            "breadcrumbs": breadcrumbs(
                request,
                ("/screening/rounds", gettext(request, "Rounds")),
                (request.url.path, gettext(request, "Draft a round")),
            ),
        },
        status=status,
    )


@router.get("/rounds/{round_id}")
def round_page(round_id: str, request: Request, paging: Paging) -> Response:
    principal = signed_in(request, *READERS)
    found = application(request).read_round(principal, round_uuid(round_id))
    return _round_page(request, principal, round_id, paging, draft_values(found.spec), FormErrors())


@router.post("/rounds/{round_id}")
def revise_round(round_id: str, request: Request, form: Form, paging: Paging) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    rid, body = round_uuid(round_id), draft_body(form)
    return act(
        request,
        lambda: application(request).revise_round(
            page_actor(request, principal), seen_version(form), rid, validated_draft(body).spec()
        ),
        again=lambda errors, status: _round_page(request, principal, round_id, paging, _posted(body), errors, status),
        then=f"/screening/rounds/{rid}",
        notice="round_revised",
    )


@router.post("/rounds/{round_id}/opening")
def open_round(round_id: str, request: Request, form: Form, paging: Paging) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    rid = round_uuid(round_id)
    return act(
        request,
        lambda: application(request).open_round(page_actor(request, principal), seen_version(form), rid),
        again=lambda errors, status: _round_page(request, principal, round_id, paging, None, errors, status),
        then=f"/screening/rounds/{rid}",
        notice="round_opened",
    )


@router.post("/rounds/{round_id}/closure")
def close_round(round_id: str, request: Request, form: Form, paging: Paging) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    rid = round_uuid(round_id)
    if text(form, "confirmed") != "yes":
        # Closing cannot be undone: the page asks for a tick first (the API takes the request as it is).
        unconfirmed = Problem(
            422,
            "closure_not_confirmed",
            "この回を終了してよいか確認してください",
            "Confirm that the round is to be closed",
            errors=[
                {
                    "field": "confirmed",
                    "code": "required",
                    "reason_ja": "終了すると元に戻せません。確認のうえチェックしてください",
                    "reason_en": "Closing cannot be undone: tick the box to confirm",
                }
            ],
        )
        return _round_page(request, principal, round_id, paging, None, form_errors(request, unconfirmed), 422)
    return act(
        request,
        lambda: application(request).close_round(page_actor(request, principal), seen_version(form), rid),
        again=lambda errors, status: _round_page(request, principal, round_id, paging, None, errors, status),
        then=f"/screening/rounds/{rid}",
        notice="round_closed",
    )


def _round_page(
    request: Request,
    principal: Principal,
    round_id: str,
    paging: Any,
    values: dict[str, Any] | None,
    errors: FormErrors,
    status: int = 200,
) -> Response:
    app = application(request)
    found = app.read_round(principal, round_uuid(round_id))
    items, total = app.round_projects(principal, found.id, None, paging.offset, paging.limit)
    names = department_names(request, app)
    title = found.spec.get("title_en") if english(request) else None
    return render(
        request,
        "screening/round.html",
        {
            "round": found,
            "title": title or found.spec["title_ja"],
            "now": app.clock(),
            "opened_on": date.fromisoformat(found.opened_on) if found.opened_on else None,
            "coordinator": principal.has(Role.COORDINATOR),
            "draft": found.status == RoundStatus.DRAFT,
            "open": found.status == RoundStatus.OPEN,
            "values": values or draft_values(found.spec),
            "errors": errors,
            "summary_labels": draft_labels(request),
            "names": names,
            "departments": sorted(names.items(), key=lambda d: d[1]),
            "listing": {"items": items, "total": total, "page": paging.page, "per_page": paging.per_page},
            # A team member's own assessments (theirs only): which pending projects await them.
            "mine": own_assessments(app, principal, found, items) if found.status == RoundStatus.OPEN else None,
            "breadcrumbs": breadcrumbs(
                request,
                ("/screening/rounds", gettext(request, "Rounds")),
                (request.url.path, str(found.spec["title_ja"])),
            ),
        },
        status=status,
    )
