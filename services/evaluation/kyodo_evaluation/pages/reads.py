"""What the workspace pages read beside the application's queries: which groups and departments the viewer acts
for (so /evaluation/projects can name them to `list_projects`, which refuses a partner naming none), the names to
show for ids, and the choices of the coordinator's forms (registered groups, departments, suitable screening
decisions). Reads of this service's own read models only; every decision stays with the application, which checks
again whatever a form posts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from kyodo_evaluation.registry_view import RegistryView
from kyodo_evaluation.vocabulary import NO_CALL_FORMS


@dataclass(frozen=True)
class Named:
    id: str
    name_ja: str
    name_en: str | None = None


@dataclass(frozen=True)
class Decision:
    """A suitable screening decision, not corrected, naming a form that needs no call."""

    decision_id: str
    title: str
    fiscal_year: int
    department_id: str
    forms: tuple[str, ...]


class PageReads:
    def __init__(self, view: RegistryView) -> None:
        self.db = view.db

    def groups_of(self, sub: str) -> list[Named]:
        """Groups the viewer represents or is a contact of."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT group_id, name FROM reg_groups WHERE representative_sub = %s OR group_id IN "
                "(SELECT group_id FROM reg_group_contacts WHERE contact_sub = %s) ORDER BY name, group_id",
                (sub, sub),
            )
        return [Named(str(r[0]), str(r[1])) for r in rows]

    def departments_of(self, sub: str, on: date) -> list[Named]:
        """Departments the viewer is on the staff of, or the liaison of, on the day."""
        day = on.isoformat()
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT department_id, name_ja, name_en FROM reg_departments WHERE department_id IN "
                "(SELECT department_id FROM reg_staff WHERE staff_sub = %s AND since <= %s "
                "AND (until IS NULL OR until >= %s) "
                "UNION SELECT department_id FROM reg_liaisons WHERE liaison_sub = %s AND since <= %s) "
                "ORDER BY code, department_id",
                (sub, day, day, sub, day),
            )
        return [Named(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in rows]

    def registered_groups(self) -> list[Named]:
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT group_id, name FROM reg_groups WHERE status = 'registered' ORDER BY name, group_id"
            )
        return [Named(str(r[0]), str(r[1])) for r in rows]

    def departments(self) -> list[Named]:
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT department_id, name_ja, name_en FROM reg_departments ORDER BY code")
        return [Named(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in rows]

    def group_names(self) -> dict[str, str]:
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT group_id, name FROM reg_groups")
        return {str(r[0]): str(r[1]) for r in rows}

    def department_names(self) -> dict[str, Named]:
        return {d.id: d for d in self.departments()}

    def suitable_decisions(self) -> list[Decision]:
        """Decisions a project may start from without a call, newest fiscal year first (the application refuses
        any other, whatever is posted)."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT decision_id, title, fiscal_year, department_id, forms FROM ev_screening_decisions "
                "WHERE outcome = 'suitable' AND NOT superseded ORDER BY fiscal_year DESC, title, decision_id"
            )
        found = []
        for r in rows:
            forms = tuple(f for f in json.loads(str(r[4])) if f in NO_CALL_FORMS)
            if forms:
                found.append(Decision(str(r[0]), str(r[1]), int(r[2]), str(r[3]), forms))
        return found
