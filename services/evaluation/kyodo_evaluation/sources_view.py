"""What the evaluation service knows of the sources of projects, read from the read models `bus_sources` keeps:
proposals' adoptions and the screening service's decisions (選別結果), with whether a correction superseded one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kyodo_shared.store.db import Database


@dataclass(frozen=True)
class ScreeningDecision:
    """A screening decision that has reached the evaluation service."""

    decision_id: str
    project_id: str
    department_id: str
    title: str
    fiscal_year: int
    outcome: str  # "suitable" | "not_suitable" | "needs_study"
    forms: tuple[str, ...]
    superseded: bool  # a later decision names it in `replaces`


class SourcesView:
    """Queries over the sources' read models."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def screening_decision(self, decision_id: str) -> ScreeningDecision | None:
        """The decision once it has arrived (None before, even if its correction came first)."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT decision_id, project_id, department_id, title, fiscal_year, outcome, forms, superseded "
                "FROM ev_screening_decisions WHERE decision_id = %s",
                (decision_id,),
            )
        if row is None or row[5] is None:
            return None  # unknown, or only its correction has arrived
        return ScreeningDecision(
            decision_id=str(row[0]),
            project_id=str(row[1]),
            department_id=str(row[2]),
            title=str(row[3]),
            fiscal_year=int(row[4]),
            outcome=str(row[5]),
            forms=tuple(str(form) for form in json.loads(str(row[6]))),
            superseded=bool(row[7]),
        )

    def adoptions_without_department(self) -> list[dict[str, Any]]:
        """Adoptions that named neither a department nor a screening decision (calls drafted without one): a
        coordinator names the partnering department for each, oldest first."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT proposal_id FROM ev_adoptions WHERE department_id IS NULL AND screening_decision_id IS NULL "
                "ORDER BY adopted_at, proposal_id"
            )
        found = [self.adoption(str(row[0])) for row in rows]
        return [a for a in found if a is not None]

    def adoption(self, proposal_id: str) -> dict[str, Any] | None:
        """The adoption as received: ids as strings, `department_id`, `title_ja` and `screening_decision_id` None
        when the adoption did not carry them, `adopted_at` as ISO text (UTC)."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT proposal_id, call_id, group_id, department_id, title_ja, screening_decision_id, rank, score, "
                "adopted_at FROM ev_adoptions WHERE proposal_id = %s",
                (proposal_id,),
            )
        if row is None:
            return None
        optional = (None if value is None else str(value) for value in (row[3], row[4], row[5]))
        department_id, title_ja, screening_decision_id = optional
        return {
            "proposal_id": str(row[0]),
            "call_id": str(row[1]),
            "group_id": str(row[2]),
            "department_id": department_id,
            "title_ja": title_ja,
            "screening_decision_id": screening_decision_id,
            "rank": int(row[6]),
            "score": str(row[7]),
            "adopted_at": str(row[8]),
        }
