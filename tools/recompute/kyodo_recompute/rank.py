"""The auditor's own reading of a call's published decision rule, and the ranking it implies.

Written from the published rules (issue 6 items 1 and 4), deliberately without importing the proposals service:
an auditor's check that shares the service's code would share its bugs. Exact arithmetic only (Fraction); a float
could round two different scores into a tie, or a score just below the passing line onto it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeGuard

FORMULAS = ("weighted_sum_of_means", "percent_of_maximum")
TIE_RULES = ("lottery", "criteria_priority_then_lottery")


@dataclass(frozen=True)
class Criterion:
    key: str
    weight: int
    max_points: int


@dataclass(frozen=True)
class Rules:
    """The parts of a call's spec that decide its result."""

    criteria: tuple[Criterion, ...]
    formula: str
    passing_score: Fraction
    select: int
    tie_rule: str
    priority: tuple[str, ...]
    quorum: int | None

    @property
    def limits(self) -> dict[str, int]:
        return {c.key: c.max_points for c in self.criteria}


def whole(value: Any) -> TypeGuard[int]:
    """An integer that is not a bool (JSON true must never count as one point)."""
    return isinstance(value, int) and not isinstance(value, bool)


def exact(value: Any) -> Fraction:
    """A published exact number: "n/d" text or an integer; anything else (floats included) is refused."""
    if whole(value):
        return Fraction(value)
    if not isinstance(value, str):
        raise ValueError(f"not an exact number: {value!r}")
    return Fraction(value.strip())


def fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def rules_from_spec(spec: Mapping[str, Any]) -> Rules:
    """Read the rules as published; ValueError names what is missing or malformed."""
    criteria: list[Criterion] = []
    for item in spec.get("criteria") or []:
        key, weight, maximum = item.get("key"), item.get("weight"), item.get("max_points")
        if not isinstance(key, str) or not key or not whole(weight) or not whole(maximum):
            raise ValueError(f"malformed criterion {item!r}")
        if weight < 1 or maximum < 1:
            raise ValueError(f"criterion {key!r} needs a weight and maximum of at least 1")
        criteria.append(Criterion(key, weight, maximum))
    if not criteria or len({c.key for c in criteria}) != len(criteria):
        raise ValueError("the criteria must be non-empty with unique keys")
    formula, tie_rule, select = spec.get("formula"), spec.get("tie_rule"), spec.get("select")
    if formula not in FORMULAS:
        raise ValueError(f"unknown formula {formula!r}")
    if tie_rule not in TIE_RULES:
        raise ValueError(f"unknown tie rule {tie_rule!r}")
    if not whole(select) or select < 1:
        raise ValueError(f"select must be a positive integer, not {select!r}")
    priority = tuple(spec.get("priority") or ())
    keys = {c.key for c in criteria}
    if any(p not in keys for p in priority) or len(set(priority)) != len(priority):
        raise ValueError(f"the priority {list(priority)!r} must name distinct criteria")
    if tie_rule == "criteria_priority_then_lottery" and not priority:
        raise ValueError("criteria_priority_then_lottery needs a priority order")
    quorum = spec.get("quorum")
    return Rules(
        criteria=tuple(criteria),
        formula=str(formula),
        passing_score=exact(spec.get("passing_score")),
        select=select,
        tie_rule=str(tie_rule),
        priority=priority,
        quorum=quorum if whole(quorum) else None,
    )


@dataclass(frozen=True)
class Candidate:
    """A proposal to rank with the score sheets counted for it (each sheet: criterion → points, already checked)."""

    proposal_id: str
    content_hash: str
    sheets: Sequence[Mapping[str, int]]


@dataclass(frozen=True)
class Placed:
    proposal_id: str
    rank: int
    score: Fraction
    means: dict[str, Fraction]
    passes: bool
    selected: bool
    tie_broken: bool
    lottery_key: str | None
    scorers: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "proposal_id": self.proposal_id,
            "rank": self.rank,
            "score": fraction_text(self.score),
            "criterion_means": {k: fraction_text(v) for k, v in self.means.items()},
            "passes": self.passes,
            "selected": self.selected,
            "tie_broken": self.tie_broken,
            "lottery_key": self.lottery_key,
            "scorers": self.scorers,
        }


def draw(seed: bytes, content_hash: str) -> bytes:
    """The lottery ticket: SHA-256(seed ‖ content hash bytes). Ids never enter, so naming cannot buy luck."""
    return hashlib.sha256(seed + bytes.fromhex(content_hash)).digest()


def means_of(rules: Rules, sheets: Sequence[Mapping[str, int]]) -> dict[str, Fraction]:
    count = len(sheets)
    return {c.key: Fraction(sum(sheet[c.key] for sheet in sheets), count) for c in rules.criteria}


def score_of(rules: Rules, means: Mapping[str, Fraction]) -> Fraction:
    total = Fraction(0)
    for criterion in rules.criteria:
        total += criterion.weight * means[criterion.key]
    if rules.formula == "percent_of_maximum":
        ceiling = sum(c.weight * c.max_points for c in rules.criteria)
        return Fraction(100) * total / ceiling
    return total


def place(rules: Rules, candidates: Sequence[Candidate], seed: bytes | None) -> list[Placed]:
    """Order by score (desc), then the tie rule; without a seed ties keep proposal-id order, flagged by the caller.

    Candidates without sheets are left out: they have no mean, and the quorum check already reports them.
    """
    rows: list[tuple[tuple[Any, ...], Candidate, dict[str, Fraction], Fraction, bytes | None]] = []
    for candidate in candidates:
        if not candidate.sheets:
            continue
        means = means_of(rules, candidate.sheets)
        score = score_of(rules, means)
        ticket = draw(seed, candidate.content_hash) if seed is not None else None
        # Python sorts ascending, so "higher first" becomes a negated Fraction (exact, unlike a float).
        order: list[Any] = [-score]
        if rules.tie_rule == "criteria_priority_then_lottery":
            order += [-means[key] for key in rules.priority]
        order.append(ticket if ticket is not None else candidate.proposal_id.encode())
        rows.append((tuple(order), candidate, means, score, ticket))
    rows.sort(key=lambda row: row[0])
    scores = [row[3] for row in rows]
    placed: list[Placed] = []
    chosen = 0
    for position, (_, candidate, means, score, ticket) in enumerate(rows, start=1):
        passes = score >= rules.passing_score
        selected = passes and chosen < rules.select
        chosen += selected
        placed.append(
            Placed(
                proposal_id=candidate.proposal_id,
                rank=position,
                score=score,
                means=means,
                passes=passes,
                selected=selected,
                tie_broken=scores.count(score) > 1,
                lottery_key=ticket.hex() if ticket is not None else None,
                scorers=len(candidate.sheets),
            )
        )
    return placed
