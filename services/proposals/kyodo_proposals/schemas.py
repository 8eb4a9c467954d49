"""Request and response bodies of the proposals service's call routes (strict: unknown fields are errors)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from fractions import Fraction
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from kyodo_contracts.proposals import CallKind, Formula, TieRule
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.schemas import Strict

Text = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]


class CriterionIn(Strict):
    key: Key
    name_ja: ShortText
    name_en: ShortText | None = None
    weight: Annotated[int, Field(ge=1, le=100)]
    max_points: Annotated[int, Field(ge=1, le=100)]


# Plain exact numbers only ("60", "60.5", "121/2"): exponents could make Fraction() work for seconds.
_EXACT = re.compile(r"^\d{1,9}(\.\d{1,6})?$|^\d{1,9}/\d{1,9}$")
# Deadlines within a century of now: far dates overflow date arithmetic (amendments add days to them).
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _deadline(value: datetime) -> datetime:
    if not EARLIEST <= value <= LATEST:
        raise ValueError("must be between 2000 and 2100")
    return value


def _fraction(value: str) -> str:
    if not _EXACT.match(value):
        raise ValueError("not an exact number such as 60, 60.5 or 121/2")
    try:
        number = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError("not an exact number such as 60 or 121/2") from None
    if number < 0:
        raise ValueError("must not be negative")
    return f"{number.numerator}/{number.denominator}"


class Rules(Strict):
    """What is judged and how; fixed at publication, changed only by an amendment before the deadline."""

    criteria: Annotated[list[CriterionIn], Field(min_length=1, max_length=20)]
    formula: Formula = Formula.WEIGHTED_SUM_OF_MEANS
    passing_score: Annotated[str, Field(max_length=40, description="Exact: '60' or '121/2'.")]
    select: Annotated[int, Field(ge=1, le=100)] = 1
    tie_rule: TieRule = TieRule.LOTTERY
    priority: Annotated[list[Key], Field(max_length=20, default_factory=list)]

    @field_validator("passing_score")
    @classmethod
    def _passing(cls, value: str) -> str:
        return _fraction(value)

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        keys = [c.key for c in self.criteria]
        if len(set(keys)) != len(keys):
            raise ValueError("criterion keys must be unique")
        if any(p not in keys for p in self.priority) or len(set(self.priority)) != len(self.priority):
            raise ValueError("priority must list criterion keys, each at most once")
        if self.tie_rule == TieRule.CRITERIA_PRIORITY_THEN_LOTTERY and not self.priority:
            raise ValueError("criteria_priority_then_lottery needs a priority")
        return self


class CallDraft(Rules):
    kind: CallKind
    title_ja: ShortText
    title_en: ShortText | None = None
    description_ja: Text
    description_en: Text | None = None
    screening_decision_id: UUID | None = None
    quorum: Annotated[int, Field(ge=1, le=20)] = 3
    deadline: AwareDatetime = Field(description="Submission deadline; shown and compared in Asia/Tokyo.")
    committee_id: UUID

    _deadline_in_range = field_validator("deadline")(_deadline)

    def spec(self, tokyo: Any) -> dict[str, Any]:
        """The call's rules as stored (the application adds the published minimum extension)."""
        spec = self.model_dump(mode="json")
        spec["deadline"] = self.deadline.astimezone(tokyo).isoformat()
        return spec


class Amendment(Strict):
    reason: Text
    deadline: AwareDatetime = Field(description="The new deadline: at least the published minimum later.")
    criteria: Annotated[list[CriterionIn], Field(min_length=1, max_length=20)] | None = None
    formula: Formula | None = None
    passing_score: Annotated[str, Field(max_length=40)] | None = None
    select: Annotated[int, Field(ge=1, le=100)] | None = None
    tie_rule: TieRule | None = None
    priority: Annotated[list[Key], Field(max_length=20)] | None = None
    description_ja: Text | None = None
    description_en: Text | None = None
    board: Annotated[list[Annotated[str, Field(min_length=1, max_length=255)]], Field(max_length=50)] | None = None

    @field_validator("passing_score")
    @classmethod
    def _passing(cls, value: str | None) -> str | None:
        return _fraction(value) if value is not None else None

    _deadline_in_range = field_validator("deadline")(_deadline)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude={"reason", "deadline", "board"})


class Reason(Strict):
    reason: Text


class CallView(BaseModel):
    id: UUID
    version: int
    status: str
    status_reason: str
    rules: dict[str, Any]
    board: list[str]
    chair_sub: str | None
    vice_chair_sub: str | None
    seed_commitment: str
    published_at: str | None
    closed_at: str | None
    amendments: list[dict[str, Any]]


class CallSummary(BaseModel):
    id: str
    kind: str
    title_ja: str
    status: str
    deadline: datetime


class CallPage(Page[CallSummary]):
    pass
