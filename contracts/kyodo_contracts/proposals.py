"""Contracts published by the proposals service: calls for proposals (募集) and their rules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_contracts.base import Contract, ContractModel


class CallKind(StrEnum):
    PARTNER_SELECTION = "partner_selection"  # プロポーザル方式: a partner for a city project
    OPEN_CALL = "open_call"  # 提案制度: groups propose their own projects on a theme


class Formula(StrEnum):
    WEIGHTED_SUM_OF_MEANS = "weighted_sum_of_means"  # Σ weight × mean points
    PERCENT_OF_MAXIMUM = "percent_of_maximum"  # 100 × Σ weight × mean / Σ weight × max


class TieRule(StrEnum):
    LOTTERY = "lottery"  # ascending SHA-256(seed ‖ content hash); the seed is committed at publication
    CRITERIA_PRIORITY_THEN_LOTTERY = "criteria_priority_then_lottery"


class CallCriterion(ContractModel):
    key: str
    name_ja: str
    name_en: str | None = None
    weight: int = Field(ge=1)
    max_points: int = Field(ge=1)


class CallRules(ContractModel):
    """Everything a call publishes about how proposals are judged."""

    kind: CallKind
    title_ja: str
    title_en: str | None = None
    description_ja: str
    description_en: str | None = None
    screening_decision_id: UUID | None = Field(default=None, description="The screening decision it follows.")
    department_id: UUID | None = Field(
        default=None,
        description="The department that runs the call and partners the adopted groups (担当部署); "
        "for a call following a screening decision, that project's department.",
    )
    criteria: list[CallCriterion]
    formula: Formula
    passing_score: str = Field(description="Exact fraction 'n/d' compared with the formula's result.")
    select: int = Field(ge=1, description="How many proposals are selected at most.")
    tie_rule: TieRule
    priority: list[str] = Field(description="Criterion keys in priority order, for criteria_priority_then_lottery.")
    quorum: int = Field(ge=1, description="Eligible scorers each proposal needs.")
    deadline: datetime = Field(description="Submission deadline (Asia/Tokyo offset).")
    committee_id: UUID = Field(description="The review board (協働事業審査会) in the registry.")
    minimum_extension_days: int = Field(ge=0, description="An amendment extends the deadline by at least this.")


class CallPublished(Contract):
    """A call was published: its rules, deadline, board (fixed now) and the commitment to its lottery seed."""

    event_name: ClassVar[str] = "proposals.call.published"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A call for proposals was published (募集の公告)."

    call_id: UUID
    rules: CallRules
    board_subs: list[str] = Field(description="The review board's members for this call.")
    chair_sub: str | None
    vice_chair_sub: str | None
    seed_commitment: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the secret lottery seed.")
    published_at: datetime


class CallAmended(Contract):
    """The call's rules changed before its deadline, with a reason; the deadline moved accordingly."""

    event_name: ClassVar[str] = "proposals.call.amended"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A call was amended, extending its deadline (募集内容の変更)."

    call_id: UUID
    rules: CallRules = Field(description="The rules as they stand after the amendment.")
    changed: list[str] = Field(description="Which rules changed ('board' when the board did).")
    reason: str
    board_subs: list[str] = Field(description="The review board after the amendment.")
    chair_sub: str | None
    vice_chair_sub: str | None


class CallClosed(Contract):
    """The deadline passed: no more submissions."""

    event_name: ClassVar[str] = "proposals.call.closed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A call closed at its deadline (募集の締切)."

    call_id: UUID
    closed_at: datetime


class CallCancelled(Contract):
    """The call was cancelled, with a reason; its proposals stay sealed."""

    event_name: ClassVar[str] = "proposals.call.cancelled"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A call was cancelled (募集の中止)."

    call_id: UUID
    reason: str


class BoardSubstituteAdded(Contract):
    """A substitute joined the call's review board (after the deadline, the only way the board changes)."""

    event_name: ClassVar[str] = "proposals.call.board_substitute_added"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A substitute member joined a call's review board (委員の補充)."

    call_id: UUID
    member_sub: str
    reason: str


class ReviewStarted(Contract):
    """After the deadline a coordinator opened the review: the board scores the proposals from now on. The fact
    and its time only; how many proposals there are stays sealed until the results."""

    event_name: ClassVar[str] = "proposals.call.review_started"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The review of a closed call was opened (審査の開始)."

    call_id: UUID
    started_at: datetime


class DecisionBlocked(Contract):
    """The decision cannot be taken yet: some proposals lack the quorum of eligible scorers."""

    event_name: ClassVar[str] = "proposals.call.decision_blocked"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A decision was blocked for want of quorum (定足数不足)."

    call_id: UUID
    reasons: list[str] = Field(description="One 'quorum:<proposal>:<eligible>/<quorum>' per proposal short of it.")


class LabelledScore(ContractModel):
    label: str = Field(description="A reviewer label, shuffled per proposal (not linkable to a member).")
    points: dict[str, int]


class ProposalResult(ContractModel):
    proposal_id: UUID
    group_id: UUID
    rank: int
    score: str = Field(description="Exact fraction 'n/d' under the published formula.")
    score_display: str
    criterion_means: dict[str, str] = Field(description="Exact fractions per criterion.")
    passes: bool
    selected: bool
    tie_broken: bool
    lottery_key: str
    recusals: int = Field(description="Board members recused from this proposal.")
    scores: list[LabelledScore]


class SetAsideProposal(ContractModel):
    """A proposal kept from the board at the deadline: who, and why — never its content."""

    proposal_id: UUID
    group_id: UUID
    reason: str = Field(
        description="Why: the group's standing at the deadline (under_review, rejected, lapsed, suspended, dissolved, "
        "unknown) or receipt_mismatch (the sealed version did not match the group's receipt)."
    )


class CallResultsPublished(Contract):
    """The decision, confirmed with reasons, and everything needed to recompute it: published at once."""

    event_name: ClassVar[str] = "proposals.call.results_published"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A call's results were published with scores and reasons (選定結果の公表)."

    call_id: UUID
    proposals: list[ProposalResult]
    selected: list[UUID]
    reasons: str
    seed: str = Field(pattern=r"^[0-9a-f]{64}$", description="The lottery seed, revealed; SHA-256 is the commitment.")
    # Added within v1 as an optional field (docs/CONTRACTS.md): results published before it carry none.
    set_aside: list[SetAsideProposal] = Field(
        default_factory=list, description="Proposals kept from the board at the deadline, with the reason (不受理)."
    )


class ProposalAdopted(Contract):
    """A selected proposal: the collaboration project it becomes is created from this event."""

    event_name: ClassVar[str] = "proposals.proposal.adopted"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A proposal was adopted (採択)."

    call_id: UUID
    proposal_id: UUID
    group_id: UUID
    rank: int
    score: str
    department_id: UUID | None = Field(
        default=None, description="The partnering department (the call's, or its screening decision's project's)."
    )
    title_ja: str | None = Field(default=None, description="The call's title (募集名), for the project it becomes.")
    screening_decision_id: UUID | None = Field(default=None, description="The screening decision the call follows.")


PUBLISHED: tuple[type[Contract], ...] = (
    CallPublished,
    CallAmended,
    CallClosed,
    CallCancelled,
    CallResultsPublished,
    ProposalAdopted,
    BoardSubstituteAdded,
    DecisionBlocked,
    ReviewStarted,
)
