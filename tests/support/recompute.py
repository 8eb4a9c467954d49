"""A decided call written by hand as stored event dicts, for the auditor's recompute tests.

Nothing here comes from the proposals service: the decided ranking is stated with hand-computed numbers, so the
tests check the auditor's arithmetic against the published rules, not against another implementation. Events carry
their published type names only (`proposals.Call.Published`), as the recompute reads them; no Python topic.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyodo_shared.audit.receipts import content_hash, sign_receipt

CALL_ID = "5f0c3a52-2a0b-4d8e-9a51-0d7f3c2b1e01"
REVIEW_ID = str(uuid5(NAMESPACE_URL, f"kyodo:proposals:review:{CALL_ID}"))
KEY_ID = "proposals-1"
SEED = bytes.fromhex("a1" * 32)
CRITERIA = [
    {"key": "quality", "name_ja": "質", "name_en": "Quality", "weight": 2, "max_points": 5},
    {"key": "cost", "name_ja": "費用", "name_en": "Cost", "weight": 1, "max_points": 10},
]


def spec(**changes: Any) -> dict[str, Any]:
    return {
        "criteria": copy.deepcopy(CRITERIA),
        "formula": "weighted_sum_of_means",
        "passing_score": "10/1",
        "select": 1,
        "tie_rule": "lottery",
        "priority": [],
        "quorum": 2,
        "deadline": "2026-12-01T17:00:00+09:00",
        **changes,
    }


def proposal_id(name: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"test:proposal:{name}"))


def group_id(name: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"test:group:{name}"))


@dataclass
class Call:
    """Builds the event list; `events()` returns fresh dicts each time, so a test may tamper with its copy."""

    key: Ed25519PrivateKey
    spec: dict[str, Any] = field(default_factory=spec)
    board: list[str] = field(default_factory=lambda: ["m1", "m2", "m3"])
    seed: bytes = SEED
    entries: list[dict[str, Any]] = field(default_factory=list)
    review: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    amended: dict[str, Any] | None = None  # the full spec of a later amendment, when there is one

    def propose(self, name: str, attachments: tuple[str, ...] = ()) -> str:
        content = {"title": f"提案 {name}", "summary": f"summary of {name}", "budget": [{"item": "x", "yen": 1000}]}
        salt = hashlib.sha256(name.encode()).digest()[:16]
        digest = content_hash(content, list(attachments), salt)
        receipt = sign_receipt(
            self.key,
            KEY_ID,
            call_id=CALL_ID,
            group_id=group_id(name),
            proposal_version=1,
            content_hash=digest,
            salt=salt,
            attachments=list(attachments),
            received_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        )
        pid = proposal_id(name)
        self.entries.append(
            {
                "proposal_id": pid,
                "group_id": group_id(name),
                "version": 1,
                "content": content,
                "attachments": sorted(attachments),
                "salt": salt.hex(),
                "receipt": receipt.to_json(),
                "content_hash": digest,
            }
        )
        return pid

    def score(self, member: str, name: str, quality: int, cost: int) -> None:
        points = {"quality": quality, "cost": cost}
        self.review.append(("Scored", {"member_sub": member, "proposal_id": proposal_id(name), "points": points}))

    def conflict(self, member: str, name: str, *, removed: bool = False) -> None:
        pair = {"member_sub": member, "proposal_id": proposal_id(name)}
        self.review.append(
            ("ConflictDeclared", {**pair, "kind": "employment", "reason": "works there", "pinned": False})
        )
        if removed:
            self.review.append(("ConflictRemoved", pair))

    def lottery_key(self, name: str) -> str:
        entry = next(e for e in self.entries if e["proposal_id"] == proposal_id(name))
        return hashlib.sha256(self.seed + bytes.fromhex(entry["content_hash"])).hexdigest()

    def decide(
        self,
        ranking: list[tuple[str, str, dict[str, str], bool, bool]],
        counted: list[tuple[str, str]],
        voided: Sequence[tuple[str, str]] = (),
    ) -> None:
        """ranking: (name, score, means, passes, selected) in rank order; counted/voided: (member, name)."""
        scores = [row[1] for row in ranking]
        entries = [
            {
                "proposal_id": proposal_id(name),
                "rank": rank,
                "score": score,
                "score_display": "",
                "criterion_means": means,
                "passes": passes,
                "selected": selected,
                "tie_broken": scores.count(score) > 1,
                "lottery_key": self.lottery_key(name),
            }
            for rank, (name, score, means, passes, selected) in enumerate(ranking, start=1)
        ]
        decision = {
            "ranking": {"entries": entries},
            "counted": [f"{m}|{proposal_id(n)}" for m, n in counted],
            "voided": [{"member_sub": m, "proposal_id": proposal_id(n), "reason": "interest"} for m, n in voided],
        }
        self.review.append(("Decided", {"decision": decision, "confirmed_by": "m1", "reasons": "by the rule"}))
        self.review.append(("ResultsPublished", {"results": {"seed": self.seed.hex()}}))

    def events(self) -> list[dict[str, Any]]:
        published = {
            "spec": self.spec,
            "board": self.board,
            "chair_sub": "m1",
            "vice_chair_sub": "m2",
            "seed_commitment": hashlib.sha256(self.seed).hexdigest(),
        }
        events = [
            event("proposals.Call.Drafted", CALL_ID, 1, {"spec": {}}),
            event("proposals.Call.Published", CALL_ID, 2, published),
        ]
        if self.amended is not None:
            events.append(event("proposals.Call.Amended", CALL_ID, 3, {"spec": self.amended}))
        events.append(event("proposals.Call.Closed", CALL_ID, len(events) + 1, {}))
        opened = {"call_id": CALL_ID, "entries": self.entries, "board": self.board, "quorum": self.spec["quorum"]}
        events.append(event("proposals.Review.Opened", REVIEW_ID, 1, opened))
        for version, (name, state) in enumerate(self.review, start=2):
            events.append(event(f"proposals.Review.{name}", REVIEW_ID, version, state))
        return copy.deepcopy(events)


def event(type_name: str, originator: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    return {"type": type_name, "originator_id": str(UUID(originator)), "originator_version": version, "state": state}


def find(events: list[dict[str, Any]], type_suffix: str, **where: Any) -> dict[str, Any]:
    """The state (itself, to tamper with) of the first event whose type ends so and whose state has these values."""
    for item in events:
        if item["type"].endswith(type_suffix) and all(item["state"].get(k) == v for k, v in where.items()):
            state: dict[str, Any] = item["state"]
            return state
    raise LookupError(type_suffix)


A, B, C = "A", "B", "C"
# Hand-computed under the base spec (quality ×2 of 5, cost ×1 of 10, weighted sum of means, passing 10):
# A: quality (5+4)/2 = 9/2, cost (8+6)/2 = 7 → 2·9/2 + 7 = 16
# B: quality (3+3+2)/3 = 8/3, cost (5+4+6)/3 = 5 → 16/3 + 5 = 31/3
# C: quality (1+2)/2 = 3/2, cost (2+3)/2 = 5/2 → 3 + 5/2 = 11/2 (m3's score voided: a late-declared interest)
DECIDED = [
    (A, "16/1", {"quality": "9/2", "cost": "7/1"}, True, True),
    (B, "31/3", {"quality": "8/3", "cost": "5/1"}, True, False),
    (C, "11/2", {"quality": "3/2", "cost": "5/2"}, False, False),
]
COUNTED = [("m1", A), ("m2", A), ("m1", B), ("m2", B), ("m3", B), ("m1", C), ("m2", C)]


def scored_call(key: Ed25519PrivateKey, decide: bool = True, **spec_changes: Any) -> Call:
    call = Call(key, spec=spec(**spec_changes))
    for name in (A, B, C):
        call.propose(name)
    call.conflict("m3", A)
    for member, name, quality, cost in [
        ("m1", A, 5, 8), ("m2", A, 4, 6),
        ("m1", B, 3, 5), ("m2", B, 3, 4), ("m3", B, 2, 6),
        ("m1", C, 1, 2), ("m2", C, 2, 3), ("m3", C, 4, 9),
    ]:  # fmt: skip
        call.score(member, name, quality, cost)
    if decide:
        call.decide(DECIDED, COUNTED, voided=[("m3", C)])
    return call
