"""Request and response bodies of the proposals service's call routes (strict: unknown fields are errors)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from fractions import Fraction
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from kyodo_contracts.proposals import CallKind, Formula, TieRule
from kyodo_proposals.domain import rule_breaches
from kyodo_proposals.messages import MESSAGES
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.problems import rule_error
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


_WORDING = MessageTable(MESSAGES)


def _deadline(value: datetime) -> datetime:
    if not EARLIEST <= value <= LATEST:
        raise rule_error(
            "deadline_out_of_range", "2000年から2100年までの日時を指定してください", "must be between 2000 and 2100"
        )
    return value


def _fraction(value: str) -> str:
    not_exact = rule_error(
        "not_an_exact_number",
        "60、60.5、121/2 のような正確な数で指定してください",
        "not an exact number such as 60, 60.5 or 121/2",
    )
    if not _EXACT.match(value):
        raise not_exact
    try:
        number = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise not_exact from None
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
        # The same rules an amendment is checked by (the domain's), answered with the field and the values.
        breaches = rule_breaches(self.model_dump(mode="json"))
        if breaches:
            first = breaches[0]
            reason = _WORDING.problem(first.rule, first.values)
            raise rule_error(first.rule, reason.detail_ja or "", reason.detail_en or "", first.field)
        return self


class CallDraft(Rules):
    kind: CallKind
    title_ja: ShortText
    title_en: ShortText | None = None
    description_ja: Text
    description_en: Text | None = None
    screening_decision_id: UUID | None = None
    department_id: UUID | None = Field(
        default=None,
        description="The department that runs the call (担当部署), as the registry has it. For a call following a "
        "screening decision it is that project's department: left out, it is taken from the decision.",
    )
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
    department_id: UUID | None = Field(default=None, description="The department that runs the call from now on.")
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


class ScreeningDecisionView(BaseModel):
    """The screening decision (選別結果) a partner selection follows, as the register shows it, linked there."""

    decision_id: UUID
    project_number: str
    title: str
    department_id: UUID
    fiscal_year: int
    outcome: str
    forms: list[str]
    superseded_by: UUID | None = Field(description="The correction that replaced it since, if any.")
    href: str = Field(description="The decision in info-hub's screening register.")


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
    screening_decision: ScreeningDecisionView | None = None


class CallSummary(BaseModel):
    id: str
    kind: str
    title_ja: str
    status: str
    deadline: datetime


class CallPage(Page[CallSummary]):
    pass
