"""The screening service's contract events the proposals service follows, kept in a read model in its own database:
the decisions (選別結果) a partner selection may follow, and which of them a correction superseded. The application
reads them through `screening_view.ScreeningView`.

A correction is a new decision naming the one it replaces. It marks the replaced row even when that decision has not
arrived (its row is made with only `superseded_by`), so the decision is superseded from the moment it does arrive,
whatever order the two come in. Every write is an upsert of the message's own values: a redelivered message leaves
the rows as they were.
"""

from __future__ import annotations

import json

from kyodo_contracts import Contract
from kyodo_contracts import screening as s
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

READ_MODELS = ["scr_decisions"]


def on_decision_made(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, s.DecisionMade)
    project = event.project
    # `superseded_by` is left as it is: a correction may have arrived first.
    tx.execute(
        "INSERT INTO scr_decisions (decision_id, outcome, round_id, project_id, project_number, title, department_id, "
        "fiscal_year, forms, replaces, decided_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (decision_id) DO UPDATE SET outcome = excluded.outcome, round_id = excluded.round_id, "
        "project_id = excluded.project_id, project_number = excluded.project_number, title = excluded.title, "
        "department_id = excluded.department_id, fiscal_year = excluded.fiscal_year, forms = excluded.forms, "
        "replaces = excluded.replaces, decided_at = excluded.decided_at",
        (
            str(event.decision_id),
            event.outcome.value,
            str(event.round_id),
            str(project.project_id),
            project.project_number,
            project.title,
            str(project.department_id),
            project.fiscal_year,
            json.dumps([form.value for form in event.forms]),
            str(event.replaces) if event.replaces else None,
            event.decided_at.isoformat(),
        ),
    )
    if event.replaces is not None:
        # In source order the latest correction of a decision is the one that names its replacement.
        tx.execute(
            "INSERT INTO scr_decisions (decision_id, superseded_by) VALUES (%s, %s) "
            "ON CONFLICT (decision_id) DO UPDATE SET superseded_by = excluded.superseded_by",
            (str(event.replaces), str(event.decision_id)),
        )


HANDLERS: dict[type[Contract], Handler] = {s.DecisionMade: on_decision_made}
