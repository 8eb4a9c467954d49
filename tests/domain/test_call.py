"""The call aggregate: drafted, published with a fixed board, amended only before its deadline (extending it),
closed by its deadline, cancelled with a reason — and what each publishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kyodo_contracts import Contract
from kyodo_contracts import proposals as c
from kyodo_proposals.bus import to_contracts
from kyodo_proposals.domain import Call
from kyodo_shared.domain.refusals import Refusal

TOKYO = ZoneInfo("Asia/Tokyo")
TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "a"}
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO)
DEADLINE = datetime(2027, 1, 15, 17, 0, tzinfo=TOKYO)
BOARD = ["m-1", "m-2", "m-3", "m-4"]


def spec(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "open_call",
        "title_ja": "令和9年度 協働事業提案",
        "title_en": None,
        "description_ja": "市民活動団体からの協働事業の提案を募集します。",
        "description_en": None,
        "screening_decision_id": None,
        "criteria": [
            {"key": "need", "name_ja": "必要性", "name_en": "Need", "weight": 2, "max_points": 10},
            {"key": "feasibility", "name_ja": "実現性", "name_en": None, "weight": 1, "max_points": 10},
        ],
        "formula": "weighted_sum_of_means",
        "passing_score": "18/1",
        "select": 2,
        "tie_rule": "lottery",
        "priority": [],
        "quorum": 3,
        "deadline": DEADLINE.isoformat(),
        "committee_id": str(uuid.uuid4()),
        "minimum_extension_days": 7,
    }
    return {**base, **overrides}


def published_call() -> Call:
    call = Call(uuid.uuid4(), spec(), "coord", TRACE)
    call.publish(BOARD, "m-1", "m-2", "ab" * 32, NOW, "coord", TRACE)
    return call


_SEEN: dict[uuid.UUID, list[Contract]] = {}


def published(call: Call) -> list[Contract]:
    seen = _SEEN.setdefault(call.id, [])
    seen.extend(contract for event in call.collect_events() for contract in to_contracts(event))
    return seen


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(Refusal) as error:
        yield
    assert error.value.code == code


def test_a_draft_publishes_nothing_and_publication_fixes_the_board_and_the_seed_commitment() -> None:
    call = Call(uuid.uuid4(), spec(), "coord", TRACE)
    call.revise_draft(spec(title_ja="改題"), "coord", TRACE)
    assert published(call) == []
    call.publish(BOARD, "m-1", None, "ab" * 32, NOW, "coord", TRACE)
    (event,) = published(call)
    assert isinstance(event, c.CallPublished)
    assert (event.board_subs, event.chair_sub, event.seed_commitment) == (BOARD, "m-1", "ab" * 32)
    assert event.rules.title_ja == "改題"
    assert event.rules.deadline == DEADLINE
    with refused("invalid_state"):
        call.revise_draft(spec(), "coord", TRACE)


def test_publication_needs_a_future_deadline_and_a_board_of_at_least_the_quorum() -> None:
    with refused("deadline_passed"):
        Call(uuid.uuid4(), spec(), "coord", TRACE).publish(BOARD, None, None, "ab" * 32, DEADLINE, "coord", TRACE)
    with refused("board_below_quorum"):
        Call(uuid.uuid4(), spec(), "coord", TRACE).publish(["m-1", "m-2"], None, None, "ab" * 32, NOW, "c", TRACE)


def test_an_amendment_before_the_deadline_needs_a_reason_and_extends_the_deadline_by_the_minimum() -> None:
    call = published_call()
    with refused("extension_too_short"):
        call.amend({"passing_score": "20/1"}, "基準の明確化", DEADLINE + timedelta(days=6), 7, NOW, "coord", TRACE)
    with refused("not_amendable"):
        call.amend({"committee_id": "x"}, "審査会の変更", DEADLINE + timedelta(days=7), 7, NOW, "coord", TRACE)
    call.amend({"passing_score": "20/1"}, "基準の明確化", DEADLINE + timedelta(days=7), 7, NOW, "coord", TRACE)
    amended = published(call)[-1]
    assert isinstance(amended, c.CallAmended)
    assert (amended.rules.passing_score, amended.changed, amended.reason) == ("20/1", ["passing_score"], "基準の明確化")
    assert amended.rules.deadline == DEADLINE + timedelta(days=7)
    after = DEADLINE + timedelta(days=7, seconds=1)
    with refused("deadline_passed"):
        call.amend({"select": 1}, "遅すぎる変更", after + timedelta(days=30), 7, after, "coord", TRACE)


def test_the_deadline_closes_the_call_at_the_deadline_and_an_outdated_timer_does_nothing() -> None:
    call = published_call()
    assert call.close(DEADLINE - timedelta(seconds=1), TRACE) is False
    call.amend({"select": 1}, "採択数の変更", DEADLINE + timedelta(days=10), 7, NOW, "coord", TRACE)
    assert call.close(DEADLINE + timedelta(hours=1), TRACE) is False, "the old deadline's timer finds it still open"
    late = DEADLINE + timedelta(days=10, hours=3)
    assert call.close(late, TRACE) is True
    closed = published(call)[-1]
    assert isinstance(closed, c.CallClosed)
    assert closed.closed_at == DEADLINE + timedelta(days=10), "closed at the deadline, not when the timer ran"
    assert call.close(late, TRACE) is False


def test_opening_the_review_publishes_that_it_started_and_when_and_nothing_of_the_proposals() -> None:
    call = published_call()
    call.close(DEADLINE + timedelta(seconds=1), TRACE)
    call.start_review(TRACE)
    started = published(call)[-1]
    assert isinstance(started, c.ReviewStarted)
    assert started.call_id == call.id
    assert started.started_at.tzinfo is not None, "the stored event's own time, with its offset"
    assert set(started.model_dump()) == {"call_id", "started_at"}, "no count, no content: the proposals stay sealed"


def test_a_call_is_cancelled_with_a_reason_and_stays_cancelled() -> None:
    call = published_call()
    call.cancel("予算措置が見送られたため", "coord", TRACE)
    assert published(call)[-1] == c.CallCancelled(call_id=call.id, reason="予算措置が見送られたため")
    with refused("invalid_state"):
        call.cancel("再度", "coord", TRACE)
    with refused("invalid_state"):
        call.amend({"select": 1}, "x", DEADLINE + timedelta(days=8), 7, NOW, "coord", TRACE)


def test_the_board_changes_before_the_deadline_only_by_an_amendment_that_keeps_the_quorum() -> None:
    call = published_call()
    later = DEADLINE + timedelta(days=7)
    with refused("board_below_quorum"):
        call.amend({}, "委員の辞任", later, 7, NOW, "coord", TRACE, (["m-1", "m-2"], "m-1", "m-2"))
    call.amend({}, "委員の辞任", later, 7, NOW, "coord", TRACE, (["m-1", "m-2", "m-4"], "m-1", None))
    amended = published(call)[-1]
    assert isinstance(amended, c.CallAmended)
    assert (amended.changed, amended.board_subs, amended.vice_chair_sub) == (["board"], ["m-1", "m-2", "m-4"], None)
    assert call.board == ["m-1", "m-2", "m-4"]


def result(rank: int, selected: bool) -> dict[str, Any]:
    return {
        "proposal_id": str(uuid.uuid4()),
        "group_id": str(uuid.uuid4()),
        "rank": rank,
        "score": "20/1" if selected else "12/1",
        "score_display": "20.00" if selected else "12.00",
        "criterion_means": {"need": "7/1", "feasibility": "6/1"},
        "passes": selected,
        "selected": selected,
        "tie_broken": False,
        "lottery_key": "00" * 32,
        "recusals": 0,
        "scores": [],
    }


def in_review(call: Call) -> Call:
    call.close(call.deadline + timedelta(seconds=1), TRACE)
    call.start_review(TRACE)
    return call


def concluded(call: Call, department_id: str | None) -> list[Contract]:
    in_review(call)
    proposals = [result(1, True), result(2, True), result(3, False)]
    results = {"proposals": proposals, "selected": [p["proposal_id"] for p in proposals[:2]]}
    call.conclude({**results, "reasons": "規定により決定", "seed": "cd" * 32}, "m-1", TRACE, department_id)
    return published(call)


def test_a_call_publishes_its_department_and_each_adoption_carries_it_with_the_title_and_screening_decision() -> None:
    department, decision = uuid.uuid4(), uuid.uuid4()
    call = Call(
        uuid.uuid4(),
        spec(kind="partner_selection", screening_decision_id=str(decision), department_id=str(department)),
        "coord",
        TRACE,
    )
    call.publish(BOARD, "m-1", "m-2", "ab" * 32, NOW, "coord", TRACE)
    (announced,) = published(call)
    assert isinstance(announced, c.CallPublished)
    assert (announced.rules.department_id, announced.rules.screening_decision_id) == (department, decision)
    moved = uuid.uuid4()
    call.amend({"department_id": str(moved)}, "所管の変更", DEADLINE + timedelta(days=7), 7, NOW, "coord", TRACE)
    amended = published(call)[-1]
    assert isinstance(amended, c.CallAmended)
    assert (amended.changed, amended.rules.department_id) == (["department_id"], moved)

    adopted = [e for e in concluded(call, str(moved)) if isinstance(e, c.ProposalAdopted)]
    assert [(a.rank, a.department_id, a.title_ja, a.screening_decision_id) for a in adopted] == [
        (1, moved, "令和9年度 協働事業提案", decision),
        (2, moved, "令和9年度 協働事業提案", decision),
    ], "only the selected proposals are adopted, each with what its project is created from"


def test_results_published_before_adoptions_recorded_their_department_still_map_and_replay_without_it() -> None:
    call = in_review(published_call())
    published(call)
    # The event as a release before this one stored it: no `adoption` attribute at all.
    old = object.__new__(Call.ResultsPublished)
    old.__dict__.update(
        {
            "originator_id": call.id,
            "originator_version": call.version + 1,
            "timestamp": NOW,
            "results": {"proposals": [result(1, True)], "selected": [], "reasons": "r", "seed": "cd" * 32},
            "by_sub": "m-1",
            "trace": TRACE,
        }
    )
    (adopted,) = [e for e in to_contracts(old) if isinstance(e, c.ProposalAdopted)]
    assert (adopted.department_id, adopted.title_ja, adopted.screening_decision_id) == (None, None, None)
    replayed = old.mutate(call)
    assert replayed is not None
    assert (replayed.status, replayed.results["reasons"]) == ("results_published", "r")
