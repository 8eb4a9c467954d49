"""`/center`: the center's programmes a coordinator runs — news, opinion exchange, trainings, surveys and the
coordination cases — each linking to its pages (`pages/workspaces.py`)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub.pages.workspaces import WORKSPACES
from kyodo_shared.domain.actors import Role
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router()


@router.get("/center")
def center(request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.COORDINATOR)
    held = {str(role) for role in principal.roles}
    programmes = [w for w in WORKSPACES if held.intersection(w.roles)]
    return render(request, "center/home.html", {"programmes": programmes})
