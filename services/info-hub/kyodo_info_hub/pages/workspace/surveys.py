"""A group answers the center's survey (実態調査) with its login: `/me/surveys` (the open surveys its groups are asked
to answer) and `/me/surveys/{sid}` (the questionnaire; save a draft, or submit), posting to the same application
method as the API's `PUT /surveys/{sid}/answers/{respondent}` (`save_answer`), with the answer's version as If-Match.

Each question's control is named `answers.<key>`: the path the application's refusals name
(`Refusal("invalid_answer", field="answers.<key>")`), so a wrong answer's reason shows beside its question. Which
group answers is the form's `respondent` (the survey's respondent: a group's id); the application decides whether
the viewer acts for it, as it does for the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kyodo_info_hub.pages.home import application, localized, when
from kyodo_info_hub.pages.workspace.common import Party, groups_of, me_crumbs
from kyodo_info_hub.survey_answers import Answer
from kyodo_info_hub.surveys import Status, Survey
from kyodo_info_hub.surveys_index import list_surveys
from kyodo_info_hub.surveys_schemas import AnswerIn
from kyodo_shared.domain.actors import Actor, Principal, Role
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router("/me/surveys")
FIELD = "answers."


def _answer(request: Request, actor: Actor, survey_id: UUID, respondent: str) -> Answer | None:
    """The group's answer as the API reads it (`GET /surveys/{sid}/answers/{respondent}`), or None when none yet."""
    try:
        return application(request).read_answer(actor, None, survey_id, respondent)
    except Refusal as refusal:
        if refusal.code == "answer_not_found":
            return None
        raise


def waiting(request: Request, principal: Principal, groups: list[Party]) -> list[dict[str, Any]]:
    """The open surveys each of these groups is a target of, with its answer's state (none, draft, submitted,
    revising), soonest close first."""
    app, actor = application(request), page_actor(request, principal)
    ids = {g.id: g for g in groups}
    found: list[dict[str, Any]] = []
    if not ids:
        return found
    items, _ = list_surveys(app.db, statuses=["open"], fiscal_year=None, offset=0, limit=100)
    for item in items:
        survey = app.read_survey(actor, UUID(str(item["id"])))
        for group_id in survey.targets:
            if group_id in ids:
                answer = _answer(request, actor, survey.id, group_id)
                found.append(
                    {
                        "id": str(survey.id),
                        "title": localized(request, item.get("title_ja"), item.get("title_en")),
                        "closes_at": when(survey.closes_at),
                        "group": ids[group_id],
                        "status": answer.status if answer is not None else "none",
                        "href": f"/me/surveys/{survey.id}?group={group_id}",
                    }
                )
    return sorted(found, key=lambda s: s["closes_at"])


@router.get("")
def my_surveys(request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.GROUP)
    surveys = waiting(request, principal, groups_of(request, principal))
    context = {"surveys": surveys, "breadcrumbs": me_crumbs(request, _surveys(request))}
    return render(request, "workspace/surveys.html", context)


def _surveys(request: Request) -> tuple[str, str]:
    return ("/me/surveys", gettext(request, "Surveys to answer"))


def _values(survey: Survey, form: FormData) -> dict[str, Any]:
    """The form's answers as the API's `values`: a multiple choice as its list, anything else as typed."""
    values: dict[str, Any] = {}
    for question in survey.questionnaire["questions"]:
        name = FIELD + question["key"]
        values[question["key"]] = texts(form, name) if question["kind"] == "multiple" else text(form, name)
    return values


def sections_of(request: Request, q: dict[str, Any]) -> list[dict[str, Any]]:
    """A questionnaire's sections in order: key, title in the page's language, and their questions."""
    return [
        {
            "key": s["key"],
            "title": localized(request, s["title_ja"], s.get("title_en")),
            "questions": [x for x in q["questions"] if x["section"] == s["key"]],
        }
        for s in q["sections"]
    ]


def _page(
    request: Request,
    principal: Principal,
    survey_id: UUID,
    respondent: str | None,
    *,
    typed: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    app, actor = application(request), page_actor(request, principal)
    survey = app.read_survey(actor, survey_id)
    groups = [g for g in groups_of(request, principal) if g.id in survey.targets]
    group = next((g for g in groups if g.id == respondent), groups[0] if groups else None)
    answer = _answer(request, actor, survey.id, group.id) if group else None
    q = survey.questionnaire
    open_now = survey.status == Status.OPEN and app.now() < when(survey.closes_at)  # type: ignore[operator]
    sections = sections_of(request, q)
    title = localized(request, q["title_ja"], q.get("title_en"))
    context = {
        "survey": survey,
        "title": title,
        "breadcrumbs": me_crumbs(request, _surveys(request), (f"/me/surveys/{survey_id}", title.text)),
        "closes_at": when(survey.closes_at),
        "sections": sections,
        "groups": groups,
        "group": group,
        "answer": answer,
        "submitted_at": when(answer.submitted_at) if answer else None,
        "values": typed if typed is not None else (dict(answer.draft) if answer else {}),
        "open_now": open_now,
        "errors": errors,
    }
    return render(request, "workspace/survey.html", context, status=status)


@router.get("/{survey_id}")
def survey_page(survey_id: str, request: Request, group: str | None = None) -> HTMLResponse:
    principal = signed_in(request, Role.GROUP)
    return _page(request, principal, path_uuid(survey_id, "survey_not_found"), group)


@router.post("/{survey_id}")
def save_answer(survey_id: str, request: Request, form: Form) -> Response:
    """Save a draft (`action=draft`) or submit (`action=submit`), as `PUT /surveys/{sid}/answers/{respondent}`."""
    principal = signed_in(request, Role.GROUP)
    sid = path_uuid(survey_id, "survey_not_found")
    survey = application(request).read_survey(page_actor(request, principal), sid)
    respondent = text(form, "respondent")
    typed = _values(survey, form)
    submit = text(form, "action") == "submit"
    actor = page_actor(request, principal)

    def command() -> None:
        body = AnswerIn.model_validate({"values": typed, "submit": submit})
        application(request).save_answer(
            actor, None, sid, respondent, body.values, body.submit, actor.trace_dict(), seen_version(form)
        )

    return act(
        request,
        command,
        again=lambda errors, status: _page(
            request, principal, sid, respondent, typed=typed, errors=errors, status=status
        ),
        then=f"/me/surveys/{sid}?{urlencode({'group': respondent})}",
        notice="answer_submitted" if submit else "answer_saved",
    )
