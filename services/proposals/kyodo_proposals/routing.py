"""What the proposals service's routes share: the application, the roles a route requires, and a call's view."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request, Response

from kyodo_proposals.app import ProposalsApplication
from kyodo_proposals.domain import Call
from kyodo_proposals.schemas import CallView, ScreeningDecisionView
from kyodo_proposals.screening_view import Decision
from kyodo_shared.store.aggregates import find
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


class Unread:
    """`call_view`'s default: the decision is read with the call (a query), not handed in by a command."""


UNREAD = Unread()

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


def call_view(app: ProposalsApplication, call: Call, decision: Decision | Unread | None = UNREAD) -> CallView:
    """The call with the screening decision it follows (read from the service's own view of screening, unless a
    command read it before its save: `followed`)."""
    followed_decision = app.followed_decision(call) if isinstance(decision, Unread) else decision
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
        screening_decision=screening_decision_view(followed_decision),
    )


def followed(request: Request, *, spec: dict[str, Any] | None = None, call_id: UUID | None = None) -> Decision | None:
    """The screening decision a call follows (by the command's `spec`, else the call's own), read before the
    command's save: the answer then needs nothing from the store after the commit (a store lost then would answer 503
    for a command that was written, and a client retrying a 503 trusts that nothing was). Amendments never change
    it. A call not found: none (the command answers its 404)."""
    app = application(request)
    if spec is None:
        found = find(app.repository, call_id, Call) if call_id is not None else None
        spec = found.spec if found is not None else {}
    decision_id = spec.get("screening_decision_id")
    return app.screening.decision(str(decision_id)) if decision_id else None


def done(request: Request, response: Response, call: Call, decision: Decision | None, status: int = 200) -> CallView:
    """The answer to a command on a call: its ETag and the call as a coordinator sees it, with the decision it
    follows as read before the save (`followed`)."""
    answered(request, response, call.version, status)
    return call_view(application(request), call, decision)
