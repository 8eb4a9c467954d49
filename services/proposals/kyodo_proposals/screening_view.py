"""What the proposals service knows of the screening service's decisions (選別結果), read from the read model
`bus_screening` keeps from the screening service's contract events: a decision as the register shows it, and
whether a correction superseded it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kyodo_shared.store.db import Database

# The contract's `Outcome.SUITABLE`, stored as its string (the application does not read contracts).
SUITABLE = "suitable"


@dataclass(frozen=True)
class Decision:
    """A screening decision that has reached the proposals service."""

    decision_id: str
    outcome: str
    round_id: str
    project_id: str
    project_number: str
    title: str
    department_id: str
    fiscal_year: int
    forms: tuple[str, ...]
    replaces: str | None
    superseded_by: str | None

    @property
    def suitable(self) -> bool:
        return self.outcome == SUITABLE


@dataclass(frozen=True)
class Standing:
    """What is known of a decision id: the decision once it arrived, and the decision that replaced it — known
    also before the decision itself, when its correction came first."""

    decision: Decision | None
    superseded_by: str | None


class ScreeningView:
    """Queries over the screening read model."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def standing(self, decision_id: str) -> Standing:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT decision_id, outcome, round_id, project_id, project_number, title, department_id, fiscal_year, "
                "forms, replaces, superseded_by FROM scr_decisions WHERE decision_id = %s",
                (decision_id,),
            )
        if row is None:
            return Standing(None, None)
        superseded_by = str(row[10]) if row[10] is not None else None
        if row[1] is None:
            return Standing(None, superseded_by)  # only its correction has arrived
        decision = Decision(
            decision_id=str(row[0]),
            outcome=str(row[1]),
            round_id=str(row[2]),
            project_id=str(row[3]),
            project_number=str(row[4]),
            title=str(row[5]),
            department_id=str(row[6]),
            fiscal_year=int(row[7]),
            forms=tuple(str(form) for form in json.loads(str(row[8]))),
            replaces=str(row[9]) if row[9] is not None else None,
            superseded_by=superseded_by,
        )
        return Standing(decision, superseded_by)

    def decision(self, decision_id: str) -> Decision | None:
        """The decision, once it has reached the proposals service."""
        return self.standing(decision_id).decision
