"""Visibility policy, declared per event type and field: public, restricted (roles), sealed (until a condition),
personal (redacted for everyone outside the owning service). The audit API shows bodies only as it allows.

The policy also names every stored event by its published type (`proposals.Call.Published`): the audit
interface's name for it, which auditors' tools read instead of the Python topic (`module:Class.Event`), so a moved
module or renamed class changes the topic but never the type name. A type name never changes meaning; an event
whose meaning changes gets a new name (`….v2`) and the old one stays reserved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from eventsourcing.utils import TopicError, get_topic, resolve_topic

from kyodo_shared.web.auth import Principal, Role


class Visibility(StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"
    SEALED = "sealed"
    PERSONAL = "personal"


REDACTED = "[personal data redacted]"
RESTRICTED_MARK = "[restricted]"
SEALED_MARK = "sealed"

# Given the event's fields, when its sealed parts open (None: still unknown, so sealed).
SealedUntil = Callable[[Mapping[str, Any]], datetime | None]


# The roles of people who judge independently (review board, evaluation committee): each scores before reading the
# others' scores. An account holding one of them beside `auditor` would read the others' scores in the history before
# giving its own, so a service's policy withholds its scores from such an account: `restricted(Role.AUDITOR,
# unless=JUDGES)`. Only the score events, not the whole history: the account keeps auditing everything else, and the
# history page tells it why those bodies are hidden (audit with a separate account).
JUDGES: frozenset[Role] = frozenset({Role.REVIEWER, Role.EVALUATOR})

# Who never reads the members' scores in the history, whatever else the account holds: the judges (above), and the
# coordinators — the center adds substitutes and pins conflicts while the scoring runs, and points seen then would let
# it steer who joins or who is recused. (A service may show the center the points once its results are published, a
# condition a role rule cannot state: there the application decides, `read_scores`, and the history keeps them from
# it for good.) One set, so each service's score rule is the same rule: `restricted(Role.AUDITOR,
# unless=SCORES_WITHHELD_FROM)`, and an auditor's account holding any of these audits with a separate account.
SCORES_WITHHELD_FROM: frozenset[Role] = JUDGES | frozenset({Role.COORDINATOR})


@dataclass(frozen=True)
class Rule:
    visibility: Visibility = Visibility.PUBLIC
    roles: frozenset[Role] = frozenset()
    sealed_until: SealedUntil | None = None
    # Restricted only: an account holding one of these is refused even when it holds one of `roles`.
    unless: frozenset[Role] = frozenset()

    def open_for(self, principal: Principal, body: Mapping[str, Any], now: datetime) -> bool:
        if self.visibility is Visibility.PUBLIC:
            return True
        if self.visibility is Visibility.RESTRICTED:
            return any(principal.has(role) for role in self.roles) and not self.withholds(principal)
        if self.visibility is Visibility.SEALED:
            until = self.sealed_until(body) if self.sealed_until else None
            return until is not None and now >= until
        return False  # personal: only the owning service itself, never through the audit API

    def withholds(self, principal: Principal) -> bool:
        """Whether a role of the account's in `unless` closes what its other roles would open."""
        return any(principal.has(role) for role in self.unless)


PUBLIC = Rule()
PERSONAL = Rule(Visibility.PERSONAL)


def restricted(*roles: Role, unless: frozenset[Role] = frozenset()) -> Rule:
    return Rule(Visibility.RESTRICTED, frozenset(roles), unless=frozenset(unless))


def sealed(until: SealedUntil) -> Rule:
    return Rule(Visibility.SEALED, sealed_until=until)


@dataclass(frozen=True)
class EventPolicy:
    """The whole event's rule (a sealed event shows no body at all) and rules for individual fields."""

    event: Rule = PUBLIC
    fields: Mapping[str, Rule] = field(default_factory=dict)

    @property
    def needs_salt(self) -> bool:
        kinds = {self.event.visibility, *(r.visibility for r in self.fields.values())}
        return bool(kinds & {Visibility.SEALED, Visibility.PERSONAL})


# The kernel's own events (checkpoints, operator actions on consumers) are public in every service.
# Operator actions were stored under `kyodo_shared.operations` before the kernel moved into subpackages.
KERNEL_PUBLIC_PREFIXES = (
    "kyodo_shared.audit.checkpointer:",
    "kyodo_shared.bus.operations:",
    "kyodo_shared.operations:",
)


# The kernel's own aggregates, stored in every service, by published name; ConsumerOperations under both its topics.
KERNEL_AGGREGATES: Mapping[str, str] = {
    "kyodo_shared.audit.checkpointer:AuditCheckpoints": "kernel.AuditCheckpoints",
    "kyodo_shared.bus.operations:ConsumerOperations": "kernel.ConsumerOperations",
    "kyodo_shared.operations:ConsumerOperations": "kernel.ConsumerOperations",
}


@dataclass(frozen=True)
class VisibilityPolicy:
    """Per event topic; an event type nobody declared shows no body to anyone (declare it to publish it)."""

    events: Mapping[str, EventPolicy] = field(default_factory=dict)
    undeclared: EventPolicy = EventPolicy(event=restricted())
    # Published type names: an event stored as `module:Aggregate.Event` is `<name>.Event`, the aggregate's published
    # name given here by its topic (`{"kyodo_proposals.domain:Call": "proposals.Call"}`). A moved module or renamed
    # aggregate changes the key only.
    aggregates: Mapping[str, str] = field(default_factory=dict)
    # An event class renamed within its aggregate keeps its old type name: its new topic → that name.
    renamed: Mapping[str, str] = field(default_factory=dict)

    def type_of(self, topic: str) -> str | None:
        """The published type of a stored topic, None for an event nobody named.

        A topic stored before its class moved (registered as moved, as eventsourcing needs to load it at all) names
        the same type as the class's current topic.
        """
        found = self._named(topic)
        if found is not None:
            return found
        try:
            current = get_topic(resolve_topic(topic))
        except (TopicError, AttributeError, TypeError):
            return None  # the class is gone: nothing stored under it can be decoded either
        return self._named(current) if current != topic else None

    def _named(self, topic: str) -> str | None:
        if topic in self.renamed:
            return self.renamed[topic]
        owner, _, event = topic.rpartition(".")
        name = self.aggregates.get(owner) or KERNEL_AGGREGATES.get(owner)
        return f"{name}.{event}" if name and event else None

    def policy_for(self, topic: str) -> EventPolicy:
        if topic in self.events:
            return self.events[topic]
        if topic.startswith(KERNEL_PUBLIC_PREFIXES):
            return EventPolicy()
        return self.undeclared

    def fully_public(self, topic: str) -> bool:
        policy = self.policy_for(topic)
        rules = [policy.event, *policy.fields.values()]
        return policy is not self.undeclared and all(r.visibility is Visibility.PUBLIC for r in rules)

    def withheld(self, topic: str, principal: Principal) -> bool:
        """Whether the event's body is hidden from this account only because it also holds a role its rule excludes
        (`Rule.unless`): the history page says so, rather than that the body is for other roles."""
        rule = self.policy_for(topic).event
        return (
            rule.visibility is Visibility.RESTRICTED
            and any(principal.has(role) for role in rule.roles)
            and rule.withholds(principal)
        )

    def withholds_from(self, principal: Principal) -> bool:
        """Whether any rule of this policy (an event's or a field's) would open to this account by one of its roles
        and is closed by another it holds (`Rule.unless`): the history page then tells the account to audit with a
        separate one — and only then (a service that withholds nothing from it says nothing)."""
        rules = [r for policy in self.events.values() for r in (policy.event, *policy.fields.values())]
        return any(
            rule.visibility is Visibility.RESTRICTED
            and any(principal.has(role) for role in rule.roles)
            and rule.withholds(principal)
            for rule in rules
        )

    def render(self, topic: str, body: Mapping[str, Any], principal: Principal, now: datetime) -> dict[str, Any] | str:
        policy = self.policy_for(topic)
        if not policy.event.open_for(principal, body, now):
            return SEALED_MARK if policy.event.visibility is Visibility.SEALED else RESTRICTED_MARK
        shown: dict[str, Any] = {}
        for name, value in body.items():
            rule = policy.fields.get(name, PUBLIC)
            if rule.open_for(principal, body, now):
                shown[name] = value
            elif rule.visibility is Visibility.PERSONAL:
                shown[name] = REDACTED
            elif rule.visibility is Visibility.SEALED:
                shown[name] = SEALED_MARK
            else:
                shown[name] = RESTRICTED_MARK
        return shown
