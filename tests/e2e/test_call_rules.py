"""Rules that cannot be met are refused when they are written, over HTTP, on SQLite and PostgreSQL with real NATS:
a passing score above the highest reachable score (at creation, revision and amendment), a deadline already past by
the service's clock (in a draft too), each refusal naming the field, the rule and the values in Japanese and English;
and a decision blocked for want of a quorum names the substitute rule and how many members may still join.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import (
    appoint,
    close_and_open_review,
    coordinator,
    ok,
    published_call,
    registered_group,
    review_board,
    score,
    submit,
)
from support.harness import Backend, Platform, platform, settings_for

pytestmark = pytest.mark.smoke


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "proposals", "info-hub")}


def draft(committee_id: str, deadline: datetime, **rules: Any) -> dict[str, Any]:
    # Highest reachable score under weighted_sum_of_means: 2 × 10 + 1 × 10 = 30.
    return {
        "kind": "open_call",
        "title_ja": "協働事業提案",
        "description_ja": "提案を募集します。",
        "criteria": [
            {"key": "need", "name_ja": "必要性", "weight": 2, "max_points": 10},
            {"key": "feasibility", "name_ja": "実現性", "weight": 1, "max_points": 10},
        ],
        "passing_score": "30",
        "deadline": deadline.isoformat(),
        "committee_id": committee_id,
        **rules,
    }


def the_error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    """The one field error of a refusal, after checking the problem's status and code."""
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), response.text
    assert len(body["errors"]) == 1, body
    error: dict[str, str] = body["errors"][0]
    return error


def names(error: dict[str, str], *values: str) -> bool:
    return all(v in error["reason_ja"] and v in error["reason_en"] for v in values)


async def test_rules_that_cannot_be_met_are_refused_naming_the_field_the_rule_and_the_values(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        proposals, boss = p.clients["proposals"], coordinator(p)
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=20)

        # At creation: the passing score against the formula's highest score (30 here; 100 for a percentage).
        high = await proposals.post("/calls", json=draft(committee, deadline, passing_score="61/2"), headers=boss)
        error = the_error(high, 422, "validation_failed")
        assert (error["field"], error["code"]) == ("passing_score", "passing_score_unreachable")
        # The formula is named as "the chosen formula", not by its internal key (a reader does not know the key).
        assert names(error, "61/2", "30")
        percent = draft(committee, deadline, formula="percent_of_maximum", passing_score="100.5")
        error = the_error(await proposals.post("/calls", json=percent, headers=boss), 422, "validation_failed")
        assert (error["field"], error["code"]) == ("passing_score", "passing_score_unreachable")
        assert names(error, "201/2", "100")
        percent["passing_score"] = "100"
        await ok(proposals.post("/calls", json=percent, headers=boss), 201)

        # Every other rule-level error names its field and the key involved, no longer `body` with a generic reason.
        repeated = draft(committee, deadline)
        repeated["criteria"][1]["key"] = "need"
        error = the_error(await proposals.post("/calls", json=repeated, headers=boss), 422, "validation_failed")
        assert (error["field"], error["code"]) == ("criteria", "criterion_key_repeated")
        assert names(error, "need")
        unknown = draft(committee, deadline, priority=["need", "impact"])
        error = the_error(await proposals.post("/calls", json=unknown, headers=boss), 422, "validation_failed")
        assert (error["field"], error["code"]) == ("priority", "priority_unknown_criterion")
        assert names(error, "impact")
        no_order = draft(committee, deadline, tie_rule="criteria_priority_then_lottery")
        error = the_error(await proposals.post("/calls", json=no_order, headers=boss), 422, "validation_failed")
        assert (error["field"], error["code"]) == ("priority", "priority_required")

        # A deadline in the past is refused in a draft — by the service's clock, which is ahead of the test's here.
        kernel = p.apps["proposals"].state.kernel
        service_now = datetime.now(TOKYO) + timedelta(days=5)
        kernel.clock = lambda: service_now
        try:
            soon = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=2)
            past = await proposals.post("/calls", json=draft(committee, soon), headers=boss)
            error = the_error(past, 422, "deadline_in_past")
            assert (error["field"], error["code"]) == ("deadline", "deadline_in_past")
            assert names(error, soon.strftime("%Y-%m-%d %H:%M"), service_now.strftime("%Y-%m-%d %H:%M"))
            assert past.json()["detail_ja"] == error["reason_ja"]
            drafted = await ok(proposals.post("/calls", json=draft(committee, deadline), headers=boss), 201)
            revised = await proposals.put(
                f"/calls/{drafted.json()['id']}",
                json=draft(committee, soon),
                headers={**boss, "If-Match": drafted.headers["ETag"]},
            )
            assert the_error(revised, 422, "deadline_in_past")["field"] == "deadline"
        finally:
            kernel.clock = lambda: datetime.now(TOKYO)  # back to real time (the way every kernel is moved)

        # By amendment of a live call: lowering the maxima below the passing score, or raising the score above them.
        published = await ok(
            proposals.post(
                f"/calls/{drafted.json()['id']}/publication", headers={**boss, "If-Match": drafted.headers["ETag"]}
            )
        )
        call_id, etag = published.json()["id"], published.headers["ETag"]
        later = (deadline + timedelta(days=10)).isoformat()
        smaller = [{**c, "max_points": 5} for c in draft(committee, deadline)["criteria"]]
        for change, shown in (({"criteria": smaller}, ("30", "15")), ({"passing_score": "31"}, ("31", "30"))):
            amended = await proposals.post(
                f"/calls/{call_id}/amendments",
                json={"reason": "基準の見直し", "deadline": later, **change},
                headers={**boss, "If-Match": etag},
            )
            error = the_error(amended, 422, "invalid_rules")
            assert (error["field"], error["code"]) == ("passing_score", "passing_score_unreachable")
            assert names(error, *shown)
        unchanged = await ok(proposals.get(f"/calls/{call_id}"))
        assert (unchanged.headers["ETag"], unchanged.json()["amendments"]) == (etag, [])
        await ok(
            proposals.post(
                f"/calls/{call_id}/amendments",
                json={"reason": "基準の見直し", "deadline": later, "criteria": smaller, "passing_score": "15"},
                headers={**boss, "If-Match": etag},
            )
        )


async def blocked(p: Platform, call_id: str) -> dict[str, Any]:
    refused = await p.clients["proposals"].post(
        f"/calls/{call_id}/review/decision", json={"reasons": "審査の結果"}, headers=p.token("m-1", "reviewer")
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "quorum_not_met"), refused.text
    body: dict[str, Any] = refused.json()
    return body


async def test_a_decision_short_of_quorum_names_the_substitute_rule_and_how_many_members_may_still_join(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        proposals = p.clients["proposals"]
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        group = await registered_group(p, "rep-g", "みどりの会")
        call_id, deadline = await published_call(p, committee, quorum=3)
        await submit(p, call_id, group, "rep-g", "緑地の保全")
        await close_and_open_review(p, call_id, deadline)
        listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer")))
        proposal_id = listed.json()["items"][0]["proposal_id"]
        await ok(
            proposals.post(
                f"/calls/{call_id}/review/conflicts",
                json={"proposal_id": proposal_id, "kind": "close_relation", "reason": "代表者が親族"},
                headers=p.token("m-3", "reviewer"),
            ),
            201,
        )
        for member in ("m-1", "m-2"):
            await ok(score(p, call_id, member, proposal_id, 8, 7), 201)

        # The whole review board already sits on the call: nobody may join until a member is appointed.
        none_left = await blocked(p, call_id)
        assert "定足数（3名）" in none_left["detail_ja"]
        assert "まだ加わっていない人に限られます（現在0名）" in none_left["detail_ja"]
        assert "the quorum (3)" in none_left["detail_en"]
        assert "not yet on this call's board (0 now eligible)" in none_left["detail_en"]
        await appoint(p, committee, "m-4")
        one_left = await blocked(p, call_id)
        assert "（現在1名）" in one_left["detail_ja"]
        assert "(1 now eligible)" in one_left["detail_en"]

        await ok(
            proposals.post(
                f"/calls/{call_id}/review/substitutes",
                json={"member_sub": "m-4", "reason": "定足数確保のため"},
                headers=coordinator(p),
            )
        )
        await ok(score(p, call_id, "m-4", proposal_id, 6, 6), 201)
        await ok(
            proposals.post(
                f"/calls/{call_id}/review/decision",
                json={"reasons": "審査の結果"},
                headers=p.token("m-1", "reviewer"),
            )
        )
