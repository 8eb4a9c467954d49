"""The survey's query tables (実態調査), projections of info-hub's own events, rebuildable from the store: one row
of `hub_surveys` per survey (its public view, questions and, once closed, statistics), for lists, the history of a
question year over year, and the open data. Commands never decide from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from kyodo_info_hub.surveys import Survey
from kyodo_shared.store.db import Database, Tx
from kyodo_shared.tasks.projection import ProjectionHandler

NAME = "info_hub_surveys"
_COLUMNS = (
    "survey_id, fiscal_year, title_ja, title_en, status, opens_at, closes_at, closed_at, statistics, questions, "
    "record, version"
)
_QUESTION_FIELDS = ("key", "kind", "section", "text_ja", "text_en", "options", "unit_ja", "unit_en")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def survey_index(app: Any, events: Sequence[Any]) -> Callable[[Tx], None]:
    """The row of every survey the events touched, read once at its current version."""
    touched = {e.originator_id for e in events if type(e).__qualname__.startswith("Survey.")}
    rows = []
    for survey_id in touched:
        survey = app.repository.get(survey_id)
        if isinstance(survey, Survey):
            rows.append(_row(survey))

    def write(tx: Tx) -> None:
        # `<=`: a replay from scratch rewrites a row at the same version (a new column reaches old rows); only an
        # older state never overwrites a newer one.
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[1:])
        for values in rows:
            tx.execute(
                f"INSERT INTO hub_surveys ({_COLUMNS}) VALUES ({', '.join(['%s'] * 12)}) "  # noqa: S608
                f"ON CONFLICT (survey_id) DO UPDATE SET {updates} WHERE hub_surveys.version <= excluded.version",
                values,
            )

    return write


def _row(s: Survey) -> tuple[Any, ...]:
    q = s.questionnaire
    questions = [
        {**{k: x.get(k) for k in _QUESTION_FIELDS}, "options": [dict(o) for o in x["options"]]} for x in q["questions"]
    ]
    statistics = _dumps(s.statistics) if s.statistics is not None else None
    return (
        str(s.id),
        s.fiscal_year,
        q["title_ja"],
        q.get("title_en"),
        s.status.value,
        s.opens_at,
        s.closes_at,
        s.closed_at,
        statistics,
        _dumps(questions),
        _dumps(s.public()),
        s.version,
    )


PROJECTIONS: dict[str, ProjectionHandler] = {NAME: survey_index}


def list_surveys(
    db: Database, *, statuses: Sequence[str], fiscal_year: int | None, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Surveys in the given statuses, the latest year first, then the soonest close."""
    clauses, params = [f"status IN ({', '.join(['%s'] * len(statuses))})"], list[Any](statuses)
    if fiscal_year is not None:
        clauses.append("fiscal_year = %s")
        params.append(fiscal_year)
    where = " WHERE " + " AND ".join(clauses)
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM hub_surveys" + where, params)  # noqa: S608
        order = " ORDER BY fiscal_year DESC, closes_at, survey_id LIMIT %s OFFSET %s"
        rows = tx.fetchall(
            "SELECT record FROM hub_surveys" + where + order,  # noqa: S608
            [*params, limit, offset],
        )
    return [json.loads(str(r[0])) for r in rows], int(str(total[0])) if total else 0


def question_history(db: Database, key: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Per closed survey that asked the question (by its key), oldest year first: its texts and statistics; one
    page of them and how many there are. The LIKE only narrows the rows (it also matches an option's key), so the
    page is cut after the exact match, over one question's years — a few rows per fiscal year."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT survey_id, fiscal_year, title_ja, title_en, closed_at, questions, statistics FROM hub_surveys "
            "WHERE status = 'closed' AND questions LIKE %s ORDER BY fiscal_year, closed_at, survey_id",
            (f'%"key": {json.dumps(key, ensure_ascii=False)}%',),
        )
    history = []
    for r in rows:
        question = next((x for x in json.loads(str(r[5])) if x["key"] == key), None)
        stats = json.loads(str(r[6])) if r[6] is not None else {}
        published = next((x for x in stats.get("questions", []) if x["key"] == key), None)
        if question is None:
            continue
        history.append(
            {
                "survey_id": str(r[0]),
                "fiscal_year": int(str(r[1])),
                "title_ja": str(r[2]),
                "title_en": r[3],
                "closed_at": str(r[4]),
                "question": question,
                "statistics": published,
                "response_rate_percent": stats.get("response_rate_percent"),
            }
        )
    return history[offset : offset + limit], len(history)
