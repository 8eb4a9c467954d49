"""Request and response bodies of the coordination window's routes (strict: unknown fields are errors)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator

from kyodo_info_hub.cases import LinkKind, Outcome, RaiserKind, Urgency
from kyodo_shared.domain.text import normalize
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.problems import rule_error
from kyodo_shared.web.schemas import Strict

Text = Annotated[str, Field(min_length=1, max_length=4000)]
Short = Annotated[str, Field(min_length=1, max_length=100)]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class ContactIn(Strict):
    """A citizen's contact details: sealed under a key of their own, read by the center only."""

    name: Short
    email: EmailStr | None = None
    phone: Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[0-9+\-() ]+$")] | None = None


class CaseIn(Strict):
    raiser: RaiserKind = Field(description="group (names group_id), department (names department_id) or citizen.")
    group_id: UUID | None = None
    department_id: UUID | None = None
    problem_ja: Text = Field(description="The problem (相談内容), in Japanese.")
    problem_en: Text | None = None
    fields_of_activity: Annotated[list[Short], Field(min_length=1, max_length=10)] = Field(
        description="Fields of activity (活動分野) as the registry writes them; matched Japanese-normalized."
    )
    area: Annotated[str, Field(max_length=100)] = Field(default="", description="The area (地域), e.g. 本町.")
    urgency: Urgency = Urgency.NORMAL
    contact: ContactIn | None = Field(default=None, description="A citizen's contact details (the center only).")

    @field_validator("fields_of_activity")
    @classmethod
    def _each_field_once(cls, fields: list[str]) -> list[str]:
        """A field written twice (or as another spelling of the same, Japanese-normalized) is kept once."""
        seen: set[str] = set()
        kept = []
        for name in fields:
            key = normalize(name)
            if key not in seen:
                seen.add(key)
                kept.append(name)
        return kept

    @model_validator(mode="after")
    def _names_its_party(self) -> Self:
        if self.raiser is RaiserKind.CITIZEN:
            if self.group_id or self.department_id:
                field = "group_id" if self.group_id else "department_id"
                raise rule_error(
                    "citizen_names_no_party",
                    "市民からの相談に団体・部署は指定できません",
                    "A citizen's case names no group or department",
                    field,
                )
            return self
        wanted = "group_id" if self.raiser is RaiserKind.GROUP else "department_id"
        other = "department_id" if wanted == "group_id" else "group_id"
        if getattr(self, wanted) is None or getattr(self, other) is not None:
            raise rule_error(
                "raiser_id_required",
                "団体からの相談は group_id、部署からの相談は department_id だけを指定してください",
                "A group's case names group_id only, a department's department_id only",
                wanted if getattr(self, wanted) is None else other,
            )
        return self


class RoutingIn(Strict):
    department_ids: Annotated[list[UUID], Field(min_length=1, max_length=20)]


class InvitationIn(Strict):
    group_ids: Annotated[list[UUID], Field(min_length=1, max_length=50)]


class LinkIn(Strict):
    kind: LinkKind = Field(description="call (募集) or proposal (提案).")
    target_id: UUID


class ClosureIn(Strict):
    outcome: Outcome = Field(description="resolved (解決), referred (紹介), not_feasible (対応困難).")
    reason_ja: Text
    reason_en: Text | None = None


class CaseView(BaseModel):
    id: UUID
    version: int
    raiser_kind: str
    raiser_id: str | None
    raised_by: str | None = Field(description="Who raised it (the center's and auditors' view).")
    on_behalf: bool
    problem_ja: str
    problem_en: str | None
    fields_of_activity: list[str]
    area: str
    urgency: str
    raised_at: str
    status: Literal["open", "closed"]
    routings: list[dict[str, Any]]
    suggestions: list[dict[str, Any]]
    invited: list[dict[str, str]]
    links: list[dict[str, str]]
    closing: dict[str, Any] | None
    contact: dict[str, Any] | None = Field(default=None, description="A citizen's contact: the center only.")
    contact_erased: bool = False


class HistoryEntry(BaseModel):
    """One event of the case: its position, time and kind (Raised, Routed, …), and what it shows of it."""

    model_config = {"extra": "allow"}

    position: int
    at: str
    kind: str


class HistoryPage(BaseModel):
    items: list[HistoryEntry]


class CaseSummary(BaseModel):
    case_id: str
    raiser_kind: str
    raiser_id: str | None
    urgency: str
    status: str
    outcome: str | None
    area: str
    fields_of_activity: list[str]
    problem_ja: str
    raised_at: str
    departments: list[str] | None = Field(description="Routed departments (null for an invited group's people).")
    awaiting_acknowledgement: int | None
    overdue: int | None
    version: int


class CasePage(Page[CaseSummary]):
    pass


class FiguresView(BaseModel):
    model_config = {"extra": "allow"}

    month: str
    published_at: str


class FiguresPage(Page[FiguresView]):
    pass
