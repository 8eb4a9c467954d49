"""What the registry's group routes share: the application, the roles a route requires, and the views."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from kyodo_registry.app import RegistryApplication
from kyodo_registry.domain import Group
from kyodo_registry.queries import GroupRecord
from kyodo_registry.schemas import AssessmentView, GroupView, PublicGroupView, TieView
from kyodo_shared.web.access import optional_principal, requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.routes import answered

GroupRole = Annotated[Principal, Depends(requires(Role.GROUP))]
CoordinatorRole = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
GroupOrCoordinator = Annotated[Principal, Depends(requires(Role.GROUP, Role.COORDINATOR))]
Anyone = Annotated[Principal | None, Depends(optional_principal)]


def application(request: Request) -> RegistryApplication:
    app: RegistryApplication = request.app.state.kernel.application
    return app


def done(request: Request, response: Response, group: Group, status: int = 200) -> GroupView:
    """The answer to a command on a group: the full record (the caller acts for it or decides on it)."""
    answered(request, response, group.version, status)
    return view(application(request).full_record(group))


def _ties(group: Group) -> list[TieView]:
    return [TieView(**{k: v for k, v in t.items() if k in TieView.model_fields}) for t in group.ties.values()]


def view(record: GroupRecord) -> GroupView:
    """The full record, for the group's own people and coordinators (personal data decrypted)."""
    group = record.group
    return GroupView(
        id=group.id,
        version=group.version,
        status=group.status,
        status_reason=group.status_reason,
        round=group.round,
        profile=group.profile,
        representative_sub=group.representative_sub,
        representative=record.representative,
        representative_erased=record.representative is None,
        contacts=record.contacts or {},
        declarations=group.declarations,
        assessments={k: AssessmentView(**vars(v)) for k, v in group.assessments.items()},
        recheck=group.recheck,
        information_request=group.information_request,
        bylaws=group.bylaws,
        ties=_ties(group),
        renewal_due=group.renewal_due,
        handover_pending_for=group.handover.new_sub if group.handover else None,
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
