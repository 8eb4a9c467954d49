"""The survey's published statistics (実態調査の集計結果): what the close computes from the submitted answers and
publishes, after disclosure control (`disclosure.py`).

INTERFACE FIXED BY THE LEAD (issue 18): the models below are what the Survey's close event, the contract
`info_hub.survey.results_published`, the public API and the open data read. The survey part calls `compute`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["single", "multiple", "number", "date", "text"]
Suppression = Literal["primary", "secondary"]


@dataclass(frozen=True)
class QuestionSpec:
    """What the statistics need of a question.

    `options`: the option keys of a single or multiple choice question, in the questionnaire's order.
    `bands`: for a number question, the lower edges of its bands, ascending (e.g. (0, 5, 10, 20) → "0-4", "5-9",
    "10-19", "20+" for whole numbers; edges are Decimals and a band is [edge, next edge)). Empty: no distribution.
    """

    key: str
    kind: Kind
    required: bool
    options: tuple[str, ...] = ()
    bands: tuple[Decimal, ...] = ()


class Cell(BaseModel):
    category: str = Field(description="An option key, a band label (`5-9`, `20+`) or a year (`2019`).")
    count: int | None = Field(description="Groups in this category; null when suppressed (秘匿).")
    percent: str | None = Field(
        description="Of the question's answers, to one decimal place (half up); null when the count is suppressed."
    )
    suppressed: Suppression | None = Field(
        default=None, description="primary: fewer than 3 groups; secondary: suppressed to protect another cell."
    )


class NumberSummary(BaseModel):
    mean: str = Field(description="Mean of the answers, to two decimal places (half up).")
    median: str = Field(description="Median of the answers (exact: a value or the midpoint of the two middle ones).")


class QuestionStatistics(BaseModel):
    key: str
    kind: Kind
    answers: int = Field(description="How many groups answered the question (always published).")
    published: bool = Field(
        description="False for free text (never published), for a question with fewer than 3 answers, and for a "
        "date question whose years cannot be protected: then only `answers` is given."
    )
    distribution: list[Cell] = Field(
        default_factory=list,
        description="single: per option; multiple: per option (each a share of the answers; they do not sum); "
        "number: per band; date: per calendar year.",
    )
    summary: NumberSummary | None = Field(
        default=None, description="For a number question; null when one of its bands is suppressed."
    )


class CrossTabulation(BaseModel):
    row: str = Field(description="The row question's key (a required single choice or banded number question).")
    column: str = Field(description="The column question's key (the same kinds).")
    published: bool = Field(description="False when the table cannot be protected: then no cell is given.")
    rows: list[str] = Field(default_factory=list, description="Row categories.")
    columns: list[str] = Field(default_factory=list, description="Column categories.")
    cells: list[list[Cell]] = Field(default_factory=list, description="cells[i][j]; percent: of the grand total.")
    row_totals: list[Cell] = Field(default_factory=list)
    column_totals: list[Cell] = Field(default_factory=list)
    total: int = Field(description="The grand total: groups that submitted.")
    row_means: list[str | None] | None = Field(
        default=None,
        description="When the column question is a number: its mean over each row's groups (two decimal places); "
        "all null when anything in the table is suppressed, null for an empty row.",
    )


class Statistics(BaseModel):
    targets: int = Field(description="Groups the survey was sent to (the target set at opening, and invitations).")
    answered: int = Field(description="Groups that submitted an answer by the close.")
    response_rate_percent: str = Field(description="answered / targets, in percent to one decimal place.")
    questions: list[QuestionStatistics]
    crosstabs: list[CrossTabulation]


def compute(
    questions: Sequence[QuestionSpec],
    crosstabs: Sequence[tuple[str, str]],
    answers: Sequence[Mapping[str, Any]],
    targets: int,
) -> Statistics:
    """The statistics of the submitted `answers` (one mapping per group: question key → value; a question not
    answered is absent), protected by `disclosure`.

    Values: single → option key (str); multiple → list of option keys; number → Decimal (or str of one);
    date → ISO date str; text → str. Deterministic: the same inputs give the same output, whatever their order.

    Single choice, banded number and date distributions, and the cross-tabs, are protected together as one linked
    system (`disclosure.protect`); a cross-tab whose questions are not both required single choice or banded number
    questions answered by every group, or that cannot be protected, is withheld (`published=False`). A date
    distribution lists only the years seen (so each is known to hold a group) and is withheld when that cannot be
    protected. A number question's mean and median are given only when none of its bands is suppressed (with its
    bands' bounds they would narrow a suppressed band's count: e.g. answers 0, 0, 3 in bands 0-2 / 3-5 with mean
    1.00 and median 0 leave only 2 / 1); likewise a cross-tab's row means (column question a number) only when
    nothing in the table is suppressed.
    """
    from kyodo_info_hub.survey_stats_tables import Tabulation

    return Tabulation(questions, crosstabs, answers, targets).statistics()
