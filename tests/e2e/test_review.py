"""The review board end to end, on SQLite and PostgreSQL with real NATS: recusal from declared interests (late
ones void scores), declared and pinned conflicts, blind independent scoring, quorum failure and a substitute, the
chair or (recused) vice-chair confirming, results published at once and recomputable, each group's own scores.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import subprocess
import sys
import uuid
from fractions import Fraction
from typing import Any

import pytest

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.web.devissuer import DevIssuer

from support.bus import published_types
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
from support.cli import cli_env
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.lifecycle import GroupClient
from support.tamper import rewrite_stored

pytestmark = pytest.mark.smoke


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "proposals", "info-hub")}


async def proposals_for(p: Platform, call_id: str, member: str) -> dict[str, dict[str, Any]]:
    listed = await ok(
        p.clients["proposals"].get(f"/calls/{call_id}/review/proposals", headers=p.token(member, "reviewer"))
    )
    return {item.get("group_id", item["proposal_id"]): item for item in listed.json()["items"]}


async def declare_interest(p: Platform, member: str, group_id: str) -> None:
    await ok(
        p.clients["registry"].post(
            "/interests/me", json={"group_id": group_id, "kind": "member"}, headers=p.token(member, "reviewer")
        ),
        201,
    )


async def test_recusal_blind_scoring_quorum_substitute_and_results_with_a_recused_chair(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        proposals = p.clients["proposals"]
        committee = await review_board(p, ["m-chair", "m-vice", "m-2", "m-3"], "m-chair", "m-vice")
        green = await registered_group(p, "rep-g", "みどりの会")
        food = await registered_group(p, "rep-f", "子ども食堂")
        # The chair belongs to the green group: recused from its proposal, so the vice-chair will confirm.
        await declare_interest(p, "m-chair", green)
        view = p.apps["proposals"].state.kernel.application.view
        await eventually(lambda: view.interested("m-chair", green), timeout=20)
        call_id, deadline = await published_call(p, committee, quorum=3)
        await submit(p, call_id, green, "rep-g", "緑地の保全")
        await submit(p, call_id, food, "rep-f", "子どもの居場所")
        early = await proposals.post(f"/calls/{call_id}/review", headers=coordinator(p))
        named = deadline.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
        assert (early.status_code, early.json()["code"]) == (409, "review_before_deadline")
        assert named in early.json()["detail_ja"]
        assert named in early.json()["detail_en"]
        opened = await close_and_open_review(p, call_id, deadline)
        assert opened["proposals"] == 2
        # Recused by an interest declared in the registry: the proposal is not listed, not even by id, only counted.
        chair_sees = await ok(
            proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-chair", "reviewer"))
        )
        assert [item["group_id"] for item in chair_sees.json()["items"]] == [food]
        assert chair_sees.json()["recused_unlisted"] == 1
        ids = {g: item["proposal_id"] for g, item in (await proposals_for(p, call_id, "m-vice")).items()}

        refused = await score(p, call_id, "m-chair", ids[green], 9, 9)
        assert (refused.status_code, refused.json()["code"]) == (403, "recused")
        over = (await score(p, call_id, "m-vice", ids[green], 8, 11)).json()
        assert (over["code"], over["detail_ja"]) == (
            "invalid_points",
            "「実現性」は0点から10点までの整数で採点してください。",
        )
        assert "10" in over["detail_en"]
        unknown = await proposals.post(
            f"/calls/{call_id}/review/scores",
            json={"proposal_id": ids[green], "points": {"need": 1, "feasibility": 1, "秘密": 1}, "comment": "所見"},
            headers=p.token("m-vice", "reviewer"),
        )
        assert (unknown.status_code, unknown.json()["code"]) == (422, "not_a_call_criterion")
        assert "秘密" not in unknown.text
        # m-2 declares a conflict with the food proposal; a coordinator pins m-3's conflict with it too.
        await ok(
            proposals.post(
                f"/calls/{call_id}/review/conflicts",
                json={"proposal_id": ids[food], "kind": "close_relation", "reason": "代表者が親族"},
                headers=p.token("m-2", "reviewer"),
            ),
            201,
        )
        await ok(
            proposals.post(
                f"/calls/{call_id}/review/pinned-conflicts",
                json={"member_sub": "m-3", "proposal_id": ids[food], "kind": "business", "reason": "取引関係"},
                headers=coordinator(p),
            ),
            201,
        )
        pinned = await proposals.post(
            f"/calls/{call_id}/review/conflicts/removal",
            json={"proposal_id": ids[food]},
            headers=p.token("m-3", "reviewer"),
        )
        assert (pinned.status_code, pinned.json()["code"]) == (409, "conflict_pinned")

        for member, need, feasibility in (("m-vice", 8, 6), ("m-2", 7, 7), ("m-3", 9, 5)):
            await ok(score(p, call_id, member, ids[green], need, feasibility), 201)
        blind = await proposals.get(
            f"/calls/{call_id}/review/scores/{ids[food]}", headers=p.token("m-vice", "reviewer")
        )
        assert (blind.status_code, blind.json()["code"]) == (403, "score_first")
        await ok(score(p, call_id, "m-vice", ids[food], 6, 6), 201)
        again = await score(p, call_id, "m-vice", ids[food], 10, 10)
        assert (again.status_code, again.json()["code"]) == (409, "score_final")
        await ok(score(p, call_id, "m-chair", ids[food], 5, 5), 201)
        # Once one's own score is in, the others' are visible; a recused member never sees them.
        seen = await ok(
            proposals.get(f"/calls/{call_id}/review/scores/{ids[food]}", headers=p.token("m-vice", "reviewer"))
        )
        assert sorted(i["member_sub"] for i in seen.json()["items"]) == ["m-chair", "m-vice"]
        recused_view = await proposals.get(
            f"/calls/{call_id}/review/scores/{ids[food]}", headers=p.token("m-2", "reviewer")
        )
        assert recused_view.status_code == 403
        unknown = await proposals.get(
            f"/calls/{call_id}/review/scores/{uuid.uuid4()}", headers=p.token("m-vice", "reviewer")
        )
        assert unknown.status_code == 404

        early = await proposals.post(
            f"/calls/{call_id}/review/substitutes",
            json={"member_sub": "m-2", "reason": "念のため"},
            headers=coordinator(p),
        )
        assert early.status_code == 409
        lax = await proposals.post(
            f"/calls/{call_id}/review/scores",
            json={"proposal_id": ids[food], "points": {"need": "4", "feasibility": True}, "comment": "x"},
            headers=p.token("m-sub", "reviewer"),
        )
        assert lax.status_code == 422
        # Food has 2 eligible scorers (m-2 and m-3 are recused): quorum 3 fails, the decision is blocked.
        blocked = await proposals.post(
            f"/calls/{call_id}/review/decision", json={"reasons": "審査の結果"}, headers=p.token("m-vice", "reviewer")
        )
        assert (blocked.status_code, blocked.json()["code"]) == (409, "quorum_not_met")
        await appoint(p, committee, "m-sub")
        await ok(
            proposals.post(
                f"/calls/{call_id}/review/substitutes",
                json={"member_sub": "m-sub", "reason": "定足数確保のため"},
                headers=coordinator(p),
            )
        )
        await ok(score(p, call_id, "m-sub", ids[food], 7, 4), 201)

        async def both_published() -> bool:
            types = await published_types(nats_url, bus_namespace, "proposals")
            return {"call.decision_blocked.v1", "call.board_substitute_added.v1"} <= set(types)

        await eventually(both_published, timeout=20)
        not_chair = await proposals.post(
            f"/calls/{call_id}/review/decision", json={"reasons": "審査の結果"}, headers=p.token("m-chair", "reviewer")
        )
        assert (not_chair.status_code, not_chair.json()["code"]) == (403, "not_the_confirmer")
        decided = await ok(
            proposals.post(
                f"/calls/{call_id}/review/decision",
                json={"reasons": "必要性の評価が最も高い提案を採択した"},
                headers=p.token("m-vice", "reviewer"),
            )
        )
        results = decided.json()
        by_group = {r["group_id"]: r for r in results["proposals"]}
        # green: need mean (8+7+9)/3 = 8, feasibility 6 → 2×8 + 6 = 22; food: need 6, feasibility 5 → 17.
        assert Fraction(by_group[green]["score"]) == 22
        assert Fraction(by_group[food]["score"]) == Fraction(2 * 6 + 5)
        assert results["selected"] == [ids[green]]
        assert (by_group[green]["recusals"], by_group[food]["recusals"]) == (1, 2)
        assert sorted(s["label"] for s in by_group[green]["scores"]) == ["A", "B", "C"]

        public = await ok(proposals.get(f"/calls/{call_id}/results"))
        assert public.json() == results

        async def shown_in_hub() -> bool:
            shown = await p.clients["info-hub"].get(f"/calls/{call_id}")
            return shown.status_code == 200 and shown.json()["status"] == "results_published"

        await eventually(shown_in_hub, timeout=20)
        hub_results = (await p.clients["info-hub"].get(f"/calls/{call_id}")).json()["results"]
        assert hub_results["selected"] == [ids[green]]
        assert hub_results["seed"] == results["seed"]
        own = await ok(proposals.get(f"/calls/{call_id}/results/groups/{food}", headers=p.token("rep-f", "group")))
        assert own.json()["comments"] == ["所見", "所見", "所見"]
        other = await proposals.get(f"/calls/{call_id}/results/groups/{food}", headers=p.token("rep-g", "group"))
        assert other.status_code == 404


async def test_a_late_declared_interest_voids_the_members_scores(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        committee = await review_board(p, ["m-1", "m-2", "m-3", "m-4"], "m-1", "m-2")
        green = await registered_group(p, "rep-g", "みどりの会")
        call_id, deadline = await published_call(p, committee, quorum=3)
        plan = "事業計画書（別紙）".encode()
        attached = [
            {"filename": "別紙.txt", "media_type": "text/plain", "content_base64": base64.b64encode(plan).decode()}
        ]
        await submit(p, call_id, green, "rep-g", "緑地の保全", attached)
        await close_and_open_review(p, call_id, deadline)
        (item,) = (await proposals_for(p, call_id, "m-1")).values()
        # The board reads the attachment the group filed, by its hash.
        digest = hashlib.sha256(plan).hexdigest()
        downloaded = await ok(
            p.clients["proposals"].get(
                f"/calls/{call_id}/review/proposals/{item['proposal_id']}/attachments/{digest}",
                headers=p.token("m-2", "reviewer"),
            )
        )
        assert downloaded.content == plan
        # All four score at the same moment: each score lands (lost races on the review are retried).
        answers = await asyncio.gather(
            *(
                score(p, call_id, m, item["proposal_id"], 10 if m == "m-4" else 5, 5)
                for m in ("m-1", "m-2", "m-3", "m-4")
            )
        )
        assert [a.status_code for a in answers] == [201, 201, 201, 201], [a.text for a in answers]
        # m-4 declares, after scoring, that they belong to the group: their (generous) score is voided.
        await declare_interest(p, "m-4", green)
        view = p.apps["proposals"].state.kernel.application.view
        await eventually(lambda: view.interested("m-4", green), timeout=20)
        decided = await ok(
            p.clients["proposals"].post(
                f"/calls/{call_id}/review/decision", json={"reasons": "採点の結果"}, headers=p.token("m-1", "reviewer")
            )
        )
        (result,) = decided.json()["proposals"]
        assert Fraction(result["score"]) == 2 * 5 + 5
        assert len(result["scores"]) == 3
        review = p.apps["proposals"].state.kernel.application.get_review(uuid.UUID(call_id))
        assert review.decision is not None
        assert review.decision["voided"] == [
            {"member_sub": "m-4", "proposal_id": item["proposal_id"], "reason": "interest"}
        ]


async def three_proposals_scored(
    p: Platform, rule: dict[str, Any], scores: dict[str, tuple[int, int]]
) -> tuple[dict[str, Any], dict[str, str], str]:
    committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
    groups = {name: await registered_group(p, f"rep-{name}", f"{name}の会") for name in scores}
    call_id, deadline = await published_call(p, committee, **{"quorum": 3, "select": 2, **rule})
    receipts = {}
    for name, group_id in groups.items():
        receipts[name] = (await submit(p, call_id, group_id, f"rep-{name}", f"{name}の提案")).json()["receipt"]
    await close_and_open_review(p, call_id, deadline)
    ids = {g: item["proposal_id"] for g, item in (await proposals_for(p, call_id, "m-1")).items()}
    for name, (need, feasibility) in scores.items():
        for member in ("m-1", "m-2", "m-3"):
            await ok(score(p, call_id, member, ids[groups[name]], need, feasibility), 201)
    decided = await ok(
        p.clients["proposals"].post(
            f"/calls/{call_id}/review/decision", json={"reasons": "規定により決定"}, headers=p.token("m-1", "reviewer")
        )
    )
    hashes = {ids[groups[name]]: receipts[name]["content_hash"] for name in scores}
    named = {ids[groups[name]]: name for name in scores}
    return decided.json(), {pid: hashes[pid] for pid in named} | {f"name:{pid}": n for pid, n in named.items()}, call_id


async def test_a_tie_is_broken_by_the_committed_lottery_and_a_proposal_below_passing_is_never_selected(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        # A partner selection for a city project, end to end (the other tests run open calls).
        rule = {"kind": "partner_selection"}
        results, info, _ = await three_proposals_scored(
            p, {**rule, "tie_rule": "lottery", "passing_score": "15"}, {"east": (6, 6), "west": (6, 6), "low": (4, 4)}
        )
        seed = bytes.fromhex(results["seed"])
        tied = [r for r in results["proposals"] if r["tie_broken"]]
        assert len(tied) == 2
        expected = sorted(tied, key=lambda r: hashlib.sha256(seed + bytes.fromhex(info[r["proposal_id"]])).digest())
        assert [r["proposal_id"] for r in tied] == [r["proposal_id"] for r in expected]
        low = next(r for r in results["proposals"] if info[f"name:{r['proposal_id']}"] == "low")
        assert (low["score"], low["passes"], low["selected"]) == ("12/1", False, False)
        assert len(results["selected"]) == 2, "both tied proposals pass and select is 2"


async def test_a_tie_under_criteria_priority_goes_to_the_higher_mean_on_the_first_priority(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        rule = {"tie_rule": "criteria_priority_then_lottery", "priority": ["feasibility", "need"], "select": 1}
        # Both total 2×need + feasibility = 18; "north" is more feasible.
        results, info, _ = await three_proposals_scored(
            p, {**rule, "passing_score": "15"}, {"north": (6, 6), "south": (7, 4), "low": (1, 1)}
        )
        first = results["proposals"][0]
        assert info[f"name:{first['proposal_id']}"] == "north"
        assert first["tie_broken"] is True
        assert results["selected"] == [first["proposal_id"]]


async def test_the_auditors_recompute_agrees_with_the_results_and_detects_a_score_altered_in_the_database(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = services(backend, nats_url, bus_namespace, issuer)
    async with platform(settings, issuer) as p:
        results, _, call_id = await three_proposals_scored(
            p, {"tie_rule": "lottery", "passing_score": "15"}, {"east": (6, 6), "west": (6, 6), "low": (4, 3)}
        )
        assert results["selected"]
    command = [sys.executable, "-m", "kyodo_shared.cli.main", "audit", "recompute", call_id, "--json"]
    env = cli_env(settings["proposals"])
    agreed = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)
    assert agreed.returncode == 0, agreed.stdout + agreed.stderr
    assert json.loads(agreed.stdout)["findings"] == []
    assert rewrite_stored(settings["proposals"], "proposals", "Review.Scored", '"need":4', '"need":9') >= 1
    caught = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)
    assert caught.returncode == 1, caught.stdout + caught.stderr
    codes = {f["code"] for f in json.loads(caught.stdout)["findings"]}
    assert codes & {"ranking_mismatch", "ranking_order_mismatch"}, codes


async def test_a_proposal_whose_group_lost_good_standing_before_the_deadline_is_set_aside_and_published_so(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = services(backend, nats_url, bus_namespace, issuer)
    async with platform(settings, issuer) as p:
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        green = GroupClient(p, representative="rep-g")
        await green.apply(name="みどりの会")
        await green.assess_all()
        food = await registered_group(p, "rep-f", "子ども食堂")
        view = p.apps["proposals"].state.kernel.application.view
        await eventually(lambda: (view.group(green.group_id) or ("", ""))[1] == "registered", timeout=20)
        call_id, deadline = await published_call(p, committee, quorum=3)
        await submit(p, call_id, green.group_id, "rep-g", "緑地の保全")
        await submit(p, call_id, food, "rep-f", "子どもの居場所")
        suspended = await green.post("/suspension", {"reason": "会計報告の未提出"}, "coord-1", "coordinator")
        assert suspended.status_code == 200, suspended.text
        await eventually(lambda: (view.group(green.group_id) or ("", ""))[1] == "suspended", timeout=20)
        opened = await close_and_open_review(p, call_id, deadline)
        assert opened["proposals"] == 1
        assert [(i["group_id"], i["status"]) for i in opened["ineligible"]] == [(green.group_id, "suspended")]
        (item,) = (await proposals_for(p, call_id, "m-1")).values()
        for member in ("m-1", "m-2", "m-3"):
            await ok(score(p, call_id, member, item["proposal_id"], 5, 5), 201)
        decided = await ok(
            p.clients["proposals"].post(
                f"/calls/{call_id}/review/decision",
                json={"reasons": "規定により決定"},
                headers=p.token("m-1", "reviewer"),
            )
        )
        # Every outcome is published: the set-aside proposal with its group and reason, and nothing of its content.
        (aside,) = decided.json()["set_aside"]
        assert (aside["group_id"], aside["reason"]) == (green.group_id, "suspended")
        assert set(aside) == {"proposal_id", "group_id", "reason"}
        public = await ok(p.clients["proposals"].get(f"/calls/{call_id}/results"))
        assert public.json()["set_aside"] == [aside]
        assert "緑地の保全" not in public.text
        # The group reads its own outcome instead of a 404.
        own = await ok(
            p.clients["proposals"].get(
                f"/calls/{call_id}/results/groups/{green.group_id}", headers=p.token("rep-g", "group")
            )
        )
        assert (own.json()["outcome"], own.json()["reason"]) == ("set_aside", "suspended")
        fed = await ok(
            p.clients["proposals"].get(f"/calls/{call_id}/results/groups/{food}", headers=p.token("rep-f", "group"))
        )
        assert fed.json()["outcome"] == "ranked"

        async def hub_shows_it() -> bool:
            shown = await p.clients["info-hub"].get(f"/calls/{call_id}")
            # The portal adds the group's name from its directory (a suspended group stays listed).
            published = {**aside, "group_name": "みどりの会"}
            return shown.status_code == 200 and (shown.json().get("results") or {}).get("set_aside") == [published]

        await eventually(hub_shows_it, timeout=20)
    command = [sys.executable, "-m", "kyodo_shared.cli.main", "audit", "recompute", call_id, "--json"]
    env = cli_env(settings["proposals"])
    agreed = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)
    assert agreed.returncode == 0, agreed.stdout + agreed.stderr


async def test_cancelling_a_call_in_review_stops_the_review_and_its_proposals_stay_sealed(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        proposals = p.clients["proposals"]
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        green = await registered_group(p, "rep-g", "みどりの会")
        call_id, deadline = await published_call(p, committee, quorum=3)
        plan = "事業計画書（別紙）".encode()
        attached = [
            {"filename": "別紙.txt", "media_type": "text/plain", "content_base64": base64.b64encode(plan).decode()}
        ]
        await submit(p, call_id, green, "rep-g", "緑地の保全", attached)
        await close_and_open_review(p, call_id, deadline)
        (item,) = (await proposals_for(p, call_id, "m-1")).values()
        assert (await score(p, call_id, "m-2", item["proposal_id"], 5, 5)).status_code == 201
        assert (await score(p, call_id, "m-3", item["proposal_id"], 4, 4)).status_code == 201
        current = await ok(proposals.get(f"/calls/{call_id}"))
        await ok(
            proposals.post(
                f"/calls/{call_id}/cancellation",
                json={"reason": "予算が措置されなかった"},
                headers={**coordinator(p), "If-Match": current.headers["ETag"]},
            )
        )
        stopped = await score(p, call_id, "m-1", item["proposal_id"], 5, 5)
        assert stopped.status_code == 409
        board = await proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer"))
        assert board.status_code == 409
        # Nothing of the stopped review is read any more: not the attachments, not each other's scores.
        digest = hashlib.sha256(plan).hexdigest()
        attachment = await proposals.get(
            f"/calls/{call_id}/review/proposals/{item['proposal_id']}/attachments/{digest}",
            headers=p.token("m-2", "reviewer"),
        )
        assert (attachment.status_code, attachment.json()["code"]) == (409, "invalid_state")
        scores = await proposals.get(
            f"/calls/{call_id}/review/scores/{item['proposal_id']}", headers=p.token("m-2", "reviewer")
        )
        assert (scores.status_code, scores.json()["code"]) == (409, "invalid_state")
        assert (await proposals.get(f"/calls/{call_id}/results")).status_code == 404
