"""The proposals service's call index: a query table kept from its own events (lists of calls)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kyodo_proposals.app_base import ProposalsBase
from kyodo_shared.store.db import Database, Tx

NAME = "call_index"


def project_calls(app: ProposalsBase, events: Sequence[Any]) -> Callable[[Tx], None]:
    touched = {e.originator_id for e in events if type(e).__qualname__.startswith("Call.")}
    rows = []
    for call_id in sorted(touched, key=str):
        call = app.get_call(call_id)
        spec = call.spec
        rows.append((str(call.id), spec["kind"], spec["title_ja"], call.status, spec["deadline"], call.version))

    def write(tx: Tx) -> None:
        for row in rows:
            tx.execute(
                "INSERT INTO proposals_call_index (call_id, kind, title_ja, status, deadline, version) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (call_id) DO UPDATE SET kind = excluded.kind, "
                "title_ja = excluded.title_ja, status = excluded.status, deadline = excluded.deadline, "
                "version = excluded.version",
                row,
            )

    return write


@dataclass(frozen=True)
class IndexedCall:
    call_id: str
    kind: str
    title_ja: str
    status: str
    deadline: str


def list_calls(db: Database, statuses: Sequence[str], offset: int, limit: int) -> tuple[list[IndexedCall], int]:
    where = f" WHERE status IN ({', '.join(['%s'] * len(statuses))})"
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone("SELECT COUNT(*) FROM proposals_call_index" + where, list(statuses))  # noqa: S608
        rows = tx.fetchall(
            "SELECT call_id, kind, title_ja, status, deadline FROM proposals_call_index"  # noqa: S608
            + where
            + " ORDER BY deadline, call_id LIMIT %s OFFSET %s",
            [*statuses, limit, offset],
        )
    return [IndexedCall(*(str(v) for v in row)) for row in rows], int(total[0]) if total else 0
