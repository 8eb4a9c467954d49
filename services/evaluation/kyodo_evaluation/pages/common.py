"""What the evaluation workspace pages share (the application is `routing.application`, the viewer's actor the kit's
`page_actor`): the page reads, the side the viewer acts for in a project (decided by the application's own
`partner_of`), names for ids, and turning posted text into the API's JSON (numbers the API takes as integers, blank
rows of repeated fields dropped)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from kyodo_evaluation.app import EvaluationApplication
from kyodo_evaluation.domain import Project
from kyodo_evaluation.pages.reads import Named, PageReads
from kyodo_evaluation.routing import application
from kyodo_evaluation.vocabulary import NO_CALL_FORMS, Partner, exact
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import page_actor, signed_in, text
from kyodo_shared.pages.forms import FieldError, FormErrors, field_id
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs, name_in
from kyodo_shared.pages.render import render
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.problems import Problem, field_errors

M = TypeVar("M", bound=BaseModel)
_WHOLE = re.compile(r"^-?[0-9]{1,15}$")


def reads(request: Request) -> PageReads:
    return PageReads(application(request).view)


def side_of(app: EvaluationApplication, who: Actor, project: Project) -> Partner | None:
    """The partner the viewer acts for, or None (coordinators, staff not the liaison, evaluators, auditors)."""
    try:
        return app.partner_of(who, project)
    except Refusal:
        return None


def viewed(
    request: Request, project_id: UUID, *roles: Role
) -> tuple[EvaluationApplication, Actor, Project, Partner | None]:
    """The signed-in viewer (one of `roles`, if named) as an actor, the project as they may read it through the API's
    query (not a party to it: 404, as the API answers), and the side they act for in it."""
    principal = signed_in(request, *roles)
    app, who = application(request), page_actor(request, principal)
    project = app.read_project(who, project_id)
    return app, who, project, side_of(app, who, project)


def whole(value: str) -> int | str:
    """A number the API takes as a JSON integer: the integer when the text is one, else the text itself, which the
    API's model refuses beside its field as it would refuse it in JSON."""
    return int(value) if _WHOLE.fullmatch(value) else value


def rows(form: FormData, prefix: str, fields: tuple[str, ...], limit: int = 60) -> list[dict[str, str]]:
    """Repeated rows `prefix.N.field` in order, wholly blank ones dropped (the form offers spare rows)."""
    found: list[dict[str, str]] = []
    for n in range(limit):
        row = {f: text(form, f"{prefix}.{n}.{f}") for f in fields}
        if any(row.values()):
            found.append(row)
    return found


def items(form: FormData, prefix: str, limit: int = 60) -> list[str]:
    """Repeated single values `prefix.N` in order, blanks dropped."""
    return [v for n in range(limit) if (v := text(form, f"{prefix}.{n}"))]


def optional(value: str) -> str | None:
    return value or None


def partner_label(request: Request, partner: str) -> str:
    return gettext(request, "Group") if partner == Partner.GROUP.value else gettext(request, "Department")


def partner_names(request: Request, project: Project) -> dict[str, Any]:
    """The group's and the department's names, for the page (ids when the registry's view lacks them)."""
    view = application(request).view
    group = view.group(str(project.group_id))
    department = view.department(str(project.department_id))
    return {
        "group": Named(str(project.group_id), group.name if group else str(project.group_id)),
        "department": Named(
            str(project.department_id),
            department.name_ja if department else str(project.department_id),
            department.name_en if department else None,
        ),
    }


def project_crumbs(request: Request, project: Project, *more: tuple[str, str]) -> list[tuple[str, str]]:
    return breadcrumbs(
        request,
        ("/evaluation/projects", gettext(request, "Collaboration projects")),
        (f"/evaluation/projects/{project.id}", project.title_ja),
        *more,
    )


def as_date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def as_moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# Every page's templates read the API's ISO texts through these (the kit's jst/jst_date filters take dates).
TIME_HELPERS: dict[str, Any] = {"as_date": as_date, "as_moment": as_moment}


def project_form_page(
    request: Request,
    template: str,
    project: Project,
    title: str,
    context: dict[str, Any],
    errors: FormErrors | None,
    status: int,
) -> Response:
    """One of a project's form pages: `context` with the project, its partners' names, the form's errors, the time
    helpers and the crumbs to this page (`title`)."""
    return render(
        request,
        template,
        {
            "project": project,
            "names": partner_names(request, project),
            **context,
            "errors": errors,
            **TIME_HELPERS,
            "breadcrumbs": [*project_crumbs(request, project), (request.url.path, title)],
        },
        status=status,
    )


def form_options(request: Request) -> list[tuple[str, str]]:
    """The forms of collaboration that need no call, as a form's choices."""
    names = {
        "co_hosting": gettext(request, "Co-hosting"),
        "endorsement": gettext(request, "Endorsement"),
        "information_exchange": gettext(request, "Information exchange"),
    }
    return [(form, names[form]) for form in NO_CALL_FORMS]


def pick_name(request: Request, named: Named) -> str:
    """A department's name in the page's language when it has one."""
    return name_in(request, named.name_ja, named.name_en)


def chosen(request: Request, errors: FormErrors, blank: Iterable[str]) -> FormErrors:
    """`errors` with a select, radio group or rating left unchosen (`blank`: those fields' names) saying so — "Choose
    one." — instead of the type the API expected of the empty value it was sent ("UUID…", "整数…", "選択肢にない…")."""
    unchosen = {field_id(name) for name in blank}
    if not unchosen:
        return errors
    choose = gettext(request, "Choose one.")
    items: list[FieldError] = []
    said: set[str] = set()
    for item in errors.items:
        if item.id in unchosen:
            if item.id in said:
                continue
            said.add(item.id)
            item = FieldError(item.field, item.code, choose)
        items.append(item)
    by_id: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.id is not None:
            by_id[item.id] = (*by_id.get(item.id, ()), item.reason)
    return FormErrors(title=errors.title, detail=errors.detail, items=tuple(items), _by_id=by_id)


def agreed_indicators(request: Request, principal: Principal, project_id: UUID) -> list[dict[str, Any]]:
    """The indicators of the agreement in force, read as the viewer may read the project (else refused: 404)."""
    project = application(request).read_project(page_actor(request, principal), project_id)
    return list(project.agreement["indicators"]) if project.agreement is not None else []


def value_refusals(
    indicators: Sequence[dict[str, Any]], values: Sequence[dict[str, str]], prefix: str
) -> list[Refusal]:
    """The application's check of each typed value against its indicator's kind (`vocabulary.exact`), run here too
    so a value of the wrong kind is reported with the form's other errors in one pass, not after they are fixed."""
    kinds = {str(i["key"]): str(i["value_type"]) for i in indicators}
    found: list[Refusal] = []
    for n, row in enumerate(values):
        kind = kinds.get(row.get("key", ""))
        if kind is None or not row.get("value"):
            continue
        try:
            exact(kind, row["value"], f"{prefix}.{n}.value")
        except Refusal as refusal:
            found.append(refusal)
    return found


def validated(request: Request, model: type[M], posted: dict[str, Any], more: Callable[[], list[Refusal]]) -> M:
    """`model` validated from `posted` as the API does; when it fails, the refusals `more` finds are added to its
    errors (one problem, each error beside its field)."""
    try:
        return model.model_validate(posted)
    except ValidationError as invalid:
        extra = more()
        if not extra:
            raise
        messages = request.app.state.messages
        problem: Problem = messages.problem("validation_failed")
        problem.errors = field_errors([dict(e) for e in invalid.errors()]) + [
            error for refusal in extra for error in (messages.for_refusal(refusal).errors or [])
        ]
        raise problem from invalid
