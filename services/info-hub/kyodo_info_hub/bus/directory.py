"""The public group directory: the read model `directory_groups`, fed from the registry's contract events
(stream KYODO_REGISTRY), in info-hub's own database.

Registered groups appear; lapsed and suspended ones stay, marked; dissolved ones are removed. Applications never
appear: a profile is public only once its group is registered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_info_hub.bus.applications import forget_application
from kyodo_info_hub.bus.ties import forget_group
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import BatchHandler, Handler
from kyodo_shared.bus.replay import SplitBatch
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Tx
from kyodo_shared.store.search import search_keys

TABLES = ["directory_groups"]
# json.dumps(..., ensure_ascii=False) builds an encoder per call; this one is built once, with the same output.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


_PROFILE_COLUMNS = (
    "name, purpose, fields_of_activity, area, founded, members_count, website, search_text, fields_key, area_key"
)
_UPSERT = (
    f"INSERT INTO directory_groups (group_id, {_PROFILE_COLUMNS}, status, status_reason, renewal_due, "  # noqa: S608
    "registered_at, source_sequence) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, purpose = excluded.purpose, "
    "fields_of_activity = excluded.fields_of_activity, area = excluded.area, founded = excluded.founded, "
    "members_count = excluded.members_count, website = excluded.website, search_text = excluded.search_text, "
    "fields_key = excluded.fields_key, area_key = excluded.area_key, status = excluded.status, "
    "status_reason = excluded.status_reason, "
    "renewal_due = excluded.renewal_due, source_sequence = excluded.source_sequence "
    # A stream read again from an earlier position (info_hub_0004) never takes a row back to an older state.
    "WHERE directory_groups.source_sequence <= excluded.source_sequence"
)


def _profile_values(profile: r.GroupProfile) -> tuple[object, ...]:
    fields = profile.fields_of_activity
    return (
        profile.name,
        profile.purpose,
        _to_json(fields),
        profile.area,
        profile.founded.isoformat() if profile.founded else None,
        profile.members_count,
        profile.website,
        *search_keys([profile.name, profile.purpose, profile.area, *fields], fields, profile.area),
    )


def _registered_row(envelope: Envelope) -> tuple[object, ...]:
    event = envelope.data
    assert isinstance(event, r.GroupRegistered)
    due = event.renewal_due.isoformat() if event.renewal_due else None
    registered_at = envelope.time.astimezone(TOKYO).isoformat(timespec="seconds")
    return (
        str(event.group_id),
        *_profile_values(event.profile),
        "registered",
        "",
        due,
        registered_at,
        envelope.sequence,
    )


def on_group_registered(envelope: Envelope, tx: Tx) -> None:
    tx.execute(_UPSERT, _registered_row(envelope))


def registered_rows(envelopes: Sequence[Envelope]) -> list[tuple[object, ...]]:
    return [_registered_row(envelope) for envelope in envelopes]


def upsert_registered(rows: list[tuple[object, ...]], tx: Tx) -> None:
    # Rows are upserted in source order, so a later event for the same group still wins.
    tx.executemany(_UPSERT, rows)


# One batch of registrations; a replay builds the rows in its decoding process (bus/replay_worker.py).
on_groups_registered = SplitBatch(registered_rows, upsert_registered)


def on_profile_updated(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, r.GroupProfileUpdated)
    # Only groups in the directory are updated: an application's profile is not public here.
    assignments = ", ".join(f"{column.strip()} = %s" for column in _PROFILE_COLUMNS.split(","))
    tx.execute(
        f"UPDATE directory_groups SET {assignments}, source_sequence = %s "  # noqa: S608
        "WHERE group_id = %s AND source_sequence <= %s",
        (*_profile_values(event.profile), envelope.sequence, str(event.group_id), envelope.sequence),
    )


def _set_status(tx: Tx, envelope: Envelope, group_id: object, status: str, reason: str, due: object = None) -> None:
    tx.execute(
        "UPDATE directory_groups SET status = %s, status_reason = %s, renewal_due = COALESCE(%s, renewal_due), "
        "source_sequence = %s WHERE group_id = %s AND source_sequence <= %s",
        (status, reason, str(due) if due else None, envelope.sequence, str(group_id), envelope.sequence),
    )


def on_status(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, r.GroupLapsed):
        _set_status(tx, envelope, event.group_id, "lapsed", "")
    elif isinstance(event, r.GroupSuspended):
        _set_status(tx, envelope, event.group_id, "suspended", event.reason)
    elif isinstance(event, r.GroupReinstated | r.GroupRenewed):
        _set_status(tx, envelope, event.group_id, "registered", "", event.renewal_due)
    elif isinstance(event, r.GroupDissolved):
        tx.execute("DELETE FROM directory_groups WHERE group_id = %s", (str(event.group_id),))
        forget_group(tx, str(event.group_id))
        forget_application(tx, str(event.group_id))


HANDLERS: dict[type[Contract], Handler] = {
    r.GroupRegistered: on_group_registered,
    r.GroupProfileUpdated: on_profile_updated,
    r.GroupLapsed: on_status,
    r.GroupSuspended: on_status,
    r.GroupReinstated: on_status,
    r.GroupRenewed: on_status,
    r.GroupDissolved: on_status,
}
BATCH_HANDLERS: dict[type[Contract], BatchHandler] = {r.GroupRegistered: on_groups_registered}
