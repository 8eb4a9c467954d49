"""The partners' steps of a collaboration project, for the role home page `/me`: read models of the evaluation
service's `agreement.drafted`, `agreement.confirmed` and `self_evaluation.sent` (info_hub_0013).

- `evaluation_drafts`: each project's latest draft of its agreement (or of an amendment) — version, whether an
  amendment — and when each partner confirmed it (a confirmation is always of the latest draft: the service refuses
  any other, and the contract names none); a new draft replaces the row and clears the confirmations, as it
  does in the service. The draft's content is not published: the partners read it on the evaluation service's page.
- `evaluation_self_evaluations_sent`: that a partner's self-evaluation was sent, and when (never what it says).

Messages of one project come in the stream's order; each write is guarded by the source sequence, so a message
applied again (a replay, a redelivery) changes nothing: an old confirmation never marks a later draft.
"""

from __future__ import annotations

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as ev
from kyodo_info_hub.bus.texts import tokyo_text as _tokyo
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

TABLES = ["evaluation_drafts", "evaluation_self_evaluations_sent"]

# The column of each partner's confirmation (names from this table only, never from a message).
_CONFIRMED = {ev.Partner.GROUP: "group_confirmed_at", ev.Partner.DEPARTMENT: "department_confirmed_at"}


def on_drafted(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, ev.AgreementDrafted)
    tx.execute(
        "INSERT INTO evaluation_drafts (project_id, agreement_version, amendment, drafted_at, "
        "group_confirmed_at, department_confirmed_at, source_sequence) VALUES (%s, %s, %s, %s, NULL, NULL, %s) "
        "ON CONFLICT (project_id) DO UPDATE SET agreement_version = excluded.agreement_version, "
        "amendment = excluded.amendment, drafted_at = excluded.drafted_at, "
        "group_confirmed_at = NULL, department_confirmed_at = NULL, source_sequence = excluded.source_sequence "
        "WHERE evaluation_drafts.source_sequence < excluded.source_sequence",
        (
            str(event.project_id),
            event.agreement_version,
            event.amendment,
            _tokyo(envelope.time),
            envelope.sequence,
        ),
    )


def on_confirmed(envelope: Envelope, tx: Tx) -> None:
    """Marks the project's draft drafted before this message — the one confirmed — never a later one (a message
    applied again after a redraft finds the row's sequence past its own)."""
    event = envelope.data
    assert isinstance(event, ev.AgreementConfirmed)
    column = _CONFIRMED[event.partner]
    tx.execute(
        f"UPDATE evaluation_drafts SET {column} = %s "  # noqa: S608
        "WHERE project_id = %s AND source_sequence < %s",
        (_tokyo(envelope.time), str(event.project_id), envelope.sequence),
    )


def on_sent(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, ev.SelfEvaluationSent)
    tx.execute(
        "INSERT INTO evaluation_self_evaluations_sent (project_id, partner, sent_at, source_sequence) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (project_id, partner) DO NOTHING",
        (str(event.project_id), event.partner.value, _tokyo(event.sent_at), envelope.sequence),
    )


HANDLERS: dict[type[Contract], Handler] = {
    ev.AgreementDrafted: on_drafted,
    ev.AgreementConfirmed: on_confirmed,
    ev.SelfEvaluationSent: on_sent,
}
