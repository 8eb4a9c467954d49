"""The evaluation service's published reports, as screening shows them: beside the project a collaboration came
from, the committee's recommendation (継続・拡充, 改善して継続, 自主事業化, 終了) and its reasons — and, in a later
fiscal year's round, beside the project with the same department and project number (how the inventory carries a
project from year to year). The read model `ev_recommendations`, one row per evaluated project.

Only `evaluation.report.published` is followed; the stream's other contracts pass by (the consumer advances).
A report naming no screened project (a call that followed no screening) has nothing to stand beside here.
"""

from __future__ import annotations

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as ev
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Tx

READ_MODELS = ["ev_recommendations"]

_COLUMNS = (
    "screening_project_id, department_id, project_number, fiscal_year, recommendation, reasons_ja, reasons_en, "
    "published_at, source_sequence"
)
# An older report applied again (a replay from an earlier position) never overwrites a later one's row.
_UPSERT = (
    f"INSERT INTO ev_recommendations (evaluation_project_id, {_COLUMNS}) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (evaluation_project_id) DO UPDATE SET "
    + ", ".join(f"{column.strip()} = excluded.{column.strip()}" for column in _COLUMNS.split(","))
    + " WHERE ev_recommendations.source_sequence <= excluded.source_sequence"
)


def on_report_published(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, ev.ReportPublished)
    if event.screening_project_id is None:
        return
    screened = str(event.screening_project_id)
    # The project's department, number and year as this service keeps them (its query table), when it has them
    # already; the reads fall back to the same table, so a report that came first is matched all the same.
    known = tx.fetchone(
        "SELECT department_id, project_number, fiscal_year FROM screening_projects WHERE project_id = %s", (screened,)
    )
    tx.execute(
        _UPSERT,
        (
            str(event.project_id),
            screened,
            str(known[0]) if known else str(event.department_id),
            str(known[1]) if known else None,
            int(str(known[2])) if known else None,
            event.recommendation.value,
            event.reasons_ja,
            event.reasons_en,
            event.published_at.astimezone(TOKYO).isoformat(timespec="seconds"),
            envelope.sequence,
        ),
    )


HANDLERS: dict[type[Contract], Handler] = {ev.ReportPublished: on_report_published}
