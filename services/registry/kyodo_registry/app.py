"""The registry's application service: every use case over groups is one method (applying and assessment here,
a group's later life in `app_life`, queries in `queries`, departments, the team, committees and interests in
`org.app`). Each takes the acting principal and the version the caller saw, authorizes from the registry's own
data, loads the group once, runs the domain command and saves.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from uuid import UUID

from kyodo_registry.app_base import LAPSE_TIMER, lapse_time, one_year_after
from kyodo_registry.app_life import GroupLife
from kyodo_registry.documents import Document
from kyodo_registry.domain import CRITERIA, Group
from kyodo_registry.queries import GroupQueries
from kyodo_registry.settings import REPRESENTATIVE_RECORD
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected, Refusal, StaleVersion

__all__ = ["LAPSE_TIMER", "RegistryApplication", "StaleVersion", "lapse_time"]


class RegistryApplication(GroupLife, GroupQueries):
    """Groups, one event-sourced aggregate per group; departments, the team, committees and interests."""

    # eventsourcing names an Application's PostgreSQL tables after `name`, and gives every subclass its class
    # name unless it sets one: stated here, on the class the service runs, so the tables stay `registry_*`.
    name = "registry"

    # --- application and assessment -------------------------------------------------------------------------

    def apply_for_registration(
        self,
        actor: Actor,
        profile: dict[str, Any],
        representative: dict[str, str],
        declarations: dict[str, str],
        bylaws: Document,
        ties: list[dict[str, Any]],
    ) -> Group:
        _require_declarations(declarations)
        self.documents.put(bylaws, self.clock())
        sealed = self.seal(actor.sub, REPRESENTATIVE_RECORD, representative)
        group = Group(
            uuid.uuid4(),
            profile,
            actor.sub,
            sealed,
            declarations,
            bylaws.reference(),
            [self._new_tie(t) for t in ties],
            actor.trace_dict(),
            secrets.token_hex(16),
        )
        self.save(group)
        return group

    def assess(self, actor: Actor, expected: Expected, group_id: UUID, criterion: str, met: bool, reason: str) -> Group:
        due = one_year_after(self.today()).isoformat()
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: self._impartial(g, actor),
            lambda g: g.assess(criterion, met, reason, actor.sub, due, actor.trace_dict()),
        )

    def request_information(
        self, actor: Actor, expected: Expected, group_id: UUID, criteria: list[str], question: str
    ) -> Group:
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: self._impartial(g, actor),
            lambda g: g.request_information(criteria, question, actor.sub, actor.trace_dict()),
        )

    def provide_information(
        self, actor: Actor, expected: Expected, group_id: UUID, answer: str, evidence: dict[str, str]
    ) -> Group:
        return self._change(
            actor,
            expected,
            group_id,
            lambda g: self._acting(g, actor),
            lambda g: g.provide_information(answer, evidence, actor.sub, actor.trace_dict()),
        )

    def reapply(
        self,
        actor: Actor,
        expected: Expected,
        group_id: UUID,
        profile: dict[str, Any],
        declarations: dict[str, str],
        bylaws: Document,
    ) -> Group:
        _require_declarations(declarations)
        group = self._load(group_id, expected)
        self._acting(group, actor)
        self.documents.put(bylaws, self.clock())
        group.reapply(profile, declarations, bylaws.reference(), actor.sub, actor.trace_dict())
        return self._save(group, group.renewal_due)

    def lapse_overdue(self, group_id: UUID, due: str, trace: dict[str, str]) -> bool:
        """The renewal timer's action: idempotent, it lapses the group only if that renewal is still outstanding."""
        group = self.get_group(group_id)
        if not group.lapse(due, trace):
            return False
        self.save(group)
        return True


def _require_declarations(declarations: dict[str, str]) -> None:
    if any(not declarations.get(c, "").strip() for c in CRITERIA):
        raise Refusal("criteria_not_declared")
