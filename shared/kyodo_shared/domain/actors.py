"""Who acts: the roles a token may claim, the authenticated principal, and an actor issuing one command.

Plain data, so application services decide who may do what without importing the web layer; the web layer
authenticates the token and builds these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    PUBLIC = "public"
    GROUP = "group"
    STAFF = "staff"
    COORDINATOR = "coordinator"
    TEAM = "team"
    REVIEWER = "reviewer"
    EVALUATOR = "evaluator"
    AUDITOR = "auditor"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: the token's subject and the roles it recognisably claims."""

    sub: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Actor:
    """A principal issuing one command, with the trace recorded in its events (request and causation ids).

    The trace is computed by the caller, never inside an event, so event bodies stay deterministic.
    """

    principal: Principal
    trace: Mapping[str, str] = field(default_factory=dict)

    @property
    def sub(self) -> str:
        return self.principal.sub

    def has(self, role: Role) -> bool:
        return self.principal.has(role)

    def trace_dict(self) -> dict[str, str]:
        return dict(self.trace)
