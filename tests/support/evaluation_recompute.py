"""A committee's evaluation of a project written by hand as stored event dicts, for the evaluation recompute's tests.

Nothing here comes from the evaluation service: the recommendation's means are stated with hand-computed numbers, so
the tests check the auditor's arithmetic, not another implementation's. Events carry their published type names only
(`evaluation.CommitteeEvaluation.Scored`), as the recompute reads them.

The default story (criteria goal, effect; members c1 chair, v1 vice-chair, m1, m2, m3; quorum 3):
  c1 4/3, v1 5/4, m1 3/4 counted; m2 (2/2) declared a conflict after scoring → voided for conflict; m3 (1/1) has an
  interest in the registry → voided for interest. Means over c1, v1, m1:
  goal (4+5+3)/3 = 4 → "4/1"; effect (3+4+4)/3 = 11/3 → "11/3"; overall (4 + 11/3)/2 = 23/6 → "23/6".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

PROJECT_ID = str(uuid5(NAMESPACE_URL, "kyodo:evaluation:adoption:test-proposal"))
# The documented derivation, written out again here (the recompute's own copy is what is under test).
COMMITTEE_ID = str(uuid5(UUID("0b8e4f2a-5c71-4d3e-9a06-7e1f3b5d8c29"), f"committee:{PROJECT_ID}"))
CRITERIA = [
    {"key": "goal", "name_ja": "目標の達成度", "name_en": "Goals achieved"},
    {"key": "effect", "name_ja": "協働の効果", "name_en": "Effect of the collaboration"},
]
MEMBERS = ["c1", "v1", "m1", "m2", "m3"]
MEANS = {"goal": "4/1", "effect": "11/3"}
OVERALL = "23/6"
LABELS = {"A": "m1", "B": "c1", "C": "v1"}


@dataclass
class Evaluation:
    """Builds the event list; `events()` returns fresh dicts each time, so a test may tamper with its copy."""

    quorum: int = 3
    chair: str | None = "c1"
    vice_chair: str | None = "v1"
    committee: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    project: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    points: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.project.append(("Created", {"project_id": PROJECT_ID, "source": "adoption", "criteria": CRITERIA}))
        self.committee.append(
            (
                "Opened",
                {
                    "project_id": PROJECT_ID,
                    "committee_id": str(uuid5(NAMESPACE_URL, "test:committee")),
                    "opened_on": "2027-04-01",
                    "members": list(MEMBERS),
                    "chair_sub": self.chair,
                    "vice_chair_sub": self.vice_chair,
                    "quorum": self.quorum,
                    "criteria": copy.deepcopy(CRITERIA),
                    "trace": {},
                },
            )
        )

    def score(self, member: str, goal: int, effect: int) -> None:
        self.points[member] = {"goal": goal, "effect": effect}
        self.committee.append(
            ("Scored", {"member_sub": member, "points": {"goal": goal, "effect": effect}, "comments": {}, "trace": {}})
        )

    def conflict(self, member: str, removed: bool = False) -> None:
        self.committee.append(
            ("ConflictDeclared", {"member_sub": member, "kind": "family", "reason": "親族", "by_sub": member,
                                  "pinned": False, "trace": {}})
        )  # fmt: skip
        if removed:
            self.committee.append(("ConflictRemoved", {"member_sub": member, "by_sub": member, "trace": {}}))

    def recommend(self, **changes: Any) -> dict[str, Any]:
        """The default story's decision and report (changes apply to the decision; the report restates it)."""
        decision: dict[str, Any] = {
            "recommendation": "continue_expand",
            "reasons_ja": "目標を達成した",
            "reasons_en": "goals achieved",
            "confirmed_by": "chair",
            "confirmer_sub": "c1",
            "counted": ["c1", "m1", "v1"],
            "voided": [{"member_sub": "m2", "reason": "conflict"}, {"member_sub": "m3", "reason": "interest"}],
            "recused": ["m2", "m3"],
            "labels": dict(LABELS),
            "criterion_means": dict(MEANS),
            "overall_mean": OVERALL,
            "acting_chair": None,
            **changes,
        }
        report = {
            "project_id": PROJECT_ID,
            "criteria": copy.deepcopy(CRITERIA),
            "evaluations": [
                {"label": label, "points": dict(self.points[member])}
                for label, member in sorted(decision["labels"].items())
                if member in self.points
            ],
            "criterion_means": dict(decision["criterion_means"]),
            "overall_mean": decision["overall_mean"],
            "recusals": len(decision["recused"]),
            **{k: decision[k] for k in ("recommendation", "reasons_ja", "reasons_en", "confirmed_by")},
            "published_at": "2027-05-01T10:00:00+09:00",
        }
        self.committee.append(("Recommended", {"decision": decision, "trace": {}}))
        self.committee.append(("ReportPublished", {"report": report}))
        self.project.append(("Reported", {"recommendation": decision["recommendation"], "trace": {}}))
        return decision

    def events(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for aggregate, origin, items in (
            ("Project", PROJECT_ID, self.project[:1]),
            ("CommitteeEvaluation", COMMITTEE_ID, self.committee),
            ("Project", PROJECT_ID, self.project[1:]),
        ):
            for name, state in items:
                version = sum(1 for e in out if e["originator_id"] == origin) + 1
                out.append(
                    {
                        "type": f"evaluation.{aggregate}.{name}",
                        "originator_id": origin,
                        "originator_version": version,
                        "state": copy.deepcopy(state),
                    }
                )
        return out


def scored(**options: Any) -> Evaluation:
    """The default story up to (not including) the recommendation."""
    evaluation = Evaluation(**options)
    evaluation.score("c1", 4, 3)
    evaluation.score("v1", 5, 4)
    evaluation.score("m1", 3, 4)
    evaluation.score("m2", 2, 2)
    evaluation.score("m3", 1, 1)
    evaluation.conflict("m2")
    return evaluation


def recommended(**options: Any) -> Evaluation:
    evaluation = scored(**options)
    evaluation.recommend()
    return evaluation


def find(events: list[dict[str, Any]], name: str, **fields: Any) -> dict[str, Any]:
    """The state of the first event of type `evaluation.*.<name>` whose state has these fields."""
    for item in events:
        if str(item["type"]).endswith(f".{name}") and all(item["state"].get(k) == v for k, v in fields.items()):
            state: dict[str, Any] = item["state"]
            return state
    raise LookupError(f"no {name} with {fields}")
