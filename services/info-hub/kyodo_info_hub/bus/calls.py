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

# `open_data_versions` (opendata_versions) is no read model of this stream, but it is emptied with them: after
# `kyodo replay info-hub --from-scratch` every dataset gets a new salt, so no rebuilt state keeps an old ETag.
TABLES = ["portal_calls", "open_data_versions"]


def _rules(rules: p.CallRules) -> tuple[str, str]:
    deadline = rules.deadline.astimezone(TOKYO).isoformat()
    body = rules.model_dump(mode="json")
    body["deadline"] = deadline
    return deadline, json.dumps(body, ensure_ascii=False)


def _at(moment: datetime) -> str:
    return moment.astimezone(TOKYO).isoformat(timespec="seconds")


def on_call_event(envelope: Envelope, tx: Tx) -> None:
    """Apply a call's event. Each update is guarded by the row's source sequence, so an event applied again (a
    replay after the tracking was forgotten) changes nothing, except that it fills the times rows written before
    info_hub_0009 lack: `published_at` from `CallPublished`, `results_published_at` from `CallResultsPublished`, and
    `updated_at` from the event that last changed the row."""
    event = envelope.data
    if not isinstance(event, p.CallPublished | p.CallAmended | p.CallClosed | p.CallResultsPublished | p.CallCancelled):
        return
    call_id, sequence = str(event.call_id), envelope.sequence
    # When the call last changed, for the Atom feeds (feeds_calls): the event's time.
    changed = _at(envelope.time)
    newer = "WHERE call_id = %s AND source_sequence < %s"
    if isinstance(event, p.CallPublished):
        deadline, rules = _rules(event.rules)
        tx.execute(
            "INSERT INTO portal_calls (call_id, status, status_reason, deadline, rules, amendments, source_sequence, "
            "published_at, updated_at) VALUES (%s, 'open', '', %s, %s, '[]', %s, %s, %s) "
            "ON CONFLICT (call_id) DO UPDATE SET published_at = excluded.published_at "
            "WHERE portal_calls.published_at IS NULL",
            (call_id, deadline, rules, sequence, _at(event.published_at), changed),
        )
    elif isinstance(event, p.CallAmended):
        deadline, rules = _rules(event.rules)
        row = tx.fetchone("SELECT amendments FROM portal_calls WHERE call_id = %s", (call_id,))
        amendments = [*json.loads(str(row[0])), {"changed": event.changed, "reason": event.reason}] if row else []
        tx.execute(
            f"UPDATE portal_calls SET deadline = %s, rules = %s, amendments = %s, source_sequence = %s {newer}",  # noqa: S608
            (deadline, rules, json.dumps(amendments, ensure_ascii=False), sequence, call_id, sequence),
        )
    elif isinstance(event, p.CallClosed):
        tx.execute(
            f"UPDATE portal_calls SET status = 'closed', source_sequence = %s {newer}",  # noqa: S608
            (sequence, call_id, sequence),
        )
    elif isinstance(event, p.CallResultsPublished):
        results = event.model_dump(mode="json", exclude={"call_id"})
        tx.execute(
            "UPDATE portal_calls SET status = 'results_published', results = %s, source_sequence = %s "  # noqa: S608
            f"{newer}",
            (json.dumps(results, ensure_ascii=False), sequence, call_id, sequence),
        )
        tx.execute(
            "UPDATE portal_calls SET results_published_at = %s WHERE call_id = %s AND results_published_at IS NULL",
            (changed, call_id),
        )
    elif isinstance(event, p.CallCancelled):
        tx.execute(
            f"UPDATE portal_calls SET status = 'cancelled', status_reason = %s, source_sequence = %s {newer}",  # noqa: S608
            (event.reason, sequence, call_id, sequence),
        )
    # The event that set the row's state (just now, or applied again) dates it.
    tx.execute(
        "UPDATE portal_calls SET updated_at = %s WHERE call_id = %s AND source_sequence = %s",
        (changed, call_id, sequence),
    )


# Adoptions, the review's start and a blocked decision are for /me (bus/call_review.py); the portal shows adoptions
# through the results.
_ELSEWHERE = (p.ProposalAdopted, p.ReviewStarted, p.DecisionBlocked)
HANDLERS: dict[type[Contract], Handler] = dict.fromkeys([c for c in p.PUBLISHED if c not in _ELSEWHERE], on_call_event)
