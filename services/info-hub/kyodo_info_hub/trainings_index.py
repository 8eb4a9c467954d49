"""The center's trainings: query tables projected from info-hub's own events (lists read these; commands never decide
from them). One row per training with its public view (never a registrant), for the public list and the iCal feed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from kyodo_info_hub.trainings import Training
from kyodo_shared.store.db import Database, Tx
from kyodo_shared.tasks.projection import ProjectionHandler

NAME = "info_hub_trainings"


def _is_training_event(e: Any) -> bool:
    return type(e).__qualname__.startswith("Training.")


def training_index(app: Any, events: Sequence[Any]) -> Callable[[Tx], None]:
    """The row of every training the events touched, read once at its current version."""
    touched = {e.originator_id for e in events if _is_training_event(e)}
    rows = []
    for training_id in touched:
        training = app.repository.get(training_id)
        if isinstance(training, Training):
            rows.append(_row(training))

    def write(tx: Tx) -> None:
        for values in rows:
            tx.execute(
                "INSERT INTO hub_trainings (training_id, kind, status, starts_at_utc, audience, record, version) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (training_id) DO UPDATE SET "
                "kind = excluded.kind, status = excluded.status, starts_at_utc = excluded.starts_at_utc, "
                "audience = excluded.audience, record = excluded.record, version = excluded.version "
                "WHERE hub_trainings.version < excluded.version",
                values,
            )

    return write


def _row(t: Training) -> tuple[Any, ...]:
    starts = datetime.fromisoformat(t.plan["starts_at"]).astimezone(UTC).isoformat()
    audience = " " + " ".join(t.plan["audience"]) + " "
    record = json.dumps(t.public(), ensure_ascii=False, default=str)
    return (str(t.id), t.kind.value, t.status.value, starts, audience, record, t.version)


PROJECTIONS: dict[str, ProjectionHandler] = {NAME: training_index}


def list_trainings(
    db: Database,
    *,
    statuses: Sequence[str],
    kind: str | None,
    audience: str | None,
    upcoming_from: datetime | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """Trainings in the given statuses, soonest first (those not yet ended before the past when `upcoming_from`)."""
    marks = ", ".join(["%s"] * len(statuses))
    clauses, params = [f"status IN ({marks})"], list(statuses)
    if kind:
        clauses.append("kind = %s")
        params.append(kind)
    if audience:
        clauses.append("audience LIKE %s")
        params.append(f"% {audience} %")
    where = " WHERE " + " AND ".join(clauses)
    if upcoming_from is not None:
        # Upcoming first (soonest first), then the past (latest first).
        order = " ORDER BY CASE WHEN starts_at_utc >= %s THEN 0 ELSE 1 END, "
        order += "CASE WHEN starts_at_utc >= %s THEN starts_at_utc END, starts_at_utc DESC, training_id"
        order_params: list[Any] = [upcoming_from.astimezone(UTC).isoformat()] * 2
    else:
        order, order_params = " ORDER BY starts_at_utc, training_id", []
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM hub_trainings" + where, params)  # noqa: S608
        rows = tx.fetchall(
            "SELECT record FROM hub_trainings" + where + order + " LIMIT %s OFFSET %s",  # noqa: S608
            [*params, *order_params, limit, offset],
        )
    return [json.loads(str(r[0])) for r in rows], int(str(total[0])) if total else 0
