"""Shared pieces of the registry's group routes: the application, trace data, views, refusals, and who may act."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request, Response

from kyodo_registry.app import RegistryApplication
from kyodo_registry.domain import Group
from kyodo_registry.errors import refuse
from kyodo_registry.schemas import AssessmentView, GroupView, PublicGroupView, TieView
from kyodo_shared.domain.refusals import run_refusing as run
from kyodo_shared.web.app import etag_of, require_if_match
from kyodo_shared.web.app import trace_of as trace
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.problems import Problem

__all__ = ["run", "trace"]


def application(request: Request) -> RegistryApplication:
    app: RegistryApplication = request.app.state.kernel.application
    return app


async def load_for_update(request: Request, group_id: UUID) -> Group:
    group = await run(application(request).get_group, group_id)
    require_if_match(request, group.version)
    return group


def require_acting(group: Group, principal: Principal) -> None:
    """Representatives and contacts act only for their own group: decided from the registry's data."""
    if not group.acts_for(principal.sub):
        raise refuse("not_acting_for_group").problem()


def require_representative(group: Group, principal: Principal) -> None:
    if principal.sub != group.representative_sub:
        raise refuse("not_representative").problem()


def require_no_interest(request: Request, group: Group, principal: Principal) -> None:
    """Nobody assesses a group they belong to or declared an interest in."""
    belongs = group.acts_for(principal.sub)
    if belongs or application(request).declared_interest(principal.sub, group.id):
        raise Problem(
            403,
            "conflict_of_interest",
            "利害関係があるため審査できません",
            "Conflict of interest",
            detail_ja="自らが所属する団体、または利害関係を申告した団体は審査できません。",
            detail_en="You cannot assess a group you belong to or declared an interest in.",
        )


def done(request: Request, response: Response, group: Group, status: int = 200) -> GroupView:
    request.app.state.kernel.nudge()
    response.headers["ETag"] = etag_of(group.version)
    response.status_code = status
    return view(group, application(request))


def _ties(group: Group) -> list[TieView]:
    return [TieView(**{k: v for k, v in t.items() if k in TieView.model_fields}) for t in group.ties.values()]


def view(group: Group, app: RegistryApplication) -> GroupView:
    """The full record, for the group's own people and coordinators (personal data decrypted)."""
    representative = app.representative_of(group)
    return GroupView(
        id=group.id,
        version=group.version,
        status=group.status,
        status_reason=group.status_reason,
        round=group.round,
        profile=group.profile,
        representative_sub=group.representative_sub,
        representative=representative,
        representative_erased=representative is None,
        contacts={sub: app.personal_data(sealed) for sub, sealed in group.contacts.items()},
        declarations=group.declarations,
        assessments={k: AssessmentView(**v) for k, v in group.assessments.items()},
        recheck=group.recheck,
        information_request=group.information_request,
        bylaws=group.bylaws,
        ties=_ties(group),
        renewal_due=group.renewal_due,
        handover_pending_for=group.handover["new_sub"] if group.handover else None,
    )


def public_view(group: Group) -> PublicGroupView:
    return PublicGroupView(
        id=group.id,
        status=group.status,
        status_reason=group.status_reason,
        profile=group.profile,
        ties=_ties(group),
        renewal_due=group.renewal_due,
        bylaws_sha256=str(group.bylaws.get("sha256", "")),
    )


def is_staff_reader(principal: Principal | None) -> bool:
    return principal is not None and (principal.has(Role.COORDINATOR) or principal.has(Role.AUDITOR))
