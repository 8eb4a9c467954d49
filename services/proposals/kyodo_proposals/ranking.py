"""Decision by the published rule: the exact ranking of a call's proposals from the board's scores.

Pure: no I/O, no clock, no randomness. The only source of chance is the lottery seed, whose SHA-256 the call
published in advance, so anyone holding the revealed seed and the scores recomputes the same order.
Arithmetic is exact (fractions.Fraction); a float never enters, because a rounded score could flip a tie or a pass.
Invalid input raises ValueError: the caller (quorum, recusal, voiding) has already filtered, so anything odd here is a
bug upstream and must stop the decision rather than be silently repaired.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, get_args

Formula = Literal["weighted_sum_of_means", "percent_of_maximum"]
TieRule = Literal["lottery", "criteria_priority_then_lottery"]

__all__ = [
    "CallRule",
    "CriterionRule",
    "Entry",
    "Formula",
    "RankedEntry",
    "Ranking",
    "TieRule",
    "fraction_display",
    "fraction_text",
    "lottery_key",
    "rank",
    "seed_commitment",
]


def _is_int(value: object) -> bool:
    # bool is an int subclass; True as "1 point" would be a caller bug, not a score.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class CriterionRule:
    """One published criterion: its weight in the formula and the maximum points a member may give."""

    key: str
    weight: int
    max_points: int

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a criterion needs a key")
        if not _is_int(self.weight) or self.weight < 1:
            raise ValueError(f"criterion {self.key!r}: weight must be an integer >= 1")
        if not _is_int(self.max_points) or self.max_points < 1:
            raise ValueError(f"criterion {self.key!r}: max_points must be an integer >= 1")


@dataclass(frozen=True)
class CallRule:
    """The decision rule exactly as published with the call."""

    criteria: tuple[CriterionRule, ...]
    formula: Formula
    passing_score: Fraction
    select: int
    tie_rule: TieRule
    priority: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        keys = [c.key for c in self.criteria]
        if not keys:
            raise ValueError("a call needs at least one criterion")
        if len(set(keys)) != len(keys):
            raise ValueError("criterion keys must be unique")
        if self.formula not in get_args(Formula):
            raise ValueError(f"unknown formula {self.formula!r}")
        # A float threshold would reintroduce rounding into the pass/fail line.
        if not isinstance(self.passing_score, Fraction):
            raise ValueError("passing_score must be a Fraction")
        if not _is_int(self.select) or self.select < 1:
            raise ValueError("select must be an integer >= 1")
        if self.tie_rule not in get_args(TieRule):
            raise ValueError(f"unknown tie rule {self.tie_rule!r}")
        unknown = [k for k in self.priority if k not in keys]
        if unknown:
            raise ValueError(f"priority names unknown criteria: {unknown}")
        if len(set(self.priority)) != len(self.priority):
            raise ValueError("priority must not repeat a criterion")
        if self.tie_rule == "criteria_priority_then_lottery" and not self.priority:
            raise ValueError("criteria_priority_then_lottery needs a priority order")


@dataclass(frozen=True)
class Entry:
    """A proposal to rank: its id, the hash of its canonical content, and scores[member][criterion] = points."""

    proposal_id: str
    content_hash: str
    scores: Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class RankedEntry:
    proposal_id: str
    rank: int
    score: Fraction
    criterion_means: dict[str, Fraction]
    passes: bool
    selected: bool
    tie_broken: bool
    lottery_key: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "proposal_id": self.proposal_id,
            "rank": self.rank,
            "score": fraction_text(self.score),
            "score_display": fraction_display(self.score),
            "criterion_means": {k: fraction_text(v) for k, v in self.criterion_means.items()},
            "passes": self.passes,
            "selected": self.selected,
            "tie_broken": self.tie_broken,
            "lottery_key": self.lottery_key,
        }


@dataclass(frozen=True)
class Ranking:
    entries: tuple[RankedEntry, ...] = field(default_factory=tuple)

    @property
    def selected(self) -> tuple[str, ...]:
        """The selected proposal ids, in rank order."""
        return tuple(e.proposal_id for e in self.entries if e.selected)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: exact fractions as "n/d" strings so the published result can be recomputed and compared."""
        return {"entries": [e.to_dict() for e in self.entries]}


def seed_commitment(seed: bytes) -> str:
    """What the call publishes in advance: hex SHA-256 of the secret seed."""
    return hashlib.sha256(seed).hexdigest()


def lottery_key(seed: bytes, content_hash: str) -> bytes:
    """SHA-256(seed ‖ content hash bytes): unpredictable before the seed is revealed, independent of any id."""
    return hashlib.sha256(seed + _hash_bytes(content_hash)).digest()


def fraction_text(value: Fraction) -> str:
    """Exact text of a fraction, always "n/d" (integers as "n/1") so readers need only one parser."""
    return f"{value.numerator}/{value.denominator}"


def fraction_display(value: Fraction, places: int = 2) -> str:
    """Decimal text rounded half-up (away from zero on .5), in integer arithmetic so no binary rounding creeps in."""
    scale = 10**places
    magnitude = abs(value) * scale
    units = int(magnitude + Fraction(1, 2))  # int() truncates; magnitude is non-negative, so this is floor
    whole, frac = divmod(units, scale)
    sign = "-" if value < 0 and units else ""
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def _hash_bytes(content_hash: str) -> bytes:
    try:
        raw = bytes.fromhex(content_hash)
    except ValueError:
        raise ValueError(f"content hash is not hex: {content_hash!r}") from None
    if len(raw) != 32:
        raise ValueError(f"content hash is not a SHA-256: {content_hash!r}")
    return raw


def _means(rule: CallRule, entry: Entry) -> dict[str, Fraction]:
    if not entry.scores:
        raise ValueError(f"proposal {entry.proposal_id!r} has no scorers; quorum must be enforced before ranking")
    limits = {c.key: c.max_points for c in rule.criteria}
    totals = dict.fromkeys(limits, 0)
    for member, points in entry.scores.items():
        if set(points) != set(limits):
            missing, extra = sorted(set(limits) - set(points)), sorted(set(points) - set(limits))
            raise ValueError(
                f"proposal {entry.proposal_id!r}, member {member!r}: missing criteria {missing}, unknown {extra}"
            )
        for key, value in points.items():
            if not _is_int(value) or not 0 <= value <= limits[key]:
                raise ValueError(
                    f"proposal {entry.proposal_id!r}, member {member!r}, criterion {key!r}: "
                    f"{value!r} is not an integer within 0..{limits[key]}"
                )
            totals[key] += value
    scorers = len(entry.scores)
    return {key: Fraction(total, scorers) for key, total in totals.items()}


def _score(rule: CallRule, means: Mapping[str, Fraction]) -> Fraction:
    weighted = sum((Fraction(c.weight) * means[c.key] for c in rule.criteria), Fraction(0))
    if rule.formula == "weighted_sum_of_means":
        return weighted
    maximum = sum(c.weight * c.max_points for c in rule.criteria)
    return 100 * weighted / maximum


def rank(rule: CallRule, proposals: Iterable[Entry], seed: bytes) -> Ranking:
    """Rank every proposal by the call's formula and tie rule, then select the first `select` that pass."""
    entries: Sequence[Entry] = tuple(proposals)
    if not isinstance(seed, bytes) or not seed:
        # An empty seed makes the lottery guessable by anyone before the results.
        raise ValueError("the lottery seed must be non-empty bytes")
    ids = [e.proposal_id for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("proposal ids must be unique")
    hashes = [_hash_bytes(e.content_hash) for e in entries]
    # Equal content hashes give equal lottery keys; the order would then fall back to input order, i.e. not the rule.
    if len(set(hashes)) != len(hashes):
        raise ValueError("two proposals share a content hash; the lottery could not order them")

    rows: list[tuple[tuple[Fraction, tuple[Fraction, ...], bytes], Entry, dict[str, Fraction], Fraction, bytes]] = []
    for entry in entries:
        means = _means(rule, entry)
        score = _score(rule, means)
        key = lottery_key(seed, entry.content_hash)
        # Descending score, then (under the priority rule) descending means in the published order, then the
        # lottery key ascending. Ids never appear in the key, so no proposal gains from how it was named.
        by_priority = rule.tie_rule == "criteria_priority_then_lottery"
        priority = tuple(-means[k] for k in rule.priority) if by_priority else ()
        rows.append(((-score, priority, key), entry, means, score, key))
    rows.sort(key=lambda row: row[0])

    scores = [row[3] for row in rows]
    ranked: list[RankedEntry] = []
    chosen = 0
    for index, (_, entry, means, score, key) in enumerate(rows):
        passes = score >= rule.passing_score
        selected = passes and chosen < rule.select
        if selected:
            chosen += 1
        tied = (index > 0 and scores[index - 1] == score) or (index + 1 < len(scores) and scores[index + 1] == score)
        ranked.append(
            RankedEntry(
                proposal_id=entry.proposal_id,
                rank=index + 1,
                score=score,
                criterion_means=means,
                passes=passes,
                selected=selected,
                tie_broken=tied,
                lottery_key=key.hex(),
            )
        )
    return Ranking(entries=tuple(ranked))
