"""What the proposals service's routes share: the application, the roles a route requires, and a call's view."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from kyodo_proposals.app import ProposalsApplication
from kyodo_proposals.domain import Call
from kyodo_proposals.schemas import CallView
from kyodo_shared.web.access import optional_principal, requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.routes import answered

Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
Reviewer = Annotated[Principal, Depends(requires(Role.REVIEWER))]
GroupRole = Annotated[Principal, Depends(requires(Role.GROUP))]
Anyone = Annotated[Principal | None, Depends(optional_principal)]


def application(request: Request) -> ProposalsApplication:
    app: ProposalsApplication = request.app.state.kernel.application
    return app


def call_view(call: Call) -> CallView:
    return CallView(
        id=call.id,
        version=call.version,
        status=call.status,
        status_reason=call.status_reason,
        rules=call.spec,
        board=call.board,
        chair_sub=call.chair_sub,
        vice_chair_sub=call.vice_chair_sub,
        seed_commitment=call.seed_commitment,
        published_at=call.published_at,
        closed_at=call.closed_at,
        amendments=call.amendments,
    )


def done(request: Request, response: Response, call: Call, status: int = 200) -> CallView:
    """The answer to a command on a call: its ETag and the call as a coordinator sees it."""
    answered(request, response, call.version, status)
    return call_view(call)
