"""A group's sealed proposal: `/proposals/calls/{cid}/proposal` (submit, revise, withdraw before the deadline; the
signed receipt after each) and `/proposals/calls/{cid}/proposal/receipt` (the receipt as a JSON file to keep and
check offline with `kyodo receipt verify`).

Sealing is a fairness rule: the proposal is read only through the API's `own_proposal`, which answers the group's
representative and contacts alone; anyone else gets the API's 404, whether or not the group submitted.
`?group=` names the group when the viewer acts for several.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_proposals.api_proposals import MAX_ATTACHMENT_BYTES, NewSubmission, Submission
from kyodo_proposals.domain import PUBLISHED, RESULTS_PUBLISHED
from kyodo_proposals.pages import reads
from kyodo_proposals.pages.common import (
    call_uuid,
    calls_crumbs,
    choose_group,
    deadline_of,
    flat,
    posted,
    row_count,
    rows,
    title_of,
    unconfirmed,
)
from kyodo_proposals.pages.labels import in_page_order, summary_labels
from kyodo_proposals.routing import application
from kyodo_proposals.submissions import OwnProposal
from kyodo_shared.audit.jcs import canonicalize
from kyodo_shared.domain.actors import Principal
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, upload
from kyodo_shared.pages.downloads import private_file
from kyodo_shared.pages.forms import FieldError, FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

router = page_router(prefix="/proposals")
ATTACHMENT_INPUTS = 3
# The proposal form's own body limit (the pages' default is smaller than three attachments): each file up to the
# API's limit, and room for the text fields and the multipart framing. A larger file within it is refused beside
# its input by the API's model, with the form kept.
PROPOSAL_FORM_PATH = r"^/proposals/calls/[^/]+/proposal$"
PROPOSAL_FORM_BYTES = ATTACHMENT_INPUTS * MAX_ATTACHMENT_BYTES + 256 * 1024
_ROWS = {"budget": ("item", "amount_yen"), "schedule": ("period", "activity"), "team": ("role", "description")}


def own_or_none(principal: Principal, request: Request, call_id: UUID, group_id: str) -> OwnProposal | None:
    try:
        return application(request).own_proposal(principal, call_id, UUID(group_id))
    except Refusal as refusal:
        if refusal.code != "proposal_not_found":
            raise
        return None


def _content_values(own: OwnProposal | None) -> dict[str, str]:
    if own is None:
        return {}
    content = own.content
    values = {"content.summary": str(content.get("summary", "")), "content.plan": str(content.get("plan", ""))}
    for name in _ROWS:
        flat(values, f"content.{name}", list(content.get(name) or []))
    return values


# An attachment's errors in words about the file chosen (the API's model names its JSON members).
_ATTACHMENT_REASONS = {
    "media_type": N_("Choose a PDF, text, PNG or JPEG file."),
    "content_base64": N_("Choose a file of up to 128 KB."),
}


def _attachment_errors(request: Request, errors: FormErrors, form: FormData | None) -> FormErrors:
    """An attachment's error (`attachments.0.media_type`, the n-th file sent) beside the file input it was chosen
    in (`attachments.2` when only the third input had a file)."""
    chosen = [n for n in range(ATTACHMENT_INPUTS) if form is not None and upload(form, f"attachments.{n}")]
    items = []
    for item in errors.items:
        parts = item.field.split(".")
        attachment = parts[0] == "attachments" and len(parts) > 2 and parts[1].isdigit()
        named = item.field
        if attachment:
            sent = int(parts[1])
            named = f"attachments.{chosen[sent] if sent < len(chosen) else sent}"
        reason = (
            gettext(request, _ATTACHMENT_REASONS[parts[2]])
            if attachment and parts[2] in _ATTACHMENT_REASONS
            else item.reason
        )
        items.append(FieldError(named, item.code, reason))
    by_id: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.id is not None:
            by_id[item.id] = (*by_id.get(item.id, ()), item.reason)
    return FormErrors(errors.title, errors.detail, tuple(items), by_id)


def proposal_page(
    request: Request,
    call_id: UUID,
    form: FormData | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
    group_id: str | None = None,
) -> Response:
    """The page; after a refused post, the form as sent (`form`) with its errors, for the group it named."""
    principal = signed_in(request, Role.GROUP)
    app = application(request)
    call = app.read_call(principal, call_id)
    wanted = group_id or (text(form, "group_id") if form is not None else request.query_params.get("group"))
    group = reads.acting_group(app, principal.sub, wanted)
    if group is None:
        return choose_group(request, app, title_of(request, call.spec), request.url.path)
    own = own_or_none(principal, request, call_id, group.group_id)
    deadline = deadline_of(call.spec).astimezone(TOKYO)
    values = posted(form) if form is not None else _content_values(own)
    shown_errors = in_page_order(None if errors is None else _attachment_errors(request, errors, form))
    context = {
        "call": call,
        "call_id": str(call_id),
        "spec": call.spec,
        "deadline": deadline,
        "group": group,
        "own": own,
        "receipt": None if own is None else own.receipt.body() | {"signature": own.receipt.signature},
        "received_at": None if own is None else datetime.fromisoformat(own.receipt.received_at),
        "taking": call.status == PUBLISHED and app.clock() < deadline,
        "eligible": group.status == "registered",
        "decided": call.status == RESULTS_PUBLISHED,
        "values": values,
        "errors": shown_errors,
        "labels": summary_labels(request, shown_errors),
        # Blank rows to fill: a budget usually has a few lines.
        "rows": {name: row_count(values, f"content.{name}", 3 if name == "budget" else 2, 100) for name in _ROWS},
        "attachment_inputs": [f"attachments.{n}" for n in range(ATTACHMENT_INPUTS)],
        "query": f"?group={group.group_id}",
        "breadcrumbs": calls_crumbs(request, (request.url.path, title_of(request, call.spec))),
    }
    return render(request, "proposals/proposal.html", context, status=status)


@router.get("/calls/{call_id}/proposal")
def proposal(call_id: str, request: Request) -> Response:
    return proposal_page(request, call_uuid(call_id))


def _attachments(form: FormData) -> list[dict[str, str]]:
    found = []
    for n in range(ATTACHMENT_INPUTS):
        chosen = upload(form, f"attachments.{n}")
        if chosen is None:
            continue
        content = chosen.file.read()
        found.append(
            {
                "filename": chosen.filename or "",
                "media_type": chosen.content_type or "",
                "content_base64": base64.b64encode(content).decode(),
            }
        )
    return found


def submission(form: FormData) -> dict[str, Any]:
    """The submit / revise request body: `content` from the form's rows, attachments from its file inputs."""
    content: dict[str, Any] = {name: text(form, f"content.{name}") for name in ("summary", "plan")}
    content = {k: v for k, v in content.items() if v}
    for name, fields in _ROWS.items():
        content[name] = rows(form, f"content.{name}", fields)
    return {"content": content, "attachments": _attachments(form)}


def _sealed(model: Submission) -> dict[str, Any]:
    content = model.content.model_dump(mode="json")
    canonicalize(content)  # as the API: refuse now what could not be hashed the same way later
    return content


@router.post("/calls/{call_id}/proposal")
def file_proposal(call_id: str, request: Request, form: Form) -> Response:
    """A first submission (no version shown yet) or a revision of the version the page showed."""
    principal = signed_in(request, Role.GROUP)
    cid = call_uuid(call_id)
    group_id = text(form, "group_id")
    revising = bool(text(form, "version"))

    def command() -> None:
        app, actor, body = application(request), page_actor(request, principal), submission(form)
        if revising:
            revised = Submission.model_validate(body)
            files = [a.attachment() for a in revised.attachments]
            app.revise(actor, seen_version(form), cid, UUID(group_id), _sealed(revised), files)
        else:
            new = NewSubmission.model_validate({**body, "group_id": group_id})
            app.submit(actor, cid, new.group_id, _sealed(new), [a.attachment() for a in new.attachments])

    return act(
        request,
        command,
        again=lambda errors, status: proposal_page(request, cid, form, errors, status),
        then=f"/proposals/calls/{cid}/proposal?group={_safe(group_id)}",
        notice="proposal_revised" if revising else "proposal_submitted",
    )


def _safe(group_id: str) -> str:
    try:
        return str(UUID(group_id))
    except ValueError:
        return ""


@router.post("/calls/{call_id}/proposal/withdrawal")
def withdraw(call_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.GROUP)
    cid = call_uuid(call_id)
    group_id = _safe(text(form, "group_id"))
    if not group_id:
        raise Refusal("proposal_not_found")
    refused = unconfirmed(request, form)
    if refused is not None:
        return proposal_page(request, cid, None, refused, 422, group_id)
    return act(
        request,
        lambda: application(request).withdraw(page_actor(request, principal), seen_version(form), cid, UUID(group_id)),
        again=lambda errors, status: proposal_page(request, cid, None, errors, status, group_id),
        then=f"/proposals/calls/{cid}/proposal?group={group_id}",
        notice="proposal_withdrawn",
    )


@router.get("/calls/{call_id}/proposal/receipt")
def receipt(call_id: str, request: Request) -> Response:
    """The receipt object exactly as the API's answer carries it, as a file to keep."""
    principal = signed_in(request, Role.GROUP)
    cid = call_uuid(call_id)
    group = reads.acting_group(application(request), principal.sub, request.query_params.get("group"))
    if group is None:
        raise Refusal("proposal_not_found")  # the proposal page asks which group first
    own = application(request).own_proposal(principal, cid, UUID(group.group_id))
    body = own.receipt.body() | {"signature": own.receipt.signature}
    name = f"receipt-{cid}-{group.group_id}-v{own.receipt.proposal_version}.json"
    return private_file(json.dumps(body, ensure_ascii=False, indent=2) + "\n", "application/json", name)
