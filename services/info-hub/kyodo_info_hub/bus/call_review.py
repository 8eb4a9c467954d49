"""What follows a call's deadline, for the coordinators' role home page `/me` (never the portal): read models of the
proposals service's stream (KYODO_PROPOSALS), in info-hub's own database.

- `hub_call_reviews`: one row per call whose review was opened (`proposals.call.review_started`), and whether its
  last decision was blocked for want of quorum (`proposals.call.decision_blocked`, with its reasons). A closed call
  without a row waits for a coordinator to open the review; its results end both (`portal_calls`' status).
- `hub_adoptions`: each adopted proposal (`proposals.proposal.adopted`): its call, group, title and department. One
  without a department waits for the center to name one on the evaluation service's page; the project that page
  creates (`evaluation_projects.proposal_id`) ends the wait.

Nothing sealed is kept: no proposal's content, no count of proposals, no scorer. Every write is an upsert keyed by
id and guarded by the source sequence, so a message applied again (info_hub_0014 re-reads the stream once) changes
nothing.
"""

from __future__ import annotations

from kyodo_contracts import Contract
from kyodo_contracts import proposals as p
from kyodo_info_hub.bus.texts import to_json as _to_json
from kyodo_info_hub.bus.texts import tokyo_text as _tokyo
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

TABLES = ["hub_call_reviews", "hub_adoptions"]

UNDER_REVIEW, DECISION_BLOCKED = "under_review", "decision_blocked"

_UPSERT_REVIEW = (
    "INSERT INTO hub_call_reviews (call_id, stage, reasons, changed_at, source_sequence) VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (call_id) DO UPDATE SET stage = excluded.stage, reasons = excluded.reasons, "
    "changed_at = excluded.changed_at, source_sequence = excluded.source_sequence "
    "WHERE hub_call_reviews.source_sequence <= excluded.source_sequence"
)


def on_review(envelope: Envelope, tx: Tx) -> None:
    """The review opened, or its decision blocked (a later attempt either publishes the results or blocks again)."""
    event = envelope.data
    if isinstance(event, p.ReviewStarted):
        values = (str(event.call_id), UNDER_REVIEW, "[]", _tokyo(event.started_at), envelope.sequence)
    elif isinstance(event, p.DecisionBlocked):
        values = (
            str(event.call_id),
            DECISION_BLOCKED,
            _to_json(event.reasons),
            _tokyo(envelope.time),
            envelope.sequence,
        )
    else:
        return
    tx.execute(_UPSERT_REVIEW, values)


_UPSERT_ADOPTION = (
    "INSERT INTO hub_adoptions (proposal_id, call_id, group_id, department_id, title_ja, adopted_at, source_sequence) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (proposal_id) DO UPDATE SET call_id = excluded.call_id, "
    "group_id = excluded.group_id, department_id = excluded.department_id, title_ja = excluded.title_ja, "
    "adopted_at = excluded.adopted_at, source_sequence = excluded.source_sequence "
    "WHERE hub_adoptions.source_sequence <= excluded.source_sequence"
)


def on_adopted(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, p.ProposalAdopted)
    tx.execute(
        _UPSERT_ADOPTION,
        (
            str(event.proposal_id),
            str(event.call_id),
            str(event.group_id),
            str(event.department_id) if event.department_id else None,
            event.title_ja,
            _tokyo(envelope.time),
            envelope.sequence,
        ),
    )


HANDLERS: dict[type[Contract], Handler] = {
    p.ReviewStarted: on_review,
    p.DecisionBlocked: on_review,
    p.ProposalAdopted: on_adopted,
}
