"""What the center's survey page shows besides its forms: the answers' progress as counts, the cross-tabulations
the questionnaire allows, and the statistics published at the close, each suppressed cell (秘匿) marked as such.

Progress comes from the application's `answers` (as `GET /surveys/{sid}/answers`, coordinators and auditors only) and
is reduced here to counts: how many targets submitted, saved a draft, or have not started. Which group answered
what is never put on the page. The statistics are the published ones (`survey_statistics`, as
`GET /surveys/{sid}/statistics`): a suppressed cell has no count in them, so nothing on the page can restore it.

While the survey is open, a coordinator sees a provisional preview (暫定): the close's own computation
(`survey_closing.statistics_of`: the questionnaire's specs, `survey_stats.compute` and its disclosure control) over
the answers submitted so far, so the cells suppressed now are suppressed by the very rules the close applies, and
carry no count either. Nothing is stored or published; coordinators read every answer through the API already, so
the preview tells them nothing new, and it names no group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from kyodo_info_hub.pages.home import Text, application, localized
from kyodo_info_hub.survey_answering import require_restricted_reader
from kyodo_info_hub.survey_closing import statistics_of
from kyodo_info_hub.survey_questionnaire import crosstab_ready
from kyodo_info_hub.survey_stats import Cell, CrossTabulation, Statistics
from kyodo_info_hub.surveys import Status, Survey
from kyodo_shared.domain.actors import Actor


@dataclass(frozen=True)
class Progress:
    targets: int
    submitted: int
    drafts: int
    invited: int

    @property
    def not_started(self) -> int:
        return self.targets - self.submitted - self.drafts

    @property
    def percent(self) -> str:
        return f"{self.submitted * 100 / self.targets:.1f}" if self.targets else "0.0"


def progress(request: Request, actor: Actor, survey: Survey) -> Progress | None:
    """How many of the targets submitted or hold a draft (None before the opening fixes the target set)."""
    if survey.status not in (Status.OPEN, Status.CLOSED):
        return None
    items, total = application(request).answers(actor, survey.id, 0, max(len(survey.targets), 1))
    states = Counter("submitted" if item["counted"] else item["status"] for item in items)
    drafts = states["draft"] + states["revising"]
    return Progress(targets=total, submitted=states["submitted"], drafts=drafts, invited=len(survey.invitations))


@dataclass(frozen=True)
class Target:
    name: Text
    invited: bool


def target_groups(request: Request, survey: Survey) -> tuple[list[Target], bool]:
    """The groups the survey is sent to, by name (registered ones, then invitations), and whether the set is fixed:
    from the opening its snapshot; before it, the registered groups the filter matches today (None are shown for a
    cancelled survey that never opened). Names only: never whether or what a group answered."""
    app = application(request)
    fixed = survey.status in (Status.OPEN, Status.CLOSED) or bool(survey.opened_at)
    if survey.status == Status.CANCELLED and not fixed:
        return [], False
    registered = [t for t in survey.targets if t not in survey.invitations] if fixed else app.matching_groups(survey)
    found = []
    for group_id in registered:
        card = app.people.group(group_id)
        found.append(Target(Text(card.name if card else group_id, "ja"), invited=False))
    for invitation in survey.invitations.values():
        found.append(Target(localized(request, invitation["name_ja"], invitation.get("name_en")), invited=True))
    return found, fixed


def question_text(request: Request, x: dict[str, Any] | None, key: str) -> Text:
    if x is None:
        return Text(key, "en")
    return localized(request, x.get("text_ja"), x.get("text_en"))


def crosstab_choices(request: Request, q: dict[str, Any]) -> list[dict[str, Any]]:
    """Every ordered pair of questions a cross-tab may use (required single choice or banded number), as
    `row:column`, those chosen marked."""
    ready = [x for x in q["questions"] if crosstab_ready(x)]
    chosen = {f"{a}:{b}" for a, b in q["crosstabs"]}
    return [
        {
            "value": f"{row['key']}:{column['key']}",
            "row": question_text(request, row, row["key"]),
            "column": question_text(request, column, column["key"]),
            "checked": f"{row['key']}:{column['key']}" in chosen,
        }
        for row in ready
        for column in ready
        if row["key"] != column["key"]
    ]


@dataclass
class QuestionPreview:
    key: str
    text: Text
    kind: str
    answers: int
    published: bool
    withheld: str = ""  # why only the number of answers is published: text | few | protected
    rows: list[tuple[Text, Cell]] = field(default_factory=list)
    mean: str | None = None
    median: str | None = None


@dataclass
class CrosstabPreview:
    row: Text
    column: Text
    table: CrossTabulation
    rows: list[Text]
    columns: list[Text]


def _labels(request: Request, x: dict[str, Any] | None) -> dict[str, Text]:
    return {o["key"]: localized(request, o["label_ja"], o.get("label_en")) for o in (x or {}).get("options", [])}


def _label(labels: dict[str, Text], category: str) -> Text:
    return labels.get(category, Text(category, "en"))


Preview = tuple[Statistics, list[QuestionPreview], list[CrosstabPreview]]


def statistics_preview(request: Request, survey: Survey) -> Preview | None:
    """The published statistics with each category's words, or None before the close."""
    if survey.status != Status.CLOSED:
        return None
    _, published = application(request).survey_statistics(survey.id)
    return _worded(request, survey, Statistics.model_validate(published))


def provisional_preview(request: Request, actor: Actor, survey: Survey) -> Preview | None:
    """While the survey is open, for a reader of its answers (the page: coordinators only): the statistics the close
    would publish from the answers submitted so far, computed and protected by the close's own code, with each
    category's words; None in any other state."""
    if survey.status != Status.OPEN:
        return None
    require_restricted_reader(actor)
    return _worded(request, survey, Statistics.model_validate(statistics_of(application(request), survey)))


def _worded(request: Request, survey: Survey, stats: Statistics) -> Preview:
    by_key = {x["key"]: x for x in survey.questionnaire["questions"]}
    questions = []
    for s in stats.questions:
        x, labels = by_key.get(s.key), _labels(request, by_key.get(s.key))
        view = QuestionPreview(s.key, question_text(request, x, s.key), s.kind, s.answers, s.published)
        if not s.published:
            view.withheld = "text" if s.kind == "text" else ("few" if s.answers < 3 else "protected")
        view.rows = [(_label(labels, c.category), c) for c in s.distribution]
        if s.summary is not None:
            view.mean, view.median = s.summary.mean, s.summary.median
        questions.append(view)
    tables = []
    for t in stats.crosstabs:
        rows, columns = _labels(request, by_key.get(t.row)), _labels(request, by_key.get(t.column))
        tables.append(
            CrosstabPreview(
                row=question_text(request, by_key.get(t.row), t.row),
                column=question_text(request, by_key.get(t.column), t.column),
                table=t,
                rows=[_label(rows, r) for r in t.rows],
                columns=[_label(columns, c) for c in t.columns],
            )
        )
    return stats, questions, tables
