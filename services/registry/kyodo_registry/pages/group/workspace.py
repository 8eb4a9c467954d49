"""The group's own page (`/registry/groups/{gid}`): its status and the reason, the six criteria with the evidence
given and where their assessment stands, an open request for information, the renewal due date, a handover
waiting for confirmation, and the actions — each one the viewer cannot take now shown disabled with the reason.

What is available is read off the state the page already has, with the same rules the domain applies (statuses,
the renewal window, who is the representative); the service still refuses a forced post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_registry.app_base import RENEWAL_WINDOW_DAYS
from kyodo_registry.domain import CRITERIA, Group
from kyodo_registry.pages.group.bylaws_file import bylaws_file_url
from kyodo_registry.pages.group.common import crumbs, group_id_of, group_member, own_record
from kyodo_registry.routing import application
from kyodo_registry.vocabulary import DISSOLVED, INFORMATION_REQUESTED, LAPSED, LIVE, REGISTERED, REJECTED, UNDER_REVIEW
from kyodo_shared.pages.format import format_date
from kyodo_shared.pages.i18n import gettext, negotiate
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router(prefix="/registry")


@dataclass(frozen=True)
class Action:
    key: str  # the id of the reason's text, and the last part of the form's URL
    label: str
    href: str
    reason: str = ""  # why it cannot be taken now; "" when it can


@dataclass(frozen=True)
class CriterionRow:
    key: str
    evidence: str
    state: str
    reason: str = ""


def criterion_rows(request: Request, group: Group) -> list[CriterionRow]:
    asked = set((group.information_request or {}).get("criteria") or ())
    rows = []
    for criterion in CRITERIA:
        key = str(criterion)
        assessment = group.assessments.get(key)
        reason = ""
        if assessment is not None:
            state = gettext(request, "Met") if assessment.met else gettext(request, "Not met")
            reason = assessment.reason
        elif key in group.recheck:
            state = gettext(request, "Re-check open")
        elif key in asked:
            state = gettext(request, "Information requested")
        elif group.status in (UNDER_REVIEW, INFORMATION_REQUESTED):
            state = gettext(request, "Not assessed yet")
        else:
            state = gettext(request, "Not assessed in this round")
        rows.append(CriterionRow(key, group.declarations.get(key, ""), state, reason))
    return rows


def renewal_reason(request: Request, group: Group, today: date) -> str:
    """Why the group cannot renew today ("" when it can): the domain's rule (registered within the window before
    the due date, or lapsed) in words."""
    if group.status == LAPSED:
        return ""
    if group.status != REGISTERED:
        return gettext(request, "Only a registered group renews (or one whose registration lapsed).")
    if group.renewal_due is None:
        return ""
    opens = date.fromisoformat(group.renewal_due) - timedelta(days=RENEWAL_WINDOW_DAYS)
    if today < opens:
        day = format_date(opens, negotiate(request))
        return gettext(request, "Renewal opens on %(day)s, 90 days before the due date.") % {"day": day}
    return ""


def actions(request: Request, group: Group, viewer: str, today: date) -> list[Action]:
    base = f"/registry/groups/{group.id}"
    live = group.status in LIVE
    closed = "" if live else gettext(request, "Not possible once the group is rejected or dissolved.")
    only_representative = (
        "" if viewer == group.representative_sub else gettext(request, "Only the representative may do this.")
    )
    return [
        Action(
            "information",
            gettext(request, "Answer the request for information"),
            f"{base}/information",
            "" if group.information_request else gettext(request, "The center has not asked for information."),
        ),
        Action(
            "reapplication",
            gettext(request, "Apply again"),
            f"{base}/reapplication",
            "" if group.status == REJECTED else gettext(request, "Only after the application was rejected."),
        ),
        Action(
            "renewal",
            gettext(request, "Renew the registration"),
            f"{base}/renewal",
            renewal_reason(request, group, today),
        ),
        Action("profile", gettext(request, "Update the profile"), f"{base}/profile", closed),
        Action("bylaws", gettext(request, "File changed bylaws"), f"{base}/bylaws", closed),
        Action("ties", gettext(request, "Declare or end ties"), f"{base}/ties", closed),
        Action(
            "contacts", gettext(request, "Add or remove contacts"), f"{base}/contacts", closed or only_representative
        ),
        Action(
            "handover",
            gettext(request, "Hand over to a new representative"),
            f"{base}/handover",
            closed or only_representative,
        ),
        Action(
            "dissolution",
            gettext(request, "Record the group's dissolution"),
            f"{base}/dissolution",
            (gettext(request, "The group is already dissolved.") if group.status == DISSOLVED else only_representative),
        ),
    ]


@router.get("/groups/{group_id}")
def workspace(group_id: str, request: Request) -> HTMLResponse:
    principal = group_member(request)
    record = own_record(request, principal, group_id_of(group_id))
    group = record.group
    today = application(request).today()
    context = {
        "group": group,
        "record": record,
        "viewer_sub": principal.sub,
        "renewal_due": date.fromisoformat(group.renewal_due) if group.renewal_due else None,
        "criteria": criterion_rows(request, group),
        "actions": actions(request, group, principal.sub, today),
        "ties": [t for t in group.ties.values() if not t.get("withdrawn")],
        "bylaws_url": bylaws_file_url(group.id),
        "breadcrumbs": crumbs(request, None, str(group.profile["name"])),
    }
    return render(request, "registry/group_workspace.html", context)
