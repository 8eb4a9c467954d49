"""What the trainings' routes share: the application, who may call, and the actor of an optional caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kyodo_info_hub.trainings_app import TrainingCommands
from kyodo_shared.domain.actors import Actor
from kyodo_shared.web.access import optional_principal, requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.routes import actor_of

Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
# A group's representative or contact, or a member of staff: registering with their login.
Registrant = Annotated[Principal, Depends(requires(Role.GROUP, Role.STAFF))]
# Public routes: anyone; a token, when sent, must be valid (a coordinator sees drafts).
Anyone = Annotated[Principal | None, Depends(optional_principal)]


def application(request: Request) -> TrainingCommands:
    app: TrainingCommands = request.app.state.kernel.application
    return app


def maybe_actor(request: Request, principal: Principal | None) -> Actor | None:
    return actor_of(request, principal) if principal is not None else None
