"""The survey's published statistics (実態調査の集計結果) as open data, in long format: one row per published
figure of every closed survey — the survey's targets, answers and response rate; per question its number of answers,
each category's count and percent (a suppressed cell is a row with an empty count and `suppressed` true, 秘匿 —
never saying whether it was too small or hides another), a number question's mean and median (withheld: empty and
suppressed when one of its bands is; the median alone too below 5 answers); per cross-tabulation each cell, row and
column total and the grand total (and a number column's row means: all withheld, empty and suppressed, when anything
in the table is; an empty row's mean is empty and not suppressed). Only what the close published
(`survey_stats.Statistics`, after disclosure control):
free text and a question with fewer than 3 answers give their number of answers and nothing else; a
cross-tabulation that could not be protected gives no row at all.

A band's key (`5-9`, `20+`, `-1979`) stays in `category`; its labels (`category_ja` 「5〜9」, `category_en` "5 to
9") are words no spreadsheet reads as a date (Excel turns `5-9` into 5月9日). A number question's unit is given
(`unit_ja`/`unit_en`) for its rows.

No standard layout of the 自治体標準オープンデータセット covers survey statistics: the columns are the portal's own,
documented by the data dictionary. Rows come survey by survey (fiscal year, then id), in the statistics' order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from kyodo_info_hub.opendata import Column, Dataset, closed_surveys, read_in_batches
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_info_hub.survey_stats import Cell, CrossTabulation, QuestionStatistics, Statistics
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database

MEASURES = {
    "targets": "調査対象の団体数",
    "answered": "回答した団体数",
    "response_rate_percent": "回答率（%）",
    "answers": "設問に回答した団体数",
    "count": "団体数",
    "mean": "平均",
    "median": "中央値",
    "row_total": "行の計",
    "column_total": "列の計",
    "total": "総計",
    "row_mean": "行ごとの平均",
}


class Survey:
    """One closed survey's identity and its questions' texts and labels, for the rows."""

    def __init__(self, row: Sequence[Any]) -> None:
        survey_id, fiscal_year, title_ja, title_en, closed_at, questions = row[:6]
        self.head = [str(survey_id), int(fiscal_year), title_ja, title_en, _at(closed_at)]
        self.questions: dict[str, Mapping[str, Any]] = {q["key"]: q for q in json.loads(str(questions or "[]"))}

    def question(self, key: str | None) -> list[Any]:
        if key is None:
            return [None, None, None]
        q = self.questions.get(key, {})
        return [key, q.get("text_ja"), q.get("text_en")]

    def category(self, key: str | None, category: str | None) -> list[Any]:
        """The category and its labels: an option's labels, else (a band, a year) words for the band."""
        if category is None:
            return [None, None, None]
        q = self.questions.get(key or "", {})
        for option in q.get("options") or []:
            if option.get("key") == category:
                return [category, option.get("label_ja"), option.get("label_en")]
        return [category, *band_labels(category)]

    def unit(self, key: str | None) -> list[Any]:
        q = self.questions.get(key or "", {})
        return [q.get("unit_ja"), q.get("unit_en")] if q.get("kind") == "number" else [None, None]


_NUMBER = r"-?\d+(?:\.\d+)?"
_BANDS = (
    (re.compile(rf"({_NUMBER})-<({_NUMBER})"), "{0}以上{1}未満", "{0} to under {1}"),
    (re.compile(rf"({_NUMBER})-({_NUMBER})"), "{0}〜{1}", "{0} to {1}"),
    (re.compile(rf"({_NUMBER})\+"), "{0}以上", "{0} and over"),
    (re.compile(r"-(\d{4})"), "{0}年以前", "{0} and before"),
    (re.compile(r"(\d{4})-"), "{0}年以降", "{0} and after"),
)


def band_labels(category: str) -> tuple[str, str]:
    """A band's labels in Japanese and English (`5-9` → 「5〜9」, "5 to 9"; `20+` → 「20以上」; `0-<5` → 「0以上5未満」;
    `-1979` → 「1979年以前」; `2020-` → 「2020年以降」); anything else is its own label."""
    for pattern, ja, en in _BANDS:
        found = pattern.fullmatch(category)
        if found:
            return ja.format(*found.groups()), en.format(*found.groups())
    return category, category


def _at(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value)).astimezone(TOKYO) if value else None


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _row(
    s: Survey,
    table: str,
    measure: str,
    value: Decimal | int | None,
    *,
    question: str | None = None,
    column_question: str | None = None,
    category: str | None = None,
    column_category: str | None = None,
    percent: str | None = None,
    suppressed: bool = False,
    unit: str | None = None,
) -> list[Any]:
    return [
        *s.head, table, *s.question(question), *s.question(column_question), measure, MEASURES[measure],
        *s.category(question, category), *s.category(column_question, column_category),
        value, *s.unit(unit), _number(percent), suppressed,
    ]  # fmt: skip


def _cell(s: Survey, table: str, measure: str, cell: Cell, **where: str | None) -> list[Any]:
    # Suppressed or not, never which kind (a primary mark would say the count is 1 or 2).
    return _row(s, table, measure, cell.count, percent=cell.percent, suppressed=bool(cell.suppressed), **where)


def _question_rows(s: Survey, q: QuestionStatistics) -> Iterator[list[Any]]:
    yield _row(s, "question", "answers", q.answers, question=q.key)
    if not q.published:
        return
    for cell in q.distribution:
        yield _cell(s, "question", "count", cell, question=q.key, category=cell.category)
    if q.summary is not None:
        yield _row(s, "question", "mean", Decimal(q.summary.mean), question=q.key, unit=q.key)
        median = q.summary.median
        # Withheld below 5 answers (survey_stats: with 3 it is one group's value; with 4, with the mean, it tells a
        # group at one end the other end): empty and suppressed, as any withheld figure.
        value = Decimal(median) if median is not None else None
        yield _row(s, "question", "median", value, question=q.key, unit=q.key, suppressed=median is None)
    elif q.kind == "number" and any(c.suppressed for c in q.distribution):
        # Withheld: with the bands' bounds they would narrow a suppressed band's count.
        yield _row(s, "question", "mean", None, question=q.key, unit=q.key, suppressed=True)
        yield _row(s, "question", "median", None, question=q.key, unit=q.key, suppressed=True)


def _crosstab_rows(s: Survey, t: CrossTabulation) -> Iterator[list[Any]]:
    if not t.published:
        return
    pair = {"question": t.row, "column_question": t.column}
    for i, row_category in enumerate(t.rows):
        for j, column_category in enumerate(t.columns):
            cell = t.cells[i][j]
            yield _cell(s, "crosstab", "count", cell, **pair, category=row_category, column_category=column_category)
    for row_category, cell in zip(t.rows, t.row_totals, strict=False):
        yield _cell(s, "crosstab", "row_total", cell, **pair, category=row_category)
    for column_category, cell in zip(t.columns, t.column_totals, strict=False):
        yield _cell(s, "crosstab", "column_total", cell, **pair, column_category=column_category)
    yield _row(s, "crosstab", "total", t.total, question=t.row, column_question=t.column)
    # Row means are all withheld when anything in the table is suppressed; otherwise an empty one is an empty row.
    withheld = any(c.suppressed for c in [*(c for row in t.cells for c in row), *t.row_totals, *t.column_totals])
    for row_category, mean in zip(t.rows, t.row_means or [], strict=False):
        hidden = withheld and mean is None
        yield _row(
            s, "crosstab", "row_mean", _number(mean), **pair, category=row_category, unit=t.column, suppressed=hidden
        )


def survey_rows(row: Sequence[Any]) -> Iterator[list[Any]]:
    """Every published figure of one closed survey, from its `hub_surveys` row (survey_id, fiscal_year, title_ja,
    title_en, closed_at, questions, statistics)."""
    s = Survey(row)
    stats = Statistics.model_validate_json(str(row[6]))
    yield _row(s, "survey", "targets", stats.targets)
    yield _row(s, "survey", "answered", stats.answered)
    yield _row(s, "survey", "response_rate_percent", Decimal(stats.response_rate_percent))
    for q in stats.questions:
        yield from _question_rows(s, q)
    for t in stats.crosstabs:
        yield from _crosstab_rows(s, t)


def _rows(db: Database) -> Iterator[Sequence[Any]]:
    for row in read_in_batches(
        db,
        select="survey_id, fiscal_year, title_ja, title_en, closed_at, questions, statistics",
        table="hub_surveys",
        key=("fiscal_year", "survey_id"),
        where="status = 'closed' AND statistics IS NOT NULL",
    ):
        yield from survey_rows(row)


def _question_columns(prefix: str, ja: str, en: str) -> tuple[Column, ...]:
    return (
        Column(f"{prefix}key", "string", f"{ja}の設問キー（年度をまたいで同じ設問は同じキー）", f"{en} key"),
        Column(f"{prefix}text_ja", "string", f"{ja}の設問文", f"{en} text (Japanese)"),
        Column(f"{prefix}text_en", "string", f"{ja}の設問文（英語）", f"{en} text (English)"),
    )


def _category_columns(prefix: str, ja: str, en: str) -> tuple[Column, ...]:
    return (
        Column(f"{prefix}category", "string", f"{ja}（選択肢キー・区分 5-9・年の区分）", f"{en}: option key or band"),
        Column(
            f"{prefix}category_ja",
            "string",
            f"{ja}の名称（区分は「5〜9」「20以上」「1979年以前」の形）",
            f"{en} label in Japanese (bands as 5〜9, 20以上)",
        ),
        Column(
            f"{prefix}category_en",
            "string",
            f"{ja}の名称（英語。区分は 5 to 9、20 and over の形）",
            f"{en} label in English (bands as '5 to 9', '20 and over')",
        ),
    )


SURVEY_STATISTICS = Dataset(
    name="survey-statistics",
    title_ja="市民活動団体実態調査の集計結果",
    title_en="Survey of civic activity groups: published statistics",
    description_ja="締め切った実態調査ごとに公表した集計（回答率、設問ごとの分布・平均・中央値、クロス集計）を1行1数値で。"
    "3団体未満のセルとそれを推定できるセルは秘匿（値は空、suppressed に印）。自由記述は公表しない。",
    description_en="Each closed survey's published statistics, one figure per row; cells of fewer than 3 groups (and "
    "those that would reveal them) are suppressed: empty value, marked in `suppressed`. Free text is never published.",
    columns=(
        Column("survey_id", "uuid", "調査の識別子", "The survey's id"),
        Column("fiscal_year", "integer", "調査年度", "Survey fiscal year"),
        Column("survey_title_ja", "string", "調査名", "Survey title"),
        Column("survey_title_en", "string", "調査名（英語）", "Survey title in English"),
        Column("closed_at", "datetime", "締切・公表日時", "Closed and published at"),
        Column("table", "string", "survey（調査全体）、question（設問）、crosstab（クロス集計）", "What the row is of"),
        *_question_columns("question_", "設問（クロス集計では行）", "Question (cross-tab: row)"),
        *_question_columns("column_question_", "クロス集計の列の設問", "Cross-tab column question"),
        Column("measure", "string", "指標: " + "、".join(MEASURES), "Measure (see measure_ja)"),
        Column("measure_ja", "string", "指標の名称", "The measure's name in Japanese"),
        *_category_columns("", "区分（クロス集計では行）", "Category (cross-tab: row)"),
        *_category_columns("column_", "クロス集計の列の区分", "Cross-tab column category"),
        Column("value", "number", "値（団体数・平均など）。秘匿の場合は空", "Value; empty when suppressed"),
        Column("unit_ja", "string", "数値の設問の単位（平均・中央値・行ごとの平均の単位）", "A number question's unit"),
        Column("unit_en", "string", "数値の設問の単位（英語）", "A number question's unit in English"),
        Column(
            "percent",
            "number",
            "割合（%、小数第1位、四捨五入）。設問の分布では設問の回答数に対する割合、クロス集計では総計に対する割合。"
            "秘匿の場合は空",
            "Percent (1 dp, half up): of the question's answers in a distribution, of the grand total in a "
            "cross-tabulation; empty when suppressed",
        ),
        Column(
            "suppressed",
            "boolean",
            "秘匿（true: 値を公表しない。3団体未満のセル、またはそれを推定できるセル。どちらかは示さない）",
            "True when the value is withheld (too few groups, or it would reveal another; which is not said)",
        ),
    ),
    rows=_rows,
    sources=(closed_surveys(),),
)


def datasets(settings: InfoHubSettings) -> tuple[Dataset, ...]:
    return (SURVEY_STATISTICS,)
