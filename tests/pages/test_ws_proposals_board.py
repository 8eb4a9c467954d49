"""The board on a call's manage page after the decision (acceptance F33): the members fixed at publication and every
substitute who joined when the quorum failed, with the reason they joined, as the review knew them when it decided.
"""

from __future__ import annotations

from pathlib import Path

from test_ws_proposals import SERVICES, board_and_groups

from support.calls import (
    appoint,
    close_and_open_review,
    coordinator,
    ok,
    published_call,
    score,
    submit,
)
from support.harness import eventually
from support.page_reading import text, well_formed
from support.workspace import workspace


async def test_a_decided_calls_manage_page_lists_the_substitute_who_scored_with_the_reason_they_joined(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        proposals = p.clients["proposals"]
        committee, green, _ = await board_and_groups(p)
        call_id, deadline = await published_call(p, committee, quorum=3)
        await submit(p, call_id, green, "rep-g", "緑の提案")
        await close_and_open_review(p, call_id, deadline)
        listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer")))
        proposal_id = listed.json()["items"][0]["proposal_id"]
        # m-3 is recused by a pinned conflict: two scores for a quorum of three, so the decision is blocked.
        pin = {"member_sub": "m-3", "proposal_id": proposal_id, "kind": "officer", "reason": "団体の役員"}
        await ok(proposals.post(f"/calls/{call_id}/review/pinned-conflicts", json=pin, headers=coordinator(p)), 201)
        for member in ("m-1", "m-2"):
            await ok(score(p, call_id, member, proposal_id, 9, 8), 201)
        blocked = await proposals.post(
            f"/calls/{call_id}/review/decision", json={"reasons": "審査の結果"}, headers=p.token("m-1", "reviewer")
        )
        assert (blocked.status_code, blocked.json()["code"]) == (409, "quorum_not_met")

        # A member appointed after publication joins as a substitute, scores, and the chair decides.
        await appoint(p, committee, "m-4")
        view = p.apps["proposals"].state.kernel.application.view
        await eventually(lambda: "m-4" in view.board(committee, deadline.date()).members, timeout=20)
        joined = {"member_sub": "m-4", "reason": "定足数確保のため"}
        await ok(proposals.post(f"/calls/{call_id}/review/substitutes", json=joined, headers=coordinator(p)))
        await ok(score(p, call_id, "m-4", proposal_id, 8, 7), 201)
        decision = {"reasons": "規定により決定"}
        await ok(proposals.post(f"/calls/{call_id}/review/decision", json=decision, headers=p.token("m-1", "reviewer")))
        assert (await ok(proposals.get(f"/calls/{call_id}"))).json()["status"] == "results_published"

        browser = site.browser("coord-1", "coordinator")
        for lang, heading, chair, substitute in (
            ("ja", "審査委員", "委員長", "補充"),
            ("en", "Board", "Chair", "substitute"),
        ):
            page = well_formed(await browser.page(f"/proposals/calls/{call_id}/manage", lang=lang))
            members = [text(li) for li in page.xpath(f"//h2[.='{heading}']/following-sibling::ul[1]/li")]
            assert members == [f"m-1 — {chair}", "m-2", "m-3", f"m-4 ({substitute}: 定足数確保のため)"]
        # The reason is in Japanese: marked so on the English page.
        assert page.xpath("//li[starts-with(., 'm-4')]/span[@lang='ja']")
