"""Evaluation HTTP routes for adoptions that named no department (calls drafted without one): the coordinator
lists them and names each one's partnering department, and the project follows."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request, Response

from kyodo_evaluation.routing import Coordinator, application, project_view
from kyodo_evaluation.schemas import NamedDepartment, ProjectView
from kyodo_shared.web.routes import actor_of, answered, service_router

router = service_router(prefix="/adoptions", tags=["adoptions"])


@router.get("", summary="Adoptions whose project waits for its department to be named (oldest first)")
def awaiting(request: Request, principal: Coordinator) -> Any:
    return {"items": application(request).adoptions_awaiting_department(actor_of(request, principal))}


@router.post(
    "/{proposal_id}/project",
    status_code=201,
    response_model=ProjectView,
    summary="Name the partnering department of an adoption that named none: its project is created",
)
def name_department(
    proposal_id: UUID, body: NamedDepartment, request: Request, response: Response, principal: Coordinator
) -> Any:
    project = application(request).name_department(actor_of(request, principal), proposal_id, body.department_id)
    # Relative to /adoptions/{proposal}/project: the project lives at /projects/{id}.
    response.headers["Location"] = f"../../projects/{project.id}"
    answered(request, response, project.version, 201)
    return project_view(project)
