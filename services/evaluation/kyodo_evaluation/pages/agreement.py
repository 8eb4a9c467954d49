"""The agreement form on a page of its own (`/evaluation/projects/{pid}/agreement`): a partner or the coordinator
puts a version of the agreement up for both partners to confirm, or proposes an amendment of the one in force. It
posts to the application method the API's PUT /projects/{pid}/agreement calls; the project page links here and
keeps the agreement, the version awaiting confirmation and its confirmation.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_evaluation.app import EvaluationApplication
from kyodo_evaluation.domain import Project
from kyodo_evaluation.pages.agreement_form import agreement_posted, agreement_shown
from kyodo_evaluation.pages.common import chosen, project_form_page, viewed
from kyodo_evaluation.routing import application
from kyodo_evaluation.schemas import AgreementDraft
from kyodo_evaluation.vocabulary import Status
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/evaluation")


def drafts_open(app: EvaluationApplication, project: Project) -> bool:
    """Whether a version may still be put up: the project is not over and the agreement's period has not ended."""
    in_force = project.agreement
    return project.status in (Status.DRAFTING, Status.ACTIVE) and (
        in_force is None or in_force["period_end"] >= app.today().isoformat()
    )


def agreement_page(
    request: Request,
    project_id: UUID,
    *,
    errors: FormErrors | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    app, who, project, side = viewed(request, project_id)
    in_force = project.agreement
    title = gettext(request, "Propose an amendment") if in_force else gettext(request, "Put a version up")
    context = {
        "title": title,
        "may_draft": side is not None or who.has(Role.COORDINATOR),
        "open_to_drafts": drafts_open(app, project),
        "amendment": in_force is not None,
        "values": posted["agreement"] if posted else agreement_shown(project),
        "reason": (posted or {}).get("reason") or "",
    }
    return project_form_page(request, "evaluation/ws_agreement_page.html", project, title, context, errors, status)


@router.get("/projects/{project_id}/agreement")
def agreement(project_id: str, request: Request) -> Response:
    return agreement_page(request, path_uuid(project_id, "project_not_found"))


@router.post("/projects/{project_id}/agreement")
def draft_agreement(project_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.GROUP, Role.STAFF, Role.COORDINATOR)
    pid = path_uuid(project_id, "project_not_found")
    posted = agreement_posted(form)
    indicators: list[dict[str, Any]] = posted["agreement"]["indicators"]
    unchosen = [f"agreement.indicators.{n}.value_type" for n, i in enumerate(indicators) if not i["value_type"]]

    def command() -> None:
        body = AgreementDraft.model_validate(posted)
        application(request).draft_agreement(
            page_actor(request, principal), seen_version(form), pid, body.agreement.agreement(), body.reason
        )

    return act(
        request,
        command,
        again=lambda errors, status: agreement_page(
            request, pid, errors=chosen(request, errors, unchosen), posted=posted, status=status
        ),
        then=f"/evaluation/projects/{pid}",
        notice="agreement_drafted",
    )
