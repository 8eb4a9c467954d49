"""Calls for proposals on the public portal: the read model `portal_calls`, fed from the proposals service's
contract events (stream KYODO_PROPOSALS). Drafts never reach it: a call appears when it is published.
"""

from __future__ import annotations

import json
from datetime import datetime

from kyodo_contracts import Contract
from kyodo_contracts import proposals as p
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Tx

TABLES = ["portal_calls"]


def _rules(rules: p.CallRules) -> tuple[str, str]:
    deadline = rules.deadline.astimezone(TOKYO).isoformat()
    body = rules.model_dump(mode="json")
    body["deadline"] = deadline
    return deadline, json.dumps(body, ensure_ascii=False)


def _at(moment: datetime) -> str:
    return moment.astimezone(TOKYO).isoformat(timespec="seconds")


def on_call_event(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    # When the call last changed, for the Atom feeds (feeds_calls): the event's time.
    changed = _at(envelope.time)
    if isinstance(event, p.CallPublished):
        deadline, rules = _rules(event.rules)
        tx.execute(
            "INSERT INTO portal_calls (call_id, status, status_reason, deadline, rules, amendments, source_sequence, "
            "published_at, updated_at) VALUES (%s, 'open', '', %s, %s, '[]', %s, %s, %s) "
            "ON CONFLICT (call_id) DO NOTHING",
            (str(event.call_id), deadline, rules, envelope.sequence, _at(event.published_at), changed),
        )
    elif isinstance(event, p.CallAmended):
        deadline, rules = _rules(event.rules)
        row = tx.fetchone("SELECT amendments FROM portal_calls WHERE call_id = %s", (str(event.call_id),))
        amendments = [*json.loads(str(row[0])), {"changed": event.changed, "reason": event.reason}] if row else []
        tx.execute(
            "UPDATE portal_calls SET deadline = %s, rules = %s, amendments = %s, source_sequence = %s, updated_at = %s "
            "WHERE call_id = %s",
            (
                deadline,
                rules,
                json.dumps(amendments, ensure_ascii=False),
                envelope.sequence,
                changed,
                str(event.call_id),
            ),
        )
    elif isinstance(event, p.CallClosed):
        tx.execute(
            "UPDATE portal_calls SET status = 'closed', source_sequence = %s, updated_at = %s WHERE call_id = %s",
            (envelope.sequence, changed, str(event.call_id)),
        )
    elif isinstance(event, p.CallResultsPublished):
        results = event.model_dump(mode="json", exclude={"call_id"})
        tx.execute(
            "UPDATE portal_calls SET status = 'results_published', results = %s, source_sequence = %s, "
            "results_published_at = %s, updated_at = %s WHERE call_id = %s",
            (json.dumps(results, ensure_ascii=False), envelope.sequence, changed, changed, str(event.call_id)),
        )
    elif isinstance(event, p.CallCancelled):
        tx.execute(
            "UPDATE portal_calls SET status = 'cancelled', status_reason = %s, source_sequence = %s, updated_at = %s "
            "WHERE call_id = %s",
            (event.reason, envelope.sequence, changed, str(event.call_id)),
        )


# Adoptions reach evaluation (later); the portal shows them through the results.
HANDLERS: dict[type[Contract], Handler] = dict.fromkeys(
    [c for c in p.PUBLISHED if c is not p.ProposalAdopted], on_call_event
)
