"""The center's surveys (実態調査) for its coordinators, each form calling the same application method as the API:

- `/center/surveys`: every survey, drafts first among the latest year's (`list_surveys`, as `GET /surveys`).
- `/center/surveys/new`: the builder — title, year, answer window, reminders, target set, sections and questions
  (`draft_survey`, as `POST /surveys`); `action=more` shows the form again with room for one more question.
- `/center/surveys/{sid}/edit`: a draft's questionnaire revised whole (`revise_survey`, as `PUT /surveys/{sid}`).
- `/center/surveys/{sid}`: the survey — its questionnaire and target set, the cross-tabulations (`choose_crosstabs`,
  as `PUT …/crosstabs`), announce (`announce_survey`, `POST …/announcement`) and cancel (`cancel_survey`,
  `POST …/cancellation`), each with the definition's version as If-Match; once open the answers' progress as counts
  and a provisional preview (暫定) of the statistics over the answers submitted so far, and once closed the
  published statistics, each suppressed cell shown as such (`surveys_view.py`).

- `/center/surveys/{sid}/invitations`: a group not registered invited by a one-time link shown once
  (`invite_group`, as `POST …/invitations`), and a new link for one (`reissue_invitation`).

The builder's fields and errors: `surveys_form.py`; the survey's forms: `surveys_actions.py`; what the page shows
besides them: `surveys_view.py`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from kyodo_info_hub.api_surveys import PRIVATE
from kyodo_info_hub.pages.center.surveys_form import KINDS, body_of, count, folded, typed_from, typed_of
from kyodo_info_hub.pages.center.surveys_view import (
    crosstab_choices,
    progress,
    provisional_preview,
    statistics_preview,
    target_groups,
)
from kyodo_info_hub.pages.home import application, listing, localized, when
from kyodo_info_hub.pages.workspace.surveys import sections_of
from kyodo_info_hub.surveys import Status
from kyodo_info_hub.surveys_index import list_surveys
from kyodo_info_hub.surveys_schemas import QuestionnaireIn
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router("/center/surveys")
STATUSES = ["draft", "announced", "open", "closed", "cancelled"]

NOTICES: dict[str, str] = {
    "survey_drafted": N_("The survey is saved as a draft. Nobody but the center sees it until it is announced."),
    "survey_revised": N_("The draft questionnaire is saved."),
    "survey_crosstabs_chosen": N_("The cross-tabulations are chosen: they are published with the statistics."),
    "survey_announced": N_("The survey is announced. It opens to its target groups at its opening time."),
    "survey_cancelled": N_("The survey is cancelled with its reason."),
    "survey_link_reissued": N_("A new link is issued: the old one no longer works."),
}


@router.get("")
def surveys(request: Request, paging: Paging) -> HTMLResponse:
    """Page by page, in the kernel's convention (`?page=`, `?per_page=`), as the center's other lists."""
    signed_in(request, Role.COORDINATOR)
    db = application(request).db
    items, total = list_surveys(db, statuses=STATUSES, fiscal_year=None, offset=paging.offset, limit=paging.limit)
    rows = [
        {
            "id": item["id"],
            "title": localized(request, item.get("title_ja"), item.get("title_en")),
            "fiscal_year": item["fiscal_year"],
            "status": item["status"],
            "opens_at": when(item["opens_at"]),
            "closes_at": when(item["closes_at"]),
        }
        for item in items
    ]
    return render(request, "center/surveys.html", {"surveys": rows, "total": total, "listing": listing(paging, total)})


def _builder(
    request: Request,
    typed: dict[str, str],
    *,
    action: str,
    errors: FormErrors | None = None,
    status: int = 200,
    version: int | None = None,
) -> HTMLResponse:
    groups = application(request).people.registered_groups()
    context = {
        "known_fields": sorted({f for g in groups for f in g.fields_of_activity}),
        "known_areas": sorted({g.area for g in groups if g.area}),
        "values": typed,
        "action": action,
        "version": version,
        "kinds": KINDS,
        "sections": count(typed, "sections") + 1,
        "questions": count(typed, "questions") + 1,
        "errors": folded(errors) if errors else None,
    }
    return render(request, "center/surveys_form.html", context, status=status)


@router.get("/new")
def new_survey(request: Request) -> HTMLResponse:
    signed_in(request, Role.COORDINATOR)
    return _builder(request, {}, action="/center/surveys/new")


@router.post("/new")
def draft(request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    typed = typed_of(form)
    path = "/center/surveys/new"
    if text(form, "action") == "more":
        return _builder(request, typed, action=path)

    def command() -> Any:
        body = QuestionnaireIn.model_validate(body_of(typed, []))
        return application(request).draft_survey(page_actor(request, principal), body.events_form())

    return act(
        request,
        command,
        again=lambda errors, status: _builder(request, typed, action=path, errors=errors, status=status),
        then=lambda survey: f"/center/surveys/{survey.id}",
        notice="survey_drafted",
    )


@router.get("/{survey_id}/edit")
def edit(survey_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.COORDINATOR)
    sid = path_uuid(survey_id, "survey_not_found")
    survey = application(request).read_survey(page_actor(request, principal), sid)
    if survey.status != Status.DRAFT:  # frozen once announced: the API's refusal, as a revision would get
        raise Refusal("survey_not_draft", state=survey.status.value)
    path = f"/center/surveys/{sid}/edit"
    return _builder(request, typed_from(survey.questionnaire), action=path, version=survey.definition_version)


@router.post("/{survey_id}/edit")
def revise(survey_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    sid = path_uuid(survey_id, "survey_not_found")
    app, actor = application(request), page_actor(request, principal)
    survey = app.read_survey(actor, sid)
    typed, path = typed_of(form), f"/center/surveys/{sid}/edit"
    version = text(form, "version").strip('"')
    shown = int(version) if version.isdigit() else None
    if text(form, "action") == "more":
        return _builder(request, typed, action=path, version=shown)

    def command() -> None:
        body = QuestionnaireIn.model_validate(body_of(typed, survey.questionnaire["crosstabs"]))
        app.revise_survey(actor, seen_version(form), sid, body.events_form())

    return act(
        request,
        command,
        again=lambda errors, status: _builder(request, typed, action=path, errors=errors, status=status, version=shown),
        then=f"/center/surveys/{sid}",
        notice="survey_revised",
    )


def page_of(
    request: Request,
    principal: Principal,
    sid: UUID,
    *,
    errors: FormErrors | None = None,
    failed: str = "",
    status: int = 200,
    typed: dict[str, Any] | None = None,
    link: dict[str, str] | None = None,
) -> HTMLResponse:
    """The survey's page; `failed` names the form the errors belong to (crosstabs, announcement, cancellation,
    invitation); `link`: an invitation's one-time link, shown this once (the page is then not stored anywhere)."""
    app, actor = application(request), page_actor(request, principal)
    survey = app.read_survey(actor, sid)
    q = survey.questionnaire
    closes_at = when(survey.closes_at)
    before_close = survey.status in (Status.DRAFT, Status.ANNOUNCED, Status.OPEN) and (
        survey.status == Status.DRAFT or app.now() < closes_at  # type: ignore[operator]
    )
    context = {
        "survey": survey,
        "title": localized(request, q["title_ja"], q.get("title_en")),
        "q": q,
        "opens_at": when(survey.opens_at),
        "closes_at": closes_at,
        "announced_at": when(survey.announced_at),
        "opened_at": when(survey.opened_at),
        "closed_at": when(survey.closed_at),
        "sections": sections_of(request, q),
        "before_close": before_close,
        "choices": crosstab_choices(request, q),
        "targets": target_groups(request, survey),
        "link": link,
        "progress": progress(request, actor, survey),
        "preview": statistics_preview(request, survey) or provisional_preview(request, actor, survey),
        "provisional": survey.status == Status.OPEN,
        "errors": errors,
        "failed": failed,
        "typed": typed or {},
    }
    page = render(request, "center/surveys_survey.html", context, status=status)
    if link is not None:
        page.headers.update(PRIVATE)
    return page


@router.get("/{survey_id}")
def survey_page(survey_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.COORDINATOR)
    return page_of(request, principal, path_uuid(survey_id, "survey_not_found"))
