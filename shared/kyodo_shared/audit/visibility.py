"""Visibility policy, declared per event type and field: public, restricted (roles), sealed (until a condition),
personal (redacted for everyone outside the owning service). The audit API shows bodies only as it allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

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


@dataclass(frozen=True)
class Rule:
    visibility: Visibility = Visibility.PUBLIC
    roles: frozenset[Role] = frozenset()
    sealed_until: SealedUntil | None = None

    def open_for(self, principal: Principal, body: Mapping[str, Any], now: datetime) -> bool:
        if self.visibility is Visibility.PUBLIC:
            return True
        if self.visibility is Visibility.RESTRICTED:
            return any(principal.has(role) for role in self.roles)
        if self.visibility is Visibility.SEALED:
            until = self.sealed_until(body) if self.sealed_until else None
            return until is not None and now >= until
        return False  # personal: only the owning service itself, never through the audit API


PUBLIC = Rule()
PERSONAL = Rule(Visibility.PERSONAL)


def restricted(*roles: Role) -> Rule:
    return Rule(Visibility.RESTRICTED, frozenset(roles))


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


@dataclass(frozen=True)
class VisibilityPolicy:
    """Per event topic; an event type nobody declared shows no body to anyone (declare it to publish it)."""

    events: Mapping[str, EventPolicy] = field(default_factory=dict)
    undeclared: EventPolicy = EventPolicy(event=restricted())

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
