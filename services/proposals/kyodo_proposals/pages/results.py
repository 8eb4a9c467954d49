"""A group's own results: `/proposals/calls/{cid}/my-results` — its scores per criterion under the published
labels, the reviewers' comments (which only the group reads) and the decision's reasons, through the API's
`own_results`. Before the results are published the page says so, and why, without reading anything sealed.
"""

from __future__ import annotations

from fractions import Fraction
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_proposals.domain import RESULTS_PUBLISHED, highest_score
from kyodo_proposals.pages import reads
from kyodo_proposals.pages.common import call_uuid, calls_crumbs, choose_group, deadline_of, title_of
from kyodo_proposals.routing import application
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/proposals")


@router.get("/calls/{call_id}/my-results")
def my_results(call_id: str, request: Request) -> Response:
    principal = signed_in(request, Role.GROUP)
    cid = call_uuid(call_id)
    app = application(request)
    call = app.read_call(principal, cid)
    group = reads.acting_group(app, principal.sub, request.query_params.get("group"))
    if group is None:
        return choose_group(request, app, gettext(request, "Our results"), request.url.path)
    published = call.status == RESULTS_PUBLISHED
    # Only once published: before, nothing of the group's proposal or the review is read at all.
    mine = None
    if published:
        try:
            mine = app.own_results(principal, cid, UUID(group.group_id))
        except Refusal as refusal:
            if refusal.code != "proposal_not_found":
                raise  # the group acts for itself here (`acting_group`): nothing else is expected
    none_submitted = published and mine is None
    # Each comment with the letter its scores carry in the table (only for a proposal that was reviewed).
    comments = []
    if mine is not None and mine.get("outcome") == "ranked":
        comments = [(letter, said) for letter, said in app.labelled_comments(cid, str(mine["proposal_id"])) if said]
    context = {
        "call": call,
        "call_id": str(cid),
        "spec": call.spec,
        "deadline": deadline_of(call.spec).astimezone(TOKYO),
        "group": group,
        "published": published,
        "mine": mine,
        "none_submitted": none_submitted,
        "comments": comments,
        "criteria": list(call.spec["criteria"]),
        # A score means little without the rule it is judged by: shown beside it as the call published them.
        "passing_score": Fraction(str(call.spec["passing_score"])),
        "maximum_score": highest_score(list(call.spec["criteria"]), str(call.spec["formula"])),
        "selects": int(call.spec["select"]),
        "breadcrumbs": calls_crumbs(
            request,
            (f"/proposals/calls/{cid}/proposal?group={group.group_id}", title_of(request, call.spec)),
            (request.url.path, gettext(request, "Our results")),
        ),
    }
    return render(request, "proposals/my_results.html", context)
