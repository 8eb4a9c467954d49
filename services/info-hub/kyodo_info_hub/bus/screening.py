"""The screening register (事業の選別の結果): read models fed from the screening service's contract events (stream
KYODO_SCREENING), in info-hub's own database.

- `screening_projects`: each project of the departments' inventories as it is now (which projects a round screens);
- `screening_rounds`: each round, its fiscal year, departments in scope, checklist and status;
- `hub_round_team`: who is on each round's team (the subs the opening fixed), for the role home page `/me` only:
  never shown on the public register, and never linked to assessments (which the decisions publish under labels);
- `screening_decisions` (+ `screening_decision_forms`): the register, one row per decision, published at decision
  and never before. A correction names the decision it replaces, which is then marked `superseded_by` it; a
  'needs study' decision whose re-screen date came is marked `rescreen` (pending again in its round, or waiting
  for the department's next round) and stays in the register.

Every write is an upsert or a plain update keyed by id, so a message applied twice leaves the same rows.
"""

from __future__ import annotations

from kyodo_contracts import Contract
from kyodo_contracts import screening as s
from kyodo_info_hub.bus.texts import to_json as _to_json
from kyodo_info_hub.bus.texts import tokyo_text as _tokyo
from kyodo_info_hub.domain import NEXT_ROUND, REOPENED_IN_ROUND
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

TABLES = ["screening_projects", "screening_rounds", "screening_decisions", "screening_decision_forms", "hub_round_team"]

# The `WHERE … source_sequence <= excluded.source_sequence` of each upsert: an older message applied again (a replay
# from an earlier position) never overwrites what a later one wrote.
_UPSERT_PROJECT = (
    "INSERT INTO screening_projects (project_id, department_id, fiscal_year, project_number, title, record, "
    "source_sequence) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (project_id) DO UPDATE SET "
    "department_id = excluded.department_id, fiscal_year = excluded.fiscal_year, "
    "project_number = excluded.project_number, title = excluded.title, record = excluded.record, "
    "source_sequence = excluded.source_sequence WHERE screening_projects.source_sequence <= excluded.source_sequence"
)


def on_project(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, s.ProjectEntered | s.ProjectUpdated)
    project = event.project
    tx.execute(
        _UPSERT_PROJECT,
        (
            str(project.project_id),
            str(project.department_id),
            project.fiscal_year,
            project.project_number,
            project.title,
            _to_json(project.model_dump(mode="json")),
            envelope.sequence,
        ),
    )


_UPSERT_ROUND = (
    "INSERT INTO screening_rounds (round_id, fiscal_year, title_ja, title_en, department_ids, checklist, "
    "self_check_deadline, opened_on, status, source_sequence) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'open', %s) "
    "ON CONFLICT (round_id) DO UPDATE SET fiscal_year = excluded.fiscal_year, title_ja = excluded.title_ja, "
    "title_en = excluded.title_en, department_ids = excluded.department_ids, checklist = excluded.checklist, "
    "self_check_deadline = excluded.self_check_deadline, opened_on = excluded.opened_on, "
    "source_sequence = excluded.source_sequence WHERE screening_rounds.source_sequence <= excluded.source_sequence"
)


def on_round_opened(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, s.RoundOpened)
    tx.execute(
        _UPSERT_ROUND,
        (
            str(event.round_id),
            event.fiscal_year,
            event.title_ja,
            event.title_en,
            _to_json(sorted(str(d) for d in event.department_ids)),
            _to_json([item.model_dump(mode="json") for item in event.checklist]),
            _tokyo(event.self_check_deadline),
            event.opened_on.isoformat(),
            envelope.sequence,
        ),
    )
    # The team, for /me (a member sees the rounds they screen); the public register names nobody. A round opens
    # once, so its roster is written whole each time its opening is applied.
    round_id = str(event.round_id)
    tx.execute("DELETE FROM hub_round_team WHERE round_id = %s", (round_id,))
    if event.team_subs:
        tx.executemany(
            "INSERT INTO hub_round_team (round_id, member_sub) VALUES (%s, %s)",
            [(round_id, sub) for sub in sorted(set(event.team_subs))],
        )


def on_round_status(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, s.SelfCheckClosed):
        tx.execute(
            # A status never moves back: a round already closed stays closed.
            "UPDATE screening_rounds SET "
            "status = CASE WHEN status = 'closed' THEN status ELSE 'self_check_closed' END, "
            "self_check_closed_at = %s, source_sequence = %s WHERE round_id = %s AND source_sequence <= %s",
            (_tokyo(event.closed_at), envelope.sequence, str(event.round_id), envelope.sequence),
        )
    elif isinstance(event, s.RoundClosed):
        tx.execute(
            "UPDATE screening_rounds SET status = 'closed', closed_at = %s, undecided = %s, source_sequence = %s "
            "WHERE round_id = %s AND source_sequence <= %s",
            (_tokyo(event.closed_at), event.undecided, envelope.sequence, str(event.round_id), envelope.sequence),
        )


# `superseded_by` and `rescreen` are left out of the update: later messages set them, and this one knows neither.
# A new row still takes `superseded_by` from a correction already here (should it ever arrive first).
_DECISION_COLUMNS = (
    "round_id, project_id, department_id, fiscal_year, project_number, project_title, outcome, forms, reasons_ja, "
    "reasons_en, rescreen_on, replaces, decided_at, body, source_sequence"
)
_UPSERT_DECISION = (
    f"INSERT INTO screening_decisions (decision_id, {_DECISION_COLUMNS}, superseded_by) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
    "(SELECT c.decision_id FROM screening_decisions c WHERE c.replaces = %s "
    "ORDER BY c.source_sequence DESC LIMIT 1)) ON CONFLICT (decision_id) DO UPDATE SET "
    + ", ".join(f"{column.strip()} = excluded.{column.strip()}" for column in _DECISION_COLUMNS.split(","))
    + " WHERE screening_decisions.source_sequence <= excluded.source_sequence"
)


def on_decision(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, s.DecisionMade)
    decision_id, project = str(event.decision_id), event.project
    # The register lists a decision under its round's fiscal year, which the decision names.
    fiscal_year = event.round_fiscal_year
    tx.execute(
        _UPSERT_DECISION,
        (
            decision_id,
            str(event.round_id),
            str(project.project_id),
            str(project.department_id),
            fiscal_year,
            project.project_number,
            project.title,
            event.outcome.value,
            _to_json([form.value for form in event.forms]),
            event.reasons_ja,
            event.reasons_en,
            event.rescreen_on.isoformat() if event.rescreen_on else None,
            str(event.replaces) if event.replaces else None,
            _tokyo(event.decided_at),
            _to_json(event.model_dump(mode="json")),
            envelope.sequence,
            decision_id,
        ),
    )
    tx.execute("DELETE FROM screening_decision_forms WHERE decision_id = %s", (decision_id,))
    forms = sorted({form.value for form in event.forms})
    if forms:
        tx.executemany(
            "INSERT INTO screening_decision_forms (decision_id, form) VALUES (%s, %s)",
            [(decision_id, form) for form in forms],
        )
    if event.replaces is not None:
        tx.execute(
            "UPDATE screening_decisions SET superseded_by = %s WHERE decision_id = %s",
            (decision_id, str(event.replaces)),
        )


def on_rescreen_due(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, s.RescreenDue)
    # The decision stays in the register; progress counts its project pending again when reopened in its round.
    tx.execute(
        "UPDATE screening_decisions SET rescreen = %s WHERE decision_id = %s",
        (REOPENED_IN_ROUND if event.reopened_in_round else NEXT_ROUND, str(event.decision_id)),
    )


HANDLERS: dict[type[Contract], Handler] = {
    s.ProjectEntered: on_project,
    s.ProjectUpdated: on_project,
    s.RoundOpened: on_round_opened,
    s.SelfCheckClosed: on_round_status,
    s.RoundClosed: on_round_status,
    s.DecisionMade: on_decision,
    s.RescreenDue: on_rescreen_due,
}
