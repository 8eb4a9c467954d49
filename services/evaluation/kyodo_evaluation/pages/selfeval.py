"""A partner's self-evaluation (自己評価): `/evaluation/projects/{pid}/self-evaluation`.

A partner sends it once, after the project ended and before the deadline, rating every published criterion and
giving every indicator's achieved value; it gets the signed receipt the API answers (downloadable here). The other
partner's is read only through the application's `read_self_evaluation`, and only once the project shows it
unsealed (both in, or the deadline passed) — before then the page never asks for it, and says it is sealed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_evaluation.pages.common import (
    agreed_indicators,
    chosen,
    project_form_page,
    validated,
    value_refusals,
    viewed,
    whole,
)
from kyodo_evaluation.pages.reports import MAX_VALUES, values_posted
from kyodo_evaluation.routing import application
from kyodo_evaluation.schemas import SelfEvaluationIn
from kyodo_evaluation.vocabulary import HIGHEST, LOWEST, Partner, Status
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.downloads import private_file
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/evaluation")


def ratings_posted(form: FormData) -> list[dict[str, Any]]:
    count = next((n for n in range(MAX_VALUES + 1) if f"ratings.{n}.key" not in form), MAX_VALUES)
    return [
        {
            "key": text(form, f"ratings.{n}.key"),
            "rating": whole(text(form, f"ratings.{n}.rating")),
            "comment_ja": text(form, f"ratings.{n}.comment_ja"),
        }
        for n in range(count)
    ]


def self_evaluation_page(
    request: Request,
    project_id: UUID,
    *,
    errors: FormErrors | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    app, who, project, side = viewed(request, project_id)
    shown: dict[str, dict[str, Any] | None] = {}
    for partner in Partner:
        mine = side is partner
        # Only one's own, or any once unsealed: the application would refuse the rest (self_evaluation_sealed).
        if (mine or project.unsealed) and partner.value in project.self_evaluations:
            found = app.read_self_evaluation(who, project_id, partner)
            if "receipt" in found:
                found["receipt"] = json.loads(found["receipt"])
            shown[partner.value] = found
    late = project.deadline is not None and app.clock() >= datetime.fromisoformat(project.deadline)
    if side is None:
        closed = "not_a_partner"
    elif project.status in (Status.DRAFTING, Status.ACTIVE) or project.agreement is None:
        closed = "not_ended"
    elif side.value in project.self_evaluations:
        closed = "sent"
    elif late or project.unsealed:
        closed = "closed"
    else:
        closed = None
    agreement = project.agreement
    context = {
        "side": side.value if side else None,
        "shown": shown,
        "closed": closed,
        "deadline": datetime.fromisoformat(project.deadline) if project.deadline else None,
        "criteria": project.criteria,
        "indicators": agreement["indicators"] if agreement is not None else [],
        "rating_options": [(str(n), str(n)) for n in range(LOWEST, HIGHEST + 1)],
        "posted": posted or {},
    }
    title = gettext(request, "Self-evaluation")
    return project_form_page(request, "evaluation/ws_self_evaluation.html", project, title, context, errors, status)


@router.get("/projects/{project_id}/self-evaluation")
def self_evaluation(project_id: str, request: Request) -> Response:
    return self_evaluation_page(request, path_uuid(project_id, "project_not_found"))


@router.get("/projects/{project_id}/self-evaluation/receipt")
def receipt(project_id: str, request: Request) -> Response:
    """One's own signed receipt as the file the API answered (verify it with `kyodo receipt verify`)."""
    pid = path_uuid(project_id, "project_not_found")
    app, who, _, side = viewed(request, pid, Role.GROUP, Role.STAFF)
    if side is None:
        raise Refusal("not_a_partner")
    found = app.read_self_evaluation(who, pid, side)
    name = f"self-evaluation-receipt-{pid}-{side.value}.json"
    return private_file(found["receipt"], "application/json", name)


@router.post("/projects/{project_id}/self-evaluation")
def send(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.GROUP, Role.STAFF)
    pid = path_uuid(project_id, "project_not_found")
    ratings, achieved = ratings_posted(form), values_posted(form, "achieved")
    posted = {"ratings": ratings, "achieved": achieved, "summary_ja": text(form, "summary_ja")}
    unrated = [f"ratings.{n}.rating" for n, r in enumerate(ratings) if r["rating"] == ""]

    def command() -> None:
        body = validated(
            request,
            SelfEvaluationIn,
            posted,
            lambda: value_refusals(agreed_indicators(request, principal, pid), achieved, "achieved"),
        )
        application(request).self_evaluate(
            page_actor(request, principal),
            pid,
            [r.model_dump() for r in body.ratings],
            [v.model_dump() for v in body.achieved],
            body.summary_ja,
        )

    return act(
        request,
        command,
        again=lambda errors, status: self_evaluation_page(
            request, pid, errors=chosen(request, errors, unrated), posted=posted, status=status
        ),
        then=f"/evaluation/projects/{pid}/self-evaluation",
        notice="self_evaluation_sent",
    )
