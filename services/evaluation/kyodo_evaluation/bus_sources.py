"""The contract events a project comes from, kept in read models in the evaluation service's own database:
proposals' adoptions (採択) and the screening service's decisions (選別結果). The application reads them through
`sources_view.SourcesView`.

An adoption creates its project exactly once. The handler writes the adoption and, in the same transaction as the
consumer's tracked sequence, a durable timer due at once whose action creates the project under an id derived from
the proposal: a crash between the two cannot lose the project, a redelivered message schedules the same timer (one
id per kind, project and due time) and the action finds the project made already.

A screening correction is a new decision naming the one it replaces. It marks the replaced row even when that
decision has not arrived (a row with only `superseded`), so the decision is superseded from the moment it does
arrive, whatever order the two come in. Every write is an upsert of the message's own values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kyodo_contracts import Contract
from kyodo_contracts import proposals as p
from kyodo_contracts import screening as s
from kyodo_evaluation.domain import adoption_project_id
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx
from kyodo_shared.tasks.timers import schedule_in

SOURCE_READ_MODELS = ["ev_adoptions", "ev_screening_decisions"]

CREATE_TIMER = "evaluation.project.create"
# The due time of a creation: long past on every clock.
AT_ONCE = datetime(2000, 1, 1, tzinfo=UTC)


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def adoption_payload(event: p.ProposalAdopted) -> dict[str, Any]:
    """The adoption as the timer's action reads it (JSON: ids as strings)."""
    return {
        "call_id": str(event.call_id),
        "proposal_id": str(event.proposal_id),
        "group_id": str(event.group_id),
        "department_id": _text(event.department_id),
        "title_ja": event.title_ja,
        "screening_decision_id": _text(event.screening_decision_id),
        "rank": event.rank,
        "score": event.score,
    }


def on_proposal_adopted(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, p.ProposalAdopted)
    # In UTC, so every delivery of the message gives the same text and the same timer id.
    adopted_at = envelope.time.astimezone(UTC)
    tx.execute(
        "INSERT INTO ev_adoptions (proposal_id, call_id, group_id, department_id, title_ja, screening_decision_id, "
        "rank, score, adopted_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (proposal_id) DO UPDATE SET call_id = excluded.call_id, group_id = excluded.group_id, "
        "department_id = excluded.department_id, title_ja = excluded.title_ja, "
        "screening_decision_id = excluded.screening_decision_id, rank = excluded.rank, score = excluded.score, "
        "adopted_at = excluded.adopted_at",
        (
            str(event.proposal_id),
            str(event.call_id),
            str(event.group_id),
            _text(event.department_id),
            event.title_ja,
            _text(event.screening_decision_id),
            event.rank,
            event.score,
            adopted_at.isoformat(),
        ),
    )
    # Due at once, whatever either service's clock says (the proposals service's may run ahead of this one's, as a
    # staging clock does), and at a fixed moment so every delivery names the same timer.
    schedule_in(tx, CREATE_TIMER, str(adoption_project_id(event.proposal_id)), AT_ONCE, adoption_payload(event))


def on_decision_made(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, s.DecisionMade)
    project = event.project
    # `superseded` is left as it is: a correction may have arrived first.
    tx.execute(
        "INSERT INTO ev_screening_decisions (decision_id, project_id, department_id, project_number, title, "
        "fiscal_year, outcome, forms, replaces) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (decision_id) DO UPDATE SET project_id = excluded.project_id, "
        "department_id = excluded.department_id, project_number = excluded.project_number, title = excluded.title, "
        "fiscal_year = excluded.fiscal_year, outcome = excluded.outcome, forms = excluded.forms, "
        "replaces = excluded.replaces",
        (
            str(event.decision_id),
            str(project.project_id),
            str(project.department_id),
            project.project_number,
            project.title,
            project.fiscal_year,
            event.outcome.value,
            json.dumps([form.value for form in event.forms]),
            _text(event.replaces),
        ),
    )
    if event.replaces is not None:
        tx.execute(
            "INSERT INTO ev_screening_decisions (decision_id, superseded) VALUES (%s, %s) "
            "ON CONFLICT (decision_id) DO UPDATE SET superseded = excluded.superseded",
            (str(event.replaces), True),
        )


PROPOSALS_HANDLERS: dict[type[Contract], Handler] = {p.ProposalAdopted: on_proposal_adopted}
SCREENING_HANDLERS: dict[type[Contract], Handler] = {s.DecisionMade: on_decision_made}
