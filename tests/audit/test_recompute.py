"""The auditor's independent recompute: a decided call rebuilt from its event history alone."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyodo_recompute import RecomputeReport, recompute_call
from kyodo_shared.audit.keys import b64
from kyodo_shared.audit.receipts import Receipt

from support.recompute import (
    CALL_ID,
    COUNTED,
    DECIDED,
    A,
    B,
    C,
    Call,
    find,
    group_id,
    proposal_id,
    scored_call,
    spec,
)


def codes(report: RecomputeReport) -> set[str]:
    return {f.code for f in report.findings}


def order(report: RecomputeReport) -> list[str]:
    return [e["proposal_id"] for e in report.ranking["entries"]]


def test_a_decision_that_follows_the_published_rule_is_confirmed(key: Ed25519PrivateKey, keys: Any) -> None:
    report = recompute_call(CALL_ID, scored_call(key).events(), keys)
    assert report.ok, report.as_dict()
    assert order(report) == [proposal_id(A), proposal_id(B), proposal_id(C)]
    assert [e["score"] for e in report.ranking["entries"]] == ["16/1", "31/3", "11/2"]
    assert report.ranking["lottery_verified"] is True
    assert json.loads(json.dumps(report.as_dict()))["ok"] is True


def test_a_score_altered_in_the_history_no_longer_reproduces_the_decided_ranking(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    events = scored_call(key).events()
    find(events, "Review.Scored", member_sub="m1", proposal_id=proposal_id(A))["points"] = {"quality": 0, "cost": 0}
    report = recompute_call(CALL_ID, events, keys)
    assert not report.ok
    assert {"ranking_mismatch", "ranking_order_mismatch"} <= codes(report)
    mismatch = next(f for f in report.findings if f.code == "ranking_mismatch" and f.detail["field"] == "score")
    assert mismatch.proposal_id == proposal_id(A)
    # m1's sheet became 0/0: quality (0+4)/2 = 2, cost (0+6)/2 = 3 → 2·2 + 3 = 7.
    assert (mismatch.detail["recomputed"], mismatch.detail["decided"]) == ("7/1", "16/1")
    assert "16/1" in mismatch.message_ja
    assert "16/1" in mismatch.message_en


def test_a_seed_that_does_not_match_its_commitment_is_reported(key: Ed25519PrivateKey, keys: Any) -> None:
    events = scored_call(key).events()
    find(events, "Review.ResultsPublished")["results"]["seed"] = "b2" * 32
    report = recompute_call(CALL_ID, events, keys)
    assert "seed_mismatch" in codes(report)
    assert report.ranking["lottery_verified"] is False


def test_a_counted_score_from_a_member_with_a_standing_conflict_is_reported(key: Ed25519PrivateKey, keys: Any) -> None:
    call = scored_call(key, decide=False)
    call.conflict("m2", B)
    call.decide(DECIDED, COUNTED, voided=[("m3", C)])
    report = recompute_call(CALL_ID, call.events(), keys)
    found = [(f.code, f.member_sub, f.proposal_id) for f in report.findings]
    assert found == [("conflict_counted", "m2", proposal_id(B))]


def test_a_conflict_removed_before_the_decision_does_not_recuse(key: Ed25519PrivateKey, keys: Any) -> None:
    call = scored_call(key, decide=False)
    call.conflict("m2", B, removed=True)
    call.decide(DECIDED, COUNTED, voided=[("m3", C)])
    assert recompute_call(CALL_ID, call.events(), keys).ok


def test_proposals_below_the_quorum_are_reported(key: Ed25519PrivateKey, keys: Any) -> None:
    report = recompute_call(CALL_ID, scored_call(key, quorum=3).events(), keys)
    quorum = sorted((f.proposal_id, f.detail["scorers"]) for f in report.findings if f.code == "quorum_not_met")
    assert quorum == sorted([(proposal_id(A), 2), (proposal_id(C), 2)])


def test_a_score_neither_counted_nor_voided_and_a_stranger_s_score_are_reported(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    call = scored_call(key, decide=False)
    call.score("outsider", B, 5, 10)
    call.decide(DECIDED, COUNTED, voided=[])
    report = recompute_call(CALL_ID, call.events(), keys)
    unaccounted = {(f.member_sub, f.proposal_id) for f in report.findings if f.code == "score_unaccounted"}
    assert unaccounted == {("m3", proposal_id(C)), ("outsider", proposal_id(B))}


def test_a_score_counted_from_someone_off_the_board_is_reported_but_a_substitute_counts(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    call = scored_call(key, decide=False)
    call.review.append(("SubstituteAdded", {"member_sub": "m4", "reason": "quorum", "by_sub": "coord"}))
    call.score("m4", A, 4, 7)
    call.score("m5", A, 4, 7)
    # With m4 and m5: quality (5+4+4+4)/4 = 17/4, cost (8+6+7+7)/4 = 7 → 17/2 + 7 = 31/2.
    decided = [(A, "31/2", {"quality": "17/4", "cost": "7/1"}, True, True), *DECIDED[1:]]
    call.decide(decided, [*COUNTED, ("m4", A), ("m5", A)], voided=[("m3", C)])
    report = recompute_call(CALL_ID, call.events(), keys)
    assert [(f.code, f.member_sub) for f in report.findings] == [("not_on_board", "m5")]


def test_the_latest_amendment_s_rules_apply(key: Ed25519PrivateKey, keys: Any) -> None:
    call = scored_call(key, decide=False)
    call.amended = spec(formula="percent_of_maximum", passing_score="60")
    # 100 × weighted sum / (2·5 + 1·10): A 80, B 155/3, C 55/2; only A reaches 60.
    call.decide(
        [
            (A, "80/1", {"quality": "9/2", "cost": "7/1"}, True, True),
            (B, "155/3", {"quality": "8/3", "cost": "5/1"}, False, False),
            (C, "55/2", {"quality": "3/2", "cost": "5/2"}, False, False),
        ],
        COUNTED,
        voided=[("m3", C)],
    )
    report = recompute_call(CALL_ID, call.events(), keys)
    assert report.ok, report.as_dict()


def tied_call(key: Ed25519PrivateKey, b_quality: int, b_cost: int, **spec_changes: Any) -> Call:
    """A scores quality 4, cost 8 (= 16); B is given so as to tie it on the total."""
    call = Call(key, spec=spec(**spec_changes))
    call.propose(A)
    call.propose(B)
    for member in ("m1", "m2"):
        call.score(member, A, 4, 8)
        call.score(member, B, b_quality, b_cost)
    return call


def decide_in(call: Call, first: str, means: dict[str, dict[str, str]]) -> None:
    second = B if first == A else A
    call.decide(
        [(first, "16/1", means[first], True, True), (second, "16/1", means[second], True, False)],
        [("m1", A), ("m2", A), ("m1", B), ("m2", B)],
    )


def test_a_tie_under_the_lottery_goes_to_the_lower_key_of_seed_and_content_hash(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    probe = tied_call(key, 5, 6)
    winner = min((A, B), key=probe.lottery_key)
    means = {A: {"quality": "4/1", "cost": "8/1"}, B: {"quality": "5/1", "cost": "6/1"}}
    right, wrong = tied_call(key, 5, 6), tied_call(key, 5, 6)
    decide_in(right, winner, means)
    decide_in(wrong, B if winner == A else A, means)
    agreed = recompute_call(CALL_ID, right.events(), keys)
    assert agreed.ok, agreed.as_dict()
    assert order(agreed)[0] == proposal_id(winner)
    assert all(e["tie_broken"] for e in agreed.ranking["entries"])
    assert {"ranking_order_mismatch", "ranking_mismatch"} <= codes(recompute_call(CALL_ID, wrong.events(), keys))


def test_a_tie_under_criteria_priority_goes_to_the_higher_priority_mean_before_the_lottery(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    lottery_winner = min((A, B), key=tied_call(key, 5, 6).lottery_key)
    # Name as first priority the criterion on which the lottery's loser is ahead, so the rule must overrule luck.
    first_priority = "quality" if lottery_winner == A else "cost"
    rule = {"tie_rule": "criteria_priority_then_lottery", "priority": [first_priority]}
    means = {A: {"quality": "4/1", "cost": "8/1"}, B: {"quality": "5/1", "cost": "6/1"}}
    loser = B if lottery_winner == A else A
    right, by_lottery = tied_call(key, 5, 6, **rule), tied_call(key, 5, 6, **rule)
    decide_in(right, loser, means)
    decide_in(by_lottery, lottery_winner, means)
    agreed = recompute_call(CALL_ID, right.events(), keys)
    assert agreed.ok, agreed.as_dict()
    assert order(agreed)[0] == proposal_id(loser)
    assert "ranking_order_mismatch" in codes(recompute_call(CALL_ID, by_lottery.events(), keys))


def test_under_criteria_priority_equal_means_fall_back_to_the_lottery(key: Ed25519PrivateKey, keys: Any) -> None:
    rule = {"tie_rule": "criteria_priority_then_lottery", "priority": ["cost", "quality"]}
    call = tied_call(key, 4, 8, **rule)
    winner = min((A, B), key=call.lottery_key)
    same = {"quality": "4/1", "cost": "8/1"}
    decide_in(call, winner, {A: same, B: same})
    report = recompute_call(CALL_ID, call.events(), keys)
    assert report.ok, report.as_dict()
    assert order(report)[0] == proposal_id(winner)


def test_a_proposal_whose_content_does_not_match_its_receipt_is_reported(key: Ed25519PrivateKey, keys: Any) -> None:
    events = scored_call(key).events()
    find(events, "Review.Opened")["entries"][1]["content"]["summary"] = "something else"
    report = recompute_call(CALL_ID, events, keys)
    assert [(f.code, f.proposal_id) for f in report.findings] == [("content_mismatch", proposal_id(B))]


def test_a_receipt_for_another_group_is_reported(key: Ed25519PrivateKey, keys: Any) -> None:
    events = scored_call(key).events()
    find(events, "Review.Opened")["entries"][0]["group_id"] = str(uuid4())
    assert [f.code for f in recompute_call(CALL_ID, events, keys).findings] == ["receipt_mismatch"]


def test_a_receipt_with_a_bad_signature_is_reported(key: Ed25519PrivateKey, keys: Any) -> None:
    events = scored_call(key).events()
    entry = find(events, "Review.Opened")["entries"][2]
    receipt = Receipt.from_json(entry["receipt"])
    forged = b64(Ed25519PrivateKey.generate().sign(receipt.payload()))
    entry["receipt"] = receipt.model_copy(update={"signature": forged}).to_json()
    report = recompute_call(CALL_ID, events, keys)
    assert [(f.code, f.proposal_id) for f in report.findings] == [("receipt_signature_invalid", proposal_id(C))]
    assert "bad signature" in report.findings[0].message_en


def test_a_call_without_published_results_cannot_be_confirmed(key: Ed25519PrivateKey, keys: Any) -> None:
    events = [e for e in scored_call(key).events() if not e["type"].endswith("ResultsPublished")]
    report = recompute_call(CALL_ID, events, keys)
    assert codes(report) == {"results_not_published"}


def test_the_recompute_reads_published_type_names_and_never_python_topics(key: Ed25519PrivateKey, keys: Any) -> None:
    # The service moved its modules and renamed its classes: every topic changed, no type name did.
    renamed = scored_call(key).events()
    for item in renamed:
        _, aggregate, name = item["type"].split(".")
        item["topic"] = f"kyodo_proposals_v2.elsewhere:{aggregate}Renamed.{name}"
    report = recompute_call(CALL_ID, renamed, keys)
    assert report.ok, report.as_dict()
    assert [e["score"] for e in report.ranking["entries"]] == ["16/1", "31/3", "11/2"]
    # And the very topics the service stores today, without their type names, tell the recompute nothing.
    untyped = []
    for item in scored_call(key).events():
        _, aggregate, name = item.pop("type").split(".")
        module = "domain" if aggregate == "Call" else "review"
        untyped.append({**item, "topic": f"kyodo_proposals.{module}:{aggregate}.{name}", "type": None})
    assert codes(recompute_call(CALL_ID, untyped, keys)) == {"call_not_found"}


def test_every_proposal_kept_back_at_the_opening_is_published_as_set_aside_and_none_other(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    events = scored_call(key).events()
    kept = {"proposal_id": proposal_id("kept"), "group_id": group_id("kept"), "status": "suspended"}
    find(events, "Review.Opened")["ineligible"] = [kept]
    results = find(events, "Review.ResultsPublished")["results"]
    # Results that list no set-aside proposals at all, while one was kept back.
    assert codes(recompute_call(CALL_ID, events, keys)) == {"set_aside_unpublished"}
    # Listed, but not that one.
    results["set_aside"] = []
    assert codes(recompute_call(CALL_ID, events, keys)) == {"set_aside_mismatch"}
    # Listed with the reason the opening recorded: agrees.
    results["set_aside"] = [{"proposal_id": kept["proposal_id"], "group_id": kept["group_id"], "reason": "suspended"}]
    assert recompute_call(CALL_ID, events, keys).ok
    # A ranked proposal published as set aside as well.
    ranked = {"proposal_id": proposal_id(A), "group_id": group_id(A), "reason": "suspended"}
    results["set_aside"].append(ranked)
    report = recompute_call(CALL_ID, events, keys)
    assert codes(report) == {"set_aside_mismatch", "set_aside_ranked"}
    assert next(f for f in report.findings if f.code == "set_aside_ranked").proposal_id == proposal_id(A)
