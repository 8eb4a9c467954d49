"""A registered group's later life as use cases: profile, bylaws and ties, renewal, suspension and reinstatement,
dissolution, delegated contacts and the handover of the representative."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from kyodo_registry.app_base import RENEWAL_WINDOW_DAYS, one_year_after
from kyodo_registry.documents import Document
from kyodo_registry.domain import LAPSED, REGISTERED, Group
from kyodo_registry.org.app import OrgCommands
from kyodo_registry.settings import CONTACT_RECORD, REPRESENTATIVE_RECORD
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Expected, Refusal


class GroupLife(OrgCommands):
    def update_profile(self, actor: Actor, expected: Expected, group_id: UUID, profile: dict[str, Any]) -> Group:
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: self._acting(g, actor),
            lambda g: g.update_profile(profile, actor.sub, actor.trace_dict()),
        )

    def change_bylaws(self, actor: Actor, expected: Expected, group_id: UUID, bylaws: Document) -> Group:
        group = self._load(group_id, expected)
        self._acting(group, actor)
        self.documents.put(bylaws, self.clock())
        group.change_bylaws(bylaws.reference(), actor.sub, actor.trace_dict())
        return self._save(group, group.renewal_due)

    def declare_tie(self, actor: Actor, expected: Expected, group_id: UUID, tie: dict[str, Any]) -> Group:
        new_tie = self._new_tie(tie)
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: self._acting(g, actor),
            lambda g: g.declare_tie(new_tie, actor.sub, actor.trace_dict()),
        )

    def withdraw_tie(self, actor: Actor, expected: Expected, group_id: UUID, tie_id: str, reason: str) -> Group:
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: self._acting(g, actor),
            lambda g: g.withdraw_tie(tie_id, reason, actor.sub, actor.trace_dict()),
        )

    def renew(self, actor: Actor, expected: Expected, group_id: UUID, confirmation: dict[str, Any]) -> Group:
        today = self.today()

        def renew(group: Group) -> None:
            if group.status == LAPSED or group.renewal_due is None:
                next_due = one_year_after(today)
            else:
                current = date.fromisoformat(group.renewal_due)
                if group.status == REGISTERED and today < current - timedelta(days=RENEWAL_WINDOW_DAYS):
                    raise Refusal("renewal_not_open")
                next_due = one_year_after(current)
            group.renew(confirmation, next_due.isoformat(), actor.sub, actor.trace_dict())

        return self._change(actor, expected, group_id, lambda g: self._acting(g, actor), renew)

    def suspend(self, actor: Actor, expected: Expected, group_id: UUID, reason: str) -> Group:
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: self._impartial(g, actor),
            lambda g: g.suspend(reason, actor.sub, actor.trace_dict()),
        )

    def reinstate(self, actor: Actor, expected: Expected, group_id: UUID, reason: str) -> Group:
        today = self.today()

        def reinstate(group: Group) -> None:
            due = group.renewal_due
            # A due date already past would lapse the group at once: a reinstated group gets a new year.
            if due is None or date.fromisoformat(due) < today:
                due = one_year_after(today).isoformat()
            group.reinstate(reason, due, actor.sub, actor.trace_dict())

        # Lifting a suspension is a decision on the group like suspending it: nobody with an interest in it decides.
        return self._change(actor, expected, group_id, lambda g: self._impartial(g, actor), reinstate)

    def dissolve(self, actor: Actor, expected: Expected, group_id: UUID, reason: str) -> Group:
        def who(group: Group) -> None:
            # The representative dissolves the group (contacts may not), signed in with the group role; or a
            # coordinator with no interest in it — a representative signed in as a coordinator only is a
            # coordinator acting for their own group, refused as such.
            if actor.has(Role.GROUP) and actor.sub == group.representative_sub:
                return
            if actor.has(Role.COORDINATOR):
                self._impartial(group, actor)
            else:
                self._representative(group, actor)

        return self._change(actor, expected, group_id, who, lambda g: g.dissolve(reason, actor.sub, actor.trace_dict()))

    # --- who acts for the group -----------------------------------------------------------------------------

    def add_contact(
        self, actor: Actor, expected: Expected, group_id: UUID, contact_sub: str, person: dict[str, str]
    ) -> Group:
        group = self._load(group_id, expected)
        self._representative(group, actor)
        sealed = self.seal(contact_sub, CONTACT_RECORD, person)
        group.add_contact(contact_sub, sealed, secrets.token_hex(16), actor.sub, actor.trace_dict())
        return self._save(group, group.renewal_due)

    def remove_contact(self, actor: Actor, expected: Expected, group_id: UUID, contact_sub: str) -> Group:
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: self._representative(g, actor),
            lambda g: g.remove_contact(contact_sub, actor.sub, actor.trace_dict()),
        )

    def propose_handover(self, actor: Actor, expected: Expected, group_id: UUID, new_sub: str) -> Group:
        # The domain checks that the representative proposes.
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: None,
            lambda g: g.propose_handover(new_sub, actor.sub, actor.trace_dict()),
        )

    def confirm_handover(
        self, actor: Actor, expected: Expected, group_id: UUID, representative: dict[str, str]
    ) -> Group:
        group = self._load(group_id, expected)
        sealed = self.seal(actor.sub, REPRESENTATIVE_RECORD, representative)
        group.confirm_handover(actor.sub, sealed, secrets.token_hex(16), actor.trace_dict())
        return self._save(group, group.renewal_due)

    def decide_handover(
        self,
        actor: Actor,
        expected: Expected,
        group_id: UUID,
        new_sub: str,
        representative: dict[str, str],
        reason: str,
    ) -> Group:
        group = self._load(group_id, expected)
        self._impartial(group, actor)
        sealed = self.seal(new_sub, REPRESENTATIVE_RECORD, representative)
        group.decide_handover(new_sub, sealed, secrets.token_hex(16), reason, actor.sub, actor.trace_dict())
        return self._save(group, group.renewal_due)
