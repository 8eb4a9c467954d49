"""Request and response bodies of the registry's group routes (validated strictly: unknown fields are errors)."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, EmailStr, Field, field_validator

from kyodo_contracts.registry import Criterion, TieKind
from kyodo_registry.documents import MAX_BYTES, MEDIA_TYPES, Document
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.schemas import Strict

Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Sub = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")]


class Person(Strict):
    """Personal data of a representative or contact: kept inside the registry, encrypted, never published."""

    name: ShortText
    email: EmailStr
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9\-]{6,19}$")]


class Declaration(Strict):
    evidence: Text


class BylawsUpload(Strict):
    """The bylaws (会則) as a document: stored by the registry, identified in the history by its SHA-256."""

    filename: ShortText
    media_type: str = Field(description="application/pdf, text/plain or a .docx document.")
    content_base64: str = Field(min_length=1, max_length=MAX_BYTES * 4 // 3 + 4)

    @field_validator("media_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in MEDIA_TYPES:
            raise ValueError("unsupported media type")
        return value

    def document(self) -> Document:
        # Validated below: it decodes, within the size limit.
        return Document(self.filename, self.media_type, base64.b64decode(self.content_base64))

    @field_validator("content_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            content = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not valid base64") from None
        if not content or len(content) > MAX_BYTES:
            raise ValueError(f"the document must hold 1 to {MAX_BYTES} bytes")
        return value


class TieRequest(Strict):
    """A tie to another organization, for the register backing criterion 6."""

    kind: TieKind
    counterpart: ShortText
    description: Text


# A field of activity is a short label; "|" separates them in the search index.
FieldLabel = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^|]+$")]


class ProfileFields(Strict):
    name: ShortText
    purpose: Text
    fields_of_activity: Annotated[list[FieldLabel], Field(min_length=1, max_length=20)]
    area: ShortText
    founded: date | None = None
    members_count: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    website: AnyHttpUrl | None = None

    def profile(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "purpose": self.purpose,
            "fields_of_activity": list(self.fields_of_activity),
            "area": self.area,
            "founded": self.founded.isoformat() if self.founded else None,
            "members_count": self.members_count,
            "website": str(self.website) if self.website else None,
        }


class ApplicationRequest(ProfileFields):
    """An application for registration as a civic activity group (市民活動団体登録申請)."""

    representative: Person
    criteria: dict[Criterion, Declaration] = Field(description="Evidence for each of the six criteria.")
    bylaws: BylawsUpload
    ties: Annotated[list[TieRequest], Field(max_length=50, default_factory=list)]


class ReapplicationRequest(ProfileFields):
    criteria: dict[Criterion, Declaration]
    bylaws: BylawsUpload


class AssessmentRequest(Strict):
    criterion: Criterion
    met: bool
    reason: Text


class InformationRequest(Strict):
    criteria: Annotated[list[Criterion], Field(min_length=1, max_length=6)]
    question: Text


class InformationAnswer(Strict):
    answer: Text
    evidence: dict[Criterion, Declaration] = Field(default_factory=dict)


class RenewalRequest(Strict):
    """What the group re-confirms each year."""

    members_count: Annotated[int, Field(ge=1, le=1_000_000)]
    criteria_still_met: bool = Field(description="The group confirms the six criteria still hold.")
    bylaws_unchanged: bool = Field(description="False: file the new bylaws first (they re-open criteria 5 and 6).")
    note: Annotated[str, Field(max_length=2000)] = ""

    @field_validator("criteria_still_met", "bylaws_unchanged")
    @classmethod
    def _confirmed(cls, value: bool) -> bool:
        if not value:
            raise ValueError("must be confirmed")
        return value


class Reason(Strict):
    reason: Text


class ContactRequest(Person):
    sub: Sub


class HandoverProposal(Strict):
    new_representative_sub: Sub


class HandoverDecision(Person):
    new_representative_sub: Sub
    reason: Text


class AssessmentView(BaseModel):
    met: bool
    reason: str
    assessor_sub: str
    round: int


class TieView(BaseModel):
    tie_id: str
    kind: str
    counterpart: str
    description: str
    declared_on: str
    withdrawn: bool = False


class GroupView(BaseModel):
    id: UUID
    version: int
    status: str
    status_reason: str
    round: int
    profile: dict[str, Any]
    representative_sub: str
    representative: dict[str, str] | None = None
    representative_erased: bool = False
    contacts: dict[str, dict[str, str] | None] = {}
    declarations: dict[str, str]
    assessments: dict[str, AssessmentView]
    recheck: list[str]
    information_request: dict[str, Any] | None
    bylaws: dict[str, Any]
    ties: list[TieView]
    renewal_due: str | None
    handover_pending_for: str | None


class PublicGroupView(BaseModel):
    """What anyone may read: the public profile, status and declared ties (no personal data)."""

    id: UUID
    status: str
    status_reason: str
    profile: dict[str, Any]
    ties: list[TieView]
    renewal_due: str | None
    bylaws_sha256: str


class GroupSummary(BaseModel):
    id: str
    name: str
    status: str
    fields_of_activity: list[str]
    area: str
    renewal_due: str | None


class GroupPage(Page[GroupSummary]):
    """One page of groups (page/per_page, `total` over all pages, RFC 8288 `Link` for the others)."""
