"""Proposals HTTP routes for a group's sealed proposal: submit, revise, withdraw, read its own, and its receipt.
Each route parses, calls one method of the application, and renders what that method returned.

Before the deadline nobody but the group's own people learns anything: to everyone else a proposal that exists
answers exactly as one that does not (404). The application decides that before it touches the store.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from uuid import UUID

from fastapi import Request, Response
from pydantic import BaseModel, Field, field_validator

from kyodo_proposals.routing import GroupRole, application
from kyodo_proposals.submissions import Attachment, OwnProposal
from kyodo_shared.audit.jcs import canonicalize
from kyodo_shared.web.routes import actor_of, answered, etag_of, expected_version, service_router
from kyodo_shared.web.schemas import Strict

router = service_router(prefix="/calls/{call_id}/proposals", tags=["proposals"])
MEDIA_TYPES = frozenset({"application/pdf", "text/plain", "image/png", "image/jpeg"})
MAX_ATTACHMENT_BYTES = 128 * 1024


class BudgetLine(Strict):
    item: Annotated[str, Field(min_length=1, max_length=200)]
    amount_yen: Annotated[int, Field(ge=0, le=1_000_000_000)]


class Milestone(Strict):
    period: Annotated[str, Field(min_length=1, max_length=100)]
    activity: Annotated[str, Field(min_length=1, max_length=500)]


class TeamRole(Strict):
    role: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(min_length=1, max_length=500)]


class Content(Strict):
    """The proposal (提案書): what the board scores once the call has closed."""

    summary: Annotated[str, Field(min_length=1, max_length=2000)]
    plan: Annotated[str, Field(min_length=1, max_length=8000)]
    budget: Annotated[list[BudgetLine], Field(max_length=100)]
    schedule: Annotated[list[Milestone], Field(max_length=100)]
    team: Annotated[list[TeamRole], Field(max_length=50)]


class AttachmentIn(Strict):
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    media_type: str
    content_base64: str

    @field_validator("media_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MEDIA_TYPES:
            raise ValueError("unsupported media type")
        return value

    @field_validator("content_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            content = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not valid base64") from None
        if not content or len(content) > MAX_ATTACHMENT_BYTES:
            raise ValueError(f"an attachment holds 1 to {MAX_ATTACHMENT_BYTES} bytes")
        return value

    def attachment(self) -> Attachment:
        return Attachment(self.filename, self.media_type, base64.b64decode(self.content_base64))


class Submission(Strict):
    content: Content
    attachments: Annotated[list[AttachmentIn], Field(max_length=5, default_factory=list)]


class NewSubmission(Submission):
    group_id: UUID


class ProposalView(BaseModel):
    group_id: UUID
    version: int
    withdrawn: bool
    content: dict[str, Any]
    attachments: list[dict[str, Any]]
    receipt: dict[str, Any] = Field(description="Signed receipt: check offline with `kyodo receipt verify`.")


def _content(body: Submission) -> dict[str, Any]:
    content = body.content.model_dump(mode="json")
    canonicalize(content)  # refuse now what could not be hashed the same way later
    return content


def _view(group_id: UUID, own: OwnProposal) -> ProposalView:
    return ProposalView(
        group_id=group_id,
        receipt=own.receipt.body() | {"signature": own.receipt.signature},
        **{k: v for k, v in vars(own).items() if k != "receipt"},
    )


def _done(request: Request, response: Response, group_id: UUID, own: OwnProposal, status: int = 200) -> ProposalView:
    answered(request, response, own.version, status)
    return _view(group_id, own)


@router.post("", status_code=201, response_model=ProposalView, summary="Submit a sealed proposal (提案書の提出)")
def submit(call_id: UUID, body: NewSubmission, request: Request, response: Response, principal: GroupRole) -> Any:
    own = application(request).submit(
        actor_of(request, principal), call_id, body.group_id, _content(body), [a.attachment() for a in body.attachments]
    )
    response.headers["Location"] = f"proposals/{body.group_id}"
    return _done(request, response, body.group_id, own, 201)


@router.put("/{group_id}", response_model=ProposalView, summary="Revise (or resubmit after withdrawing): new receipt")
def revise(
    call_id: UUID, group_id: UUID, body: Submission, request: Request, response: Response, principal: GroupRole
) -> Any:
    own = application(request).revise(
        actor_of(request, principal),
        expected_version(request),
        call_id,
        group_id,
        _content(body),
        [a.attachment() for a in body.attachments],
    )
    return _done(request, response, group_id, own)


@router.post("/{group_id}/withdrawal", response_model=ProposalView, summary="Withdraw before the deadline")
def withdraw(call_id: UUID, group_id: UUID, request: Request, response: Response, principal: GroupRole) -> Any:
    own = application(request).withdraw(actor_of(request, principal), expected_version(request), call_id, group_id)
    return _done(request, response, group_id, own)


@router.get("/{group_id}", response_model=ProposalView, summary="The group's own proposal (its people only)")
def own(call_id: UUID, group_id: UUID, request: Request, response: Response, principal: GroupRole) -> Any:
    proposal = application(request).own_proposal(principal, call_id, group_id)
    response.headers["ETag"] = etag_of(proposal.version)
    return _view(group_id, proposal)
