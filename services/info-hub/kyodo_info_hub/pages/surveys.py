"""Portal pages: the survey of groups (実態調査) — the surveys announced, open and closed, and a closed survey's
published statistics, each question's distribution as an SVG bar chart followed by its data table.

The pages read what the API publishes (`api_surveys`: `list_surveys`, `read_survey`, `survey_statistics`), so they
never show more: a suppressed cell (秘匿) is shown as words, never as a number or a bar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from kyodo_info_hub.pages.charts import Bar, bar_chart
from kyodo_info_hub.survey_stats import Cell, CrossTabulation, QuestionStatistics, Statistics
from kyodo_info_hub.surveys_app import SurveyCommands
from kyodo_info_hub.surveys_index import list_surveys
from kyodo_info_hub.surveys_schemas import SurveyView
from kyodo_shared.pages.i18n import gettext, negotiate
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router()

LISTED = 50  # surveys per section of the list: a city runs about one a year


def application(request: Request) -> SurveyCommands:
    app: SurveyCommands = request.app.state.kernel.application
    return app


def text(item: dict[str, Any], name: str, lang: str) -> str:
    """An item's `<name>_en` in English when given, else its `<name>_ja`."""
    english = item.get(f"{name}_en") if lang == "en" else None
    return str(english or item.get(f"{name}_ja") or "")


@dataclass
class Row:
    label: str
    count: int | None
    percent: str | None


@dataclass
class QuestionView:
    key: str
    text: str
    kind: str
    unit: str
    stats: QuestionStatistics | None
    rows: list[Row] = field(default_factory=list)
    chart: Markup | None = None


@dataclass
class CrosstabView:
    title: str
    table: CrossTabulation
    rows: list[str]
    columns: list[str]


def _labels(question: dict[str, Any], lang: str) -> dict[str, str]:
    """A category's words: an option's label; a band's key with the unit (`5-9` stays as the statistics name it)."""
    return {o["key"]: text(o, "label", lang) for o in question.get("options", [])}


def _rows(cells: list[Cell], labels: dict[str, str]) -> list[Row]:
    return [Row(labels.get(c.category, c.category), c.count, c.percent) for c in cells]


def _question(request: Request, question: dict[str, Any], stats: QuestionStatistics | None, lang: str) -> QuestionView:
    view = QuestionView(
        key=question["key"],
        text=text(question, "text", lang),
        kind=question["kind"],
        unit=text(question, "unit", lang),
        stats=stats,
    )
    if stats is None or not stats.published or not stats.distribution:
        return view
    view.rows = _rows(stats.distribution, _labels(question, lang))
    suppressed = gettext(request, "Suppressed")
    bars = [Bar(r.label, r.count, suppressed if r.count is None else f"{r.count} ({r.percent}%)") for r in view.rows]
    description = gettext(request, "Bar chart of the number of groups per answer; the table below gives the numbers.")
    view.chart = bar_chart(f"chart-{view.key}", view.text, description, bars, lang=lang)
    return view


def _crosstab(table: CrossTabulation, questions: dict[str, dict[str, Any]], lang: str) -> CrosstabView:
    row_q, column_q = questions.get(table.row, {}), questions.get(table.column, {})
    row_labels, column_labels = _labels(row_q, lang), _labels(column_q, lang)
    return CrosstabView(
        title=f"{text(row_q, 'text', lang) or table.row} × {text(column_q, 'text', lang) or table.column}",
        table=table,
        rows=[row_labels.get(r, r) for r in table.rows],
        columns=[column_labels.get(c, c) for c in table.columns],
    )


@router.get("/surveys")
def surveys(request: Request) -> HTMLResponse:
    db = application(request).db
    current, current_total = list_surveys(db, statuses=["announced", "open"], fiscal_year=None, offset=0, limit=LISTED)
    closed, closed_total = list_surveys(db, statuses=["closed"], fiscal_year=None, offset=0, limit=LISTED)
    return render(
        request,
        "portal/surveys.html",
        {
            "current": [SurveyView.model_validate(s) for s in current],
            "current_total": current_total,
            "closed": [SurveyView.model_validate(s) for s in closed],
            "closed_total": closed_total,
        },
    )


@router.get("/surveys/{survey_id}")
def survey(survey_id: UUID, request: Request) -> HTMLResponse:
    app = application(request)
    found = SurveyView.model_validate(app.read_survey(None, survey_id).public())
    lang = negotiate(request)
    statistics: Statistics | None = None
    if found.status == "closed":
        statistics = Statistics.model_validate(app.survey_statistics(survey_id)[1])
    published = {q.key: q for q in statistics.questions} if statistics else {}
    questions = [_question(request, q, published.get(q["key"]), lang) for q in found.questions]
    by_key = {q["key"]: q for q in found.questions}
    sections = [
        (text(s, "title", lang), [q for q in questions if by_key[q.key].get("section") == s["key"]])
        for s in found.sections
    ]
    crosstabs = [_crosstab(t, by_key, lang) for t in statistics.crosstabs] if statistics else []
    return render(
        request,
        "portal/survey.html",
        {
            "survey": found,
            "title": text(found.model_dump(), "title", lang),
            "statistics": statistics,
            "sections": [(title, items) for title, items in sections if items],
            "crosstabs": crosstabs,
        },
    )
