"""What the screening service knows of the registry, read from the read models `bus_registry` keeps: departments,
who is on a department's staff, its liaison, the cross-department team on a day, and declared interests."""

from __future__ import annotations

from datetime import date, timedelta

from kyodo_shared.store.db import Database

# As the registry recuses (kyodo_registry.org.app_interests.RECUSAL_COOLING_OFF_DAYS; services never import each
# other, so the rule is restated here).
RECUSAL_COOLING_OFF_DAYS = 365


class RegistryView:
    """Queries over the registry's read models."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def department(self, department_id: str) -> tuple[str, str | None] | None:
        """(name_ja, name_en) of a department the registry has published, or None."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT name_ja, name_en FROM reg_departments WHERE department_id = %s", (department_id,))
        return (str(row[0]), None if row[1] is None else str(row[1])) if row else None

    def departments(self) -> list[tuple[str, str, str | None]]:
        """(department_id, name_ja, name_en) of every department the registry has published, by code."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT department_id, name_ja, name_en FROM reg_departments ORDER BY code, name_ja")
        return [(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in rows]

    def groups(self, group_ids: list[str] | None = None) -> list[tuple[str, str, str]]:
        """(group_id, name, status) of the registry's registered groups, by name — and of `group_ids` whatever
        their standing (a project already naming a group that has since lapsed still shows it by name)."""
        named = group_ids or []
        marks = ", ".join(["%s"] * len(named)) or "NULL"
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                f"SELECT group_id, name, status FROM reg_groups WHERE status = 'registered' "  # noqa: S608 - marks only
                f"OR group_id IN ({marks}) ORDER BY name, group_id",
                tuple(named),
            )
        return [(str(g), str(n), str(s)) for g, n, s in rows]

    def staff_departments(self, sub: str, on: date) -> list[str]:
        """The departments whose staff `sub` is on, on a day (a person may serve in more than one)."""
        day = on.isoformat()
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT DISTINCT department_id FROM reg_staff WHERE staff_sub = %s AND since <= %s "
                "AND (until IS NULL OR until >= %s) ORDER BY department_id",
                (sub, day, day),
            )
        return [str(r[0]) for r in rows]

    def on_staff(self, sub: str, department_id: str, on: date) -> bool:
        day = on.isoformat()
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT 1 FROM reg_staff WHERE department_id = %s AND staff_sub = %s AND since <= %s "
                "AND (until IS NULL OR until >= %s)",
                (department_id, sub, day, day),
            )
        return row is not None

    def liaison(self, department_id: str) -> str | None:
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone("SELECT liaison_sub FROM reg_liaisons WHERE department_id = %s", (department_id,))
        return str(row[0]) if row else None

    def is_liaison(self, sub: str, department_id: str, on: date) -> bool:
        """The department's liaison on a day: appointed by then, and still on its staff."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT 1 FROM reg_liaisons WHERE department_id = %s AND liaison_sub = %s AND since <= %s",
                (department_id, sub, on.isoformat()),
            )
        return row is not None and self.on_staff(sub, department_id, on)

    def team_on(self, on: date) -> dict[str, str]:
        """The team on a day: member sub → the department they come from."""
        day = on.isoformat()
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT staff_sub, department_id FROM reg_team WHERE joined_on <= %s "
                "AND (left_on IS NULL OR left_on >= %s) ORDER BY staff_sub",
                (day, day),
            )
        return {str(row[0]): str(row[1]) for row in rows}

    def interested(self, person_sub: str, department_id: str, group_ids: list[str], on: date) -> bool:
        """A declared interest in the department or in one of the groups on the round's date: current, or withdrawn
        less than a year before it — the registry's cooling-off year (a withdrawal does not lift a recusal on the
        spot: declare, withdraw, assess) — or withdrawn since (the round's recusals do not change under it)."""
        cut = (on - timedelta(days=RECUSAL_COOLING_OFF_DAYS)).isoformat()
        targets = [department_id, *group_ids]
        marks = ", ".join(["%s"] * len(targets))
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT 1 FROM reg_interests WHERE person_sub = %s "  # noqa: S608 - placeholders only
                f"AND (department_id IN ({marks}) OR group_id IN ({marks})) "
                "AND (withdrawn_at IS NULL OR withdrawn_at >= %s) LIMIT 1",
                (person_sub, *targets, *targets, cut),
            )
        return row is not None
