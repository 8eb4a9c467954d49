"""Who reads which case of the coordination window, and what: the case whole for its parties (the raising group's
people, the raising department's liaison, routed departments' liaisons and staff), the center and auditors; an
invited group's people their part of it (the raising, their own invitation, links and the outcome — no routings,
acknowledgements or other groups, in the case, its history and lists alike); nobody else (as if it did not exist).
Lists and the history come from the query tables (`cases_index`), the case itself from the store.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from kyodo_info_hub import cases_index
from kyodo_info_hub.app_base import InfoHubBase
from kyodo_info_hub.cases import Case, MonthlyFigures, RaiserKind, figures_id
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Expected, Refusal

ALL, INVITED = "all", "invited"
# What an invited group's people see of the history (from their invitation on, but the raising).
_INVITED_SEES = {"Raised", "GroupsInvited", "Linked", "Closed"}


class CaseReads(InfoHubBase):
    def _case(self, case_id: UUID, expected: Expected) -> Case:
        return self._load(case_id, Case, "case_not_found", expected)

    def case_access(self, actor: Actor, case: Case) -> str | None:
        """`all` (the center, auditors, the raiser, routed departments' liaisons and staff), `invited` (an invited
        group's people: from the invitation on), or None (as if it did not exist)."""
        if actor.has(Role.COORDINATOR) or actor.has(Role.AUDITOR):
            return ALL
        group_role = actor.has(Role.GROUP)
        if (
            case.raiser_kind == RaiserKind.GROUP.value
            and group_role
            and self.people.acts_for(actor.sub, str(case.raiser_id))
        ):
            return ALL
        liaison_of, staff_of = self._departments_of(actor)
        if case.raiser_kind == RaiserKind.DEPARTMENT.value and case.raiser_id in liaison_of:
            return ALL
        routed = set(case.routings)
        if routed & liaison_of or routed & staff_of:
            return ALL
        if group_role and any(self.people.acts_for(actor.sub, g) for g in case.invited):
            return INVITED
        return None

    # The role as well as the registry's record: a person speaks or reads for a group only signed in with the
    # group role, for a department (as its liaison or staff) only with the staff role — a token the login provider
    # issued without the role is not that person acting for the party.

    def _groups_of(self, actor: Actor) -> list[str]:
        return self.people.groups_of(actor.sub) if actor.has(Role.GROUP) else []

    def _departments_of(self, actor: Actor) -> tuple[set[str], set[str]]:
        """(liaison of, on the staff of) today, for a caller signed in with the staff role."""
        if not actor.has(Role.STAFF):
            return set(), set()
        today = self.today()
        liaison = set(self.people.liaison_departments(actor.sub, today))
        return liaison, set(self.people.staff_departments(actor.sub, today))

    def read_case(self, actor: Actor, case_id: UUID) -> tuple[Case, str]:
        case = self._get(case_id, Case, "case_not_found")
        access = self.case_access(actor, case)
        if access is None:
            raise Refusal("case_not_found")
        return case, access

    def case_contact(self, actor: Actor, case: Case) -> dict[str, Any] | None:
        """A citizen's contact details, for the center only; None once erased (or none given)."""
        if case.contact is None or not actor.has(Role.COORDINATOR):
            return None
        return self.vault.decrypt(case.contact)

    def case_history(self, actor: Actor, case_id: UUID) -> list[dict[str, Any]]:
        """In order; an invited group's people see the raising and, from their group's invitation on, that
        invitation (naming their own group only), links and the outcome."""
        case, access = self.read_case(actor, case_id)
        entries = cases_index.history(self.db, str(case.id))
        if access == ALL:
            return entries
        mine = set(self._groups_of(actor)) & set(case.invited)
        invited = [
            e["position"] for e in entries if e["kind"] == "GroupsInvited" and mine & set(e.get("group_ids", []))
        ]
        since = min(invited) if invited else len(entries) + 2
        shown = []
        for e in entries:
            if e["kind"] not in _INVITED_SEES or (e["position"] != 1 and e["position"] < since):
                continue
            if e["kind"] == "GroupsInvited":
                if not mine & set(e.get("group_ids", [])):
                    continue
                e = {**e, "group_ids": sorted(mine & set(e["group_ids"]))}
            shown.append(e)
        return shown

    def list_cases(
        self, actor: Actor, filters: dict[str, str], offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """The center and auditors list every case; anyone else the cases of their groups (raised or invited)
        and of their departments (raised as liaison, or routed to as liaison or staff)."""
        if actor.has(Role.COORDINATOR) or actor.has(Role.AUDITOR):
            return cases_index.list_cases(self.db, filters, None, offset, limit)
        groups = self._groups_of(actor)
        liaison_of, staff_of = self._departments_of(actor)
        liaison = sorted(liaison_of)
        departments = liaison_of | staff_of
        parties = [("raiser_group", g) for g in groups] + [("invited", g) for g in groups]
        parties += [("raiser_department", d) for d in liaison]
        parties += [("routed", d) for d in sorted(departments)]
        items, total = cases_index.list_cases(self.db, filters, parties, offset, limit)
        for item in items:
            raiser = (item["raiser_kind"], item["raiser_id"])
            whole = (
                raiser in {("group", g) for g in groups}
                or raiser in {("department", d) for d in liaison}
                or bool(departments & set(item["departments"]))
            )
            if not whole:  # an invited group's people: no departments, as in the case they read
                item.update(departments=None, awaiting_acknowledgement=None, overdue=None)
        return items, total

    def figures_of(self, month: str) -> MonthlyFigures:
        return self._get(figures_id(month), MonthlyFigures, "figures_not_found")
