"""What the proposals service's routes share: the application, the roles a route requires, and a call's view."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request, Response

from kyodo_proposals.app import ProposalsApplication
from kyodo_proposals.domain import Call
from kyodo_proposals.schemas import CallView, ScreeningDecisionView
from kyodo_proposals.screening_view import Decision
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


# Where info-hub shows a decision of the screening register.
REGISTER_HREF = "/api/info-hub/screening/register/{decision_id}"


def screening_decision_view(decision: Decision | None) -> ScreeningDecisionView | None:
    if decision is None:
        return None
    return ScreeningDecisionView(
        decision_id=UUID(decision.decision_id),
        project_number=decision.project_number,
        title=decision.title,
        department_id=UUID(decision.department_id),
        fiscal_year=decision.fiscal_year,
        outcome=decision.outcome,
        forms=list(decision.forms),
        superseded_by=UUID(decision.superseded_by) if decision.superseded_by else None,
        href=REGISTER_HREF.format(decision_id=decision.decision_id),
    )


def call_view(app: ProposalsApplication, call: Call) -> CallView:
    """The call with the screening decision it follows (read from the service's own view of screening)."""
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
        screening_decision=screening_decision_view(app.followed_decision(call)),
    )


def done(request: Request, response: Response, call: Call, status: int = 200) -> CallView:
    """The answer to a command on a call: its ETag and the call as a coordinator sees it."""
    answered(request, response, call.version, status)
    return call_view(application(request), call)
