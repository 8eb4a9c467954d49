"""A collaboration project's committee evaluation as the auditor reads it from stored events: the committee as it was
opened (members, chair, vice-chair, quorum, criteria), the conflicts standing when the recommendation was confirmed,
every score given, the recommendation's decision, the published report, and what the project recorded of it.

Reads plain event dicts (type, originator_id, originator_version, state), as history.py does for calls, matched by
the published type names the evaluation service declares in its visibility policy (`evaluation.CommitteeEvaluation.*`,
`evaluation.Project.*`), never by Python topics; nothing of `kyodo_evaluation` is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid5

from kyodo_shared.audit.events import typed_events
from kyodo_shared.audit.records import TypeOf

__all__ = [
    "EVALUATION_READS",
    "EvaluationHistory",
    "canonical_project_id",
    "committee_evaluation_id_for",
    "events_for_project",
    "read_evaluation_history",
]

_COMMITTEE = "evaluation.CommitteeEvaluation"
OPENED = f"{_COMMITTEE}.Opened"
CONFLICT_DECLARED = f"{_COMMITTEE}.ConflictDeclared"
CONFLICT_REMOVED = f"{_COMMITTEE}.ConflictRemoved"
SCORED = f"{_COMMITTEE}.Scored"
SUBSTITUTE_ADDED = f"{_COMMITTEE}.SubstituteAdded"
RECOMMENDED = f"{_COMMITTEE}.Recommended"
REPORT_PUBLISHED = f"{_COMMITTEE}.ReportPublished"
PROJECT_CREATED = "evaluation.Project.Created"
PROJECT_REPORTED = "evaluation.Project.Reported"
# Every type the recompute folds; a test holds the service to publishing each of them.
EVALUATION_READS = frozenset(
    {
        OPENED,
        CONFLICT_DECLARED,
        CONFLICT_REMOVED,
        SCORED,
        SUBSTITUTE_ADDED,
        RECOMMENDED,
        REPORT_PUBLISHED,
        PROJECT_CREATED,
        PROJECT_REPORTED,
    }
)

# The committee evaluation's id derivation, restated from its documented form rather than imported from the service.
_COMMITTEE_NAMESPACE = UUID("0b8e4f2a-5c71-4d3e-9a06-7e1f3b5d8c29")


def canonical_project_id(project_id: str) -> str:
    """Lower-case hyphenated form, the one the service's UUIDs print as (so ids compare as text)."""
    return str(UUID(str(project_id)))


def committee_evaluation_id_for(project_id: str) -> str:
    return str(uuid5(_COMMITTEE_NAMESPACE, f"committee:{canonical_project_id(project_id)}"))


@dataclass
class EvaluationHistory:
    project_id: str
    committee_id: str
    project_created: bool = False
    # The committee's Opened state (members, chair_sub, vice_chair_sub, quorum, criteria, …); None until opened.
    opened: dict[str, Any] | None = None
    # member → the conflict's kind, as declarations and removals left it so far.
    conflicts: dict[str, str] = field(default_factory=dict)
    # The conflicts standing when the (first) recommendation was recorded; None until then.
    conflicts_at_recommendation: set[str] | None = None
    # Members who joined after the opening (a quorum failure), in order.
    substitutes: list[str] = field(default_factory=list)
    # Each substitution as recorded: the member, the recusals it was made for, the members before it, and whether
    # it came after a recommendation.
    substitutions: list[dict[str, Any]] = field(default_factory=list)
    # Every sheet each member gave, in store order; more than one is itself a finding.
    scored: dict[str, list[Any]] = field(default_factory=dict)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    # The recommendations the project recorded (`evaluation.Project.Reported`), in order.
    project_reported: list[Any] = field(default_factory=list)

    @property
    def decision(self) -> dict[str, Any] | None:
        return self.decisions[0] if self.decisions else None

    @property
    def report(self) -> dict[str, Any] | None:
        return self.reports[0] if self.reports else None

    @property
    def members(self) -> list[str]:
        """The members fixed at the opening, and any substitute who joined since."""
        return [str(m) for m in (self.opened or {}).get("members") or []] + self.substitutes

    @property
    def criteria_keys(self) -> list[str]:
        criteria = (self.opened or {}).get("criteria") or []
        return [str(c.get("key")) for c in criteria if isinstance(c, Mapping)]

    @property
    def quorum(self) -> Any:
        return (self.opened or {}).get("quorum")

    @property
    def chair_sub(self) -> str | None:
        return _optional_text((self.opened or {}).get("chair_sub"))

    @property
    def vice_chair_sub(self) -> str | None:
        return _optional_text((self.opened or {}).get("vice_chair_sub"))

    @property
    def standing_conflicts(self) -> set[str]:
        if self.conflicts_at_recommendation is not None:
            return self.conflicts_at_recommendation
        return set(self.conflicts)


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def read_evaluation_history(project_id: str, events: Iterable[Mapping[str, Any]]) -> EvaluationHistory:
    """Fold the project's and its committee evaluation's events (others are ignored) in store order."""
    project = canonical_project_id(project_id)
    history = EvaluationHistory(project_id=project, committee_id=committee_evaluation_id_for(project))
    for event in events:
        origin, name = str(event.get("originator_id")), str(event.get("type"))
        state: Mapping[str, Any] = event.get("state") or {}
        if origin == project:
            if name == PROJECT_CREATED:
                history.project_created = True
            elif name == PROJECT_REPORTED:
                history.project_reported.append(state.get("recommendation"))
        elif origin == history.committee_id:
            _committee_event(history, name, state)
    return history


def _committee_event(history: EvaluationHistory, name: str, state: Mapping[str, Any]) -> None:
    if name == OPENED:
        history.opened = dict(state)
    elif name == CONFLICT_DECLARED:
        history.conflicts[str(state.get("member_sub"))] = str(state.get("kind"))
    elif name == CONFLICT_REMOVED:
        history.conflicts.pop(str(state.get("member_sub")), None)
    elif name == SUBSTITUTE_ADDED:
        member = str(state.get("member_sub"))
        recused = state.get("recused")
        history.substitutions.append(
            {
                "member": member,
                "recused": [str(r) for r in recused] if isinstance(recused, list) else [],
                "before": list(history.members),
                "late": bool(history.decisions),
            }
        )
        history.substitutes.append(member)
    elif name == SCORED:
        history.scored.setdefault(str(state.get("member_sub")), []).append(state.get("points"))
    elif name == RECOMMENDED:
        if history.conflicts_at_recommendation is None:
            history.conflicts_at_recommendation = set(history.conflicts)
        decision = state.get("decision")
        history.decisions.append(dict(decision) if isinstance(decision, Mapping) else {})
    elif name == REPORT_PUBLISHED:
        report = state.get("report")
        history.reports.append(dict(report) if isinstance(report, Mapping) else {})


def events_for_project(application: Any, type_of: TypeOf, project_id: str) -> list[dict[str, Any]]:
    """The project's and its committee evaluation's stored events, in store order, named by published type (the
    kernel's reader: other aggregates, sealed self-evaluations among them, are never decoded)."""
    project = canonical_project_id(project_id)
    return typed_events(application, type_of, {project, committee_evaluation_id_for(project)})
