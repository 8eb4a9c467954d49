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


@dataclass(frozen=True)
class QuestionSpec:
    """What the statistics need of a question.

    `options`: the option keys of a single or multiple choice question, in the questionnaire's order.
    `bands`: for a number question, the lower edges of its bands, ascending; a band is [edge, next edge), edges are
    Decimals. Empty: no distribution. Labels (`survey_stats_tables.band_labels`): with whole-number edges and
    whole-number answers (0, 5, 10, 20) → "0-4", "5-9", "10-19", "20+"; otherwise "0-<5", "5-<10", … ("<" = below).
    `whole` (optional): True / False declares whether the answers are whole numbers, so the labels never depend on
    the answers; None (the default) decides from the answers.
    """

    key: str
    kind: Kind
    required: bool
    options: tuple[str, ...] = ()
    bands: tuple[Decimal, ...] = ()
    whole: bool | None = None


class Cell(BaseModel):
    category: str = Field(
        description="An option key, a band label (`5-9`, `20+`) or a band of years (`-1979`, `1980-1989`, …, `2020-`)."
    )
    count: int | None = Field(description="Groups in this category; null when suppressed (秘匿).")
    percent: str | None = Field(
        description="Of the question's answers, to one decimal place (half up); null when the count is suppressed."
    )
    suppressed: bool = Field(
        default=False,
        description="True when the count is suppressed (秘匿): too few groups, or hidden to protect another count. "
        "Which of the two is never published. A suppressed count is never zero (zeros are published).",
    )


class NumberSummary(BaseModel):
    mean: str = Field(description="Mean of the answers, to two decimal places (half up).")
    median: str | None = Field(
        default=None,
        description="Median of the answers (exact: a value or the midpoint of the two middle ones); null with fewer "
        "than 5 answers (with 3 it is one group's own value; with 4, 4 × mean − 2 × median = smallest + largest, so "
        "the group holding one end would learn the other).",
    )


class QuestionStatistics(BaseModel):
    key: str
    kind: Kind
    answers: int = Field(description="How many groups answered the question (always published).")
    published: bool = Field(
        description="False for free text (never published), for a question with fewer than 3 answers, and for a "
        "distribution that cannot be protected: then only `answers` is given."
    )
    distribution: list[Cell] = Field(
        default_factory=list,
        description="single: per option; multiple: per option (each a share of the answers; they do not sum; an "
        "option is suppressed when it or its complement, answers - count, is 1 or 2 groups); number: per band; "
        "date: per fixed band of calendar years (`-1979`, `1980-1989`, `1990-1999`, `2000-2009`, `2010-2019`, "
        "`2020-`), the same bands whatever the answers, zeros published.",
    )
    summary: NumberSummary | None = Field(
        default=None,
        description="For a number question with at least 3 answers: the mean, and the median from 5 answers up; "
        "null when one of its bands is suppressed.",
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
    answered is absent, and so is None, an empty choice `[]` or an empty text), protected by `disclosure`.

    Values: single → option key (str); multiple → list of option keys; number → Decimal (or str of one);
    date → ISO date str; text → str. Deterministic: the same inputs give the same output, whatever their order.

    Single choice, banded number and date distributions, and the cross-tabs, are protected together as one linked
    system (`disclosure.protect`); a cross-tab whose questions are not both required single choice or banded number
    questions answered by every group, or that cannot be protected, is withheld (`published=False`). A date
    distribution has fixed bands of years, the same whatever the answers (a year seen would tell that some group
    has it). Multiple choice questions are protected too (every answering group chose an option). A number
    question's mean and median are given only when none of its bands is suppressed (with its bands' bounds they
    would narrow a suppressed band's count: e.g. answers 0, 0, 3 in bands 0-2 / 3-5 with mean 1.00 and median 0
    leave only 2 / 1); likewise a cross-tab's row means (column question a number) only when
    nothing in the table is suppressed. The median needs 5 answers (with 3 it is one group's own value; with 4,
    4 × mean − 2 × median is the sum of the smallest and the largest, so a group holding one end would learn the
    other): from 3 to 4 answers only the mean is given.
    """
    from kyodo_info_hub.survey_stats_tables import Tabulation

    return Tabulation(questions, crosstabs, answers, targets).statistics()
