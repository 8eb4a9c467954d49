"""How `survey_stats.compute` tabulates the submitted answers: counts per category, the linked system handed to
disclosure control, and the published cells (pure, no I/O)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from kyodo_info_hub.disclosure import CrossTab, Marks, Multiple, Protection, protect
from kyodo_info_hub.survey_stats import (
    Cell,
    CrossTabulation,
    NumberSummary,
    QuestionSpec,
    QuestionStatistics,
    Statistics,
)

MINIMUM_ANSWERS = 3  # a question with fewer answers publishes only their number
# A median needs 5 answers. With 3, the median is one group's own value and the mean gives the sum, so a group at
# either end learns the other end; with 4 (a ≤ b ≤ c ≤ d), 4 × mean − 2 × median = a + d, so the group holding the
# smallest value learns the largest and the other way round. From 5 up, a group knowing its own value and (n, mean,
# median) has at least one equation fewer than unknowns left, each unknown free in a direction that keeps the median
# (one below it can fall while one above it rises), so no other value is pinned beyond the median itself.
MINIMUM_ANSWERS_FOR_MEDIAN = 5
# A date question's bands of calendar years: fixed, so which categories exist tells nothing about the answers.
YEAR_EDGES = (1980, 1990, 2000, 2010, 2020)
YEAR_BANDS = ["-1979", "1980-1989", "1990-1999", "2000-2009", "2010-2019", "2020-"]
# Enough digits for any accepted number (|x| < 10^12, at most 6 decimal places: 19 digits) summed over a million
# answers and divided: no rounding before the final quantize, which then cannot raise.
PRECISION = 60


def percent(count: int, base: int) -> str:
    """count / base in percent, one decimal place, half up ("0.0" for an empty base)."""
    if base <= 0:
        return "0.0"
    return str((Decimal(count) * 100 / Decimal(base)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 3.50 → "3.5", 1E+2 → "100"."""
    return format(value.normalize(), "f")


def integral(value: Decimal) -> bool:
    return value == value.to_integral_value()


def band_labels(bands: Sequence[Decimal], whole: bool = True, below: bool = False) -> list[str]:
    """Labels true of every value in each band [edge, next edge). With whole-number edges and `whole` answers,
    (0, 5, 10, 20) → "0-4", "5-9", "10-19", "20+"; otherwise the next edge is shown excluded: "0-<5", "5-<10", …
    (4.5 is in "0-<5", never in a "0-4"). `below`: some answer lies below the first edge (the survey part refuses
    such bands; never mislabelled anyway): the first band is open below, "-4" or "<5"."""
    whole = whole and all(integral(b) for b in bands)
    labels = []
    for n, low in enumerate(bands):
        start = "" if n == 0 and below else plain(low)
        if n + 1 == len(bands):
            labels.append(f"{start}+" if start else "*")  # one band holding everything: any value
        elif whole:
            labels.append(f"{start}-{plain(bands[n + 1] - 1)}")
        else:
            labels.append(f"{start}-<{plain(bands[n + 1])}" if start else f"<{plain(bands[n + 1])}")
    return labels


def band_of(bands: Sequence[Decimal], value: Decimal) -> int:
    """The band [edge, next edge) holding the value; a value below the first edge counts in the first band."""
    return max(bisect_right(list(bands), value) - 1, 0)


def number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def summary(values: Sequence[Decimal]) -> NumberSummary:
    """Mean (two places, half up) and exact median, in a context precise enough never to round or raise; the median
    only from `MINIMUM_ANSWERS_FOR_MEDIAN` values up (None below)."""
    with localcontext() as context:
        context.prec = PRECISION
        ordered = sorted(values)
        middle = len(ordered) // 2
        median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        mean = (sum(ordered, Decimal(0)) / len(ordered)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        shown = plain(median) if len(ordered) >= MINIMUM_ANSWERS_FOR_MEDIAN else None
        return NumberSummary(mean=format(mean, "f"), median=shown)


def answered(value: Any) -> bool:
    """None, an empty choice and an empty text are no answer (as the survey part stores them)."""
    return value is not None and value != [] and value != ""


def cells(counts: Sequence[int], marks: Sequence[bool], categories: Sequence[str], base: int) -> list[Cell]:
    return [
        Cell(
            category=category,
            count=None if mark else count,
            percent=None if mark else percent(count, base),
            suppressed=mark,
        )
        for category, count, mark in zip(categories, counts, marks, strict=True)
    ]


class Tabulation:
    def __init__(
        self,
        questions: Sequence[QuestionSpec],
        crosstabs: Sequence[tuple[str, str]],
        answers: Sequence[Mapping[str, Any]],
        targets: int,
    ) -> None:
        self.questions = list(questions)
        self.specs = {q.key: q for q in questions}
        self.pairs = list(crosstabs)
        self.answers = list(answers)
        self.targets = targets
        self.given = {q.key: [a for a in self.answers if answered(a.get(q.key))] for q in questions}
        # Categorised questions: their category labels, and each answering group's category index.
        self.categories: dict[str, list[str]] = {}
        self.index: dict[str, list[int]] = {}
        for q in questions:
            values = [a[q.key] for a in self.given[q.key]]
            if q.kind == "single":
                self.categories[q.key] = list(q.options)
                self.index[q.key] = [q.options.index(v) for v in values]
            elif q.kind == "number" and q.bands:
                numbers = [number(v) for v in values]
                whole = all(integral(v) for v in numbers) if q.whole is None else q.whole
                self.categories[q.key] = band_labels(q.bands, whole, any(v < q.bands[0] for v in numbers))
                self.index[q.key] = [band_of(q.bands, v) for v in numbers]
            elif q.kind == "date":
                self.categories[q.key] = list(YEAR_BANDS)
                self.index[q.key] = [bisect_right(YEAR_EDGES, date.fromisoformat(str(v)).year) for v in values]

    def counts(self, key: str) -> list[int]:
        counts = [0] * len(self.categories[key])
        for i in self.index[key]:
            counts[i] += 1
        return counts

    def linkable(self, row: str, column: str) -> bool:
        """Both questions required, single choice or banded number, distinct, and answered by every group (so the
        table's margins are their distributions), with at least 3 groups."""
        return (
            row != column
            and len(self.answers) >= MINIMUM_ANSWERS
            and all(
                key in self.specs
                and self.specs[key].required
                and key in self.categories
                and self.specs[key].kind in ("single", "number")
                and len(self.given[key]) == len(self.answers)
                for key in (row, column)
            )
        )

    def statistics(self) -> Statistics:
        distributed = [
            q.key for q in self.questions if q.key in self.categories and len(self.given[q.key]) >= MINIMUM_ANSWERS
        ]
        linked = [(r, c) for r, c in self.pairs if self.linkable(r, c)]
        tables = [CrossTab(r, c, self.cross_counts(r, c)) for r, c in linked]
        multiples = {
            q.key: Multiple(len(self.given[q.key]), tuple(self.chosen(q)))
            for q in self.questions
            if q.kind == "multiple" and len(self.given[q.key]) >= MINIMUM_ANSWERS
        }
        protection = protect({key: self.counts(key) for key in distributed}, tables, multiples)
        published = dict(zip(linked, zip(tables, protection.crosstabs, strict=True), strict=True))
        answered = len(self.answers)
        return Statistics(
            targets=self.targets,
            answered=answered,
            response_rate_percent=percent(answered, self.targets),
            questions=[self.question(q, protection) for q in self.questions],
            crosstabs=[self.crosstab(r, c, published.get((r, c)), protection) for r, c in self.pairs],
        )

    def chosen(self, q: QuestionSpec) -> list[int]:
        """Per option of a multiple choice question: the groups that chose it."""
        return [sum(1 for a in self.given[q.key] if option in a[q.key]) for option in q.options]

    def numbers(self, key: str) -> list[Decimal]:
        return [number(a[key]) for a in self.given[key]]

    def cross_counts(self, row: str, column: str) -> tuple[tuple[int, ...], ...]:
        table = [[0] * len(self.categories[column]) for _ in self.categories[row]]
        for i, j in zip(self.index[row], self.index[column], strict=True):
            table[i][j] += 1
        return tuple(map(tuple, table))

    def question(self, q: QuestionSpec, protection: Protection) -> QuestionStatistics:
        n = len(self.given[q.key])
        withheld = QuestionStatistics(key=q.key, kind=q.kind, answers=n, published=False)
        if q.kind == "text" or n < MINIMUM_ANSWERS:
            return withheld
        if q.kind == "multiple":  # each option a count of 0..answers groups (see `disclosure`)
            chosen = protection.multiples.get(q.key)
            if chosen is None:
                return withheld
            distribution = cells(self.chosen(q), chosen, q.options, n)
            return QuestionStatistics(key=q.key, kind=q.kind, answers=n, published=True, distribution=distribution)
        distribution, hidden = [], False
        if q.key in self.categories:
            marks = protection.distributions[q.key]
            if marks is None:
                return withheld
            distribution, hidden = cells(self.counts(q.key), marks, self.categories[q.key], n), any(marks)
        # A mean or median over a suppressed band is suppressed (see `survey_stats.compute`).
        numbers = summary(self.numbers(q.key)) if q.kind == "number" and not hidden else None
        return QuestionStatistics(
            key=q.key, kind=q.kind, answers=n, published=True, distribution=distribution, summary=numbers
        )

    def crosstab(
        self,
        row: str,
        column: str,
        linked: tuple[CrossTab, tuple[Marks, ...] | None] | None,
        protection: Protection,
    ) -> CrossTabulation:
        total = len(self.answers)
        if linked is None or linked[1] is None:
            return CrossTabulation(row=row, column=column, published=False, total=total)
        table, marks = linked[0], linked[1]
        row_marks, column_marks = protection.distributions[row], protection.distributions[column]
        if row_marks is None or column_marks is None:
            raise AssertionError("a published cross-tab's margins are published")
        rows, columns = self.categories[row], self.categories[column]
        row_counts, column_counts = self.counts(row), self.counts(column)
        means: list[str | None] | None = None
        # Row means only for a table with nothing suppressed: a row's sum of values bounds its cells' counts.
        # A row mean needs no minimum beyond that: with nothing suppressed, a row holds 0 or at least 3 groups (a row
        # of 1 or 2 would be a suppressed row total), and only a mean is given per row, never a median. A member of
        # a row of k ≥ 3 groups, knowing its own value, learns the sum of the k − 1 ≥ 2 others: one equation over at
        # least two unknowns, so none is determined — one can rise while another falls by as much. Only where the
        # bounds leave no slack (every other at its band's or the question's floor or ceiling, as a row of three 0s
        # with mean 0.00) are they pinned, and then the row's cells already tell that all its groups sit in one band
        # at its edge — the disclosure a published single-band count makes, which the rules allow. The rows' means
        # add nothing beside the question's own mean (their weighted sum), and its median needs 5 answers (above).
        if self.specs[column].kind == "number":
            hidden = any(row_marks) or any(column_marks) or any(any(r) for r in marks)
            means = []
            for i in range(len(rows)):
                values = [number(a[column]) for a, r in zip(self.answers, self.index[row], strict=True) if r == i]
                means.append(None if hidden or not values else summary(values).mean)
        return CrossTabulation(
            row=row,
            column=column,
            published=True,
            rows=rows,
            columns=columns,
            cells=[cells(counts, marks[i], columns, total) for i, counts in enumerate(table.cells)],
            row_totals=cells(row_counts, row_marks, rows, total),
            column_totals=cells(column_counts, column_marks, columns, total),
            total=total,
            row_means=means,
        )
