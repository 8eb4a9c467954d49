"""A conflict declared after scoring (real stores, real NATS, logged-in sessions): once a member has scored a proposal
they read the others' scores on it (and the chair the decision's ranking), so declaring a conflict then — voiding
their score, or handing the confirmation to the vice-chair — would steer the result. The API refuses it as
problem+json naming the field and the reason, the page says why beside the unavailable action (and on the form when
forced), nothing is stored; the coordinator still pins such a conflict, which voids the score.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from test_ws_proposals import SERVICES
from test_ws_proposals_review import review, reviewed_call, score_form

from support.calls import coordinator, ok, score
from support.page_reading import doc, one, text, well_formed
from support.workspace import workspace


async def test_a_member_who_has_scored_cannot_declare_a_conflict_through_the_api_and_the_coordinator_still_pins_one(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site)
        p, api = site.platform, site.api("proposals")
        await ok(score(p, call_id, "m-2", green, 8, 7), 201)
        stored = site.domain_events("proposals")

        refused = await api.post(
            f"/calls/{call_id}/review/conflicts",
            json={"proposal_id": green, "kind": "member", "reason": "会員です"},
            headers=p.token("m-2", "reviewer"),
        )
        assert refused.status_code == 409
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["code"] == "conflict_after_scoring"
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [("proposal_id", "conflict_after_scoring")]
        assert "事務局" in problem["errors"][0]["reason_ja"]
        assert "coordinator" in problem["errors"][0]["reason_en"]
        assert site.domain_events("proposals") == stored

        # Before scoring, the same member declares one on the other proposal. The answer is their command's result
        # only: no proposal's id or group (those short of the quorum, those set aside), no member.
        declared = await ok(
            api.post(
                f"/calls/{call_id}/review/conflicts",
                json={"proposal_id": food, "kind": "member", "reason": "会員です"},
                headers=p.token("m-2", "reviewer"),
            ),
            201,
        )
        assert set(declared.json()) == {"status", "quorum", "proposals"}
        assert green not in declared.text
        # The coordinator pins a conflict on the proposal the member scored: recorded, recusing them; the
        # coordinator's answer keeps the whole summary.
        pinned = await ok(
            api.post(
                f"/calls/{call_id}/review/pinned-conflicts",
                json={"member_sub": "m-2", "proposal_id": green, "kind": "business", "reason": "取引関係"},
                headers=coordinator(p),
            ),
            201,
        )
        assert {"board", "ineligible", "blocked"} <= set(pinned.json())
        removed = await ok(
            api.post(
                f"/calls/{call_id}/review/conflicts/removal",
                json={"proposal_id": food},
                headers=p.token("m-2", "reviewer"),
            )
        )
        assert set(removed.json()) == {"status", "quorum", "proposals"}
        conflicts = site.application("proposals").get_review(UUID(call_id)).conflicts
        assert conflicts[f"m-2|{green}"]["pinned"] is True

        # A coordinator's account on the board cannot pin its own conflict after scoring (nor at all): refused,
        # saying why in both languages, nothing stored.
        await ok(score(p, call_id, "m-3", green, 6, 5), 201)
        stored = site.domain_events("proposals")
        own = await api.post(
            f"/calls/{call_id}/review/pinned-conflicts",
            json={"member_sub": "m-3", "proposal_id": green, "kind": "business", "reason": "取引関係"},
            headers=p.token("m-3", "coordinator", "reviewer"),
        )
        assert own.status_code == 409
        assert own.headers["content-type"].startswith("application/problem+json")
        problem = own.json()
        assert problem["code"] == "own_conflict_pinned"
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [("member_sub", "own_conflict_pinned")]
        assert "自分の利害関係" in problem["title"] or "自分の利害関係" in problem["errors"][0]["reason_ja"]
        assert "another coordinator" in problem["errors"][0]["reason_en"]
        assert site.domain_events("proposals") == stored
        assert f"m-3|{green}" not in site.application("proposals").get_review(UUID(call_id)).conflicts
        # Another member's conflict it pins, answered as a member is: no ids nor groups.
        others = await ok(
            api.post(
                f"/calls/{call_id}/review/pinned-conflicts",
                json={"member_sub": "m-2", "proposal_id": food, "kind": "business", "reason": "取引関係"},
                headers=p.token("m-3", "coordinator", "reviewer"),
            ),
            201,
        )
        assert set(others.json()) == {"status", "quorum", "proposals"}


async def test_the_proposal_page_says_why_a_member_who_scored_cannot_declare_a_conflict_and_a_forced_post_is_refused(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, _food = await reviewed_call(site)
        member = site.browser("m-3", "reviewer")
        path = review(call_id, green)
        assert well_formed(await member.page(path)).xpath(f"//form[@action='{path}/conflict']")
        assert (await score_form(member, call_id, green, "6", "5")).status_code == 303

        page = well_formed(await member.page(path))
        assert not page.xpath(f"//form[@action='{path}/conflict']")
        why = text(one(page, "//h2[@id='conflict']/following-sibling::div[1]//p[@id='conflict-why']"))
        assert "この提案は採点済みです" in why
        assert "事務局に伝えてください" in why
        english = well_formed(await member.page(path, lang="en"))
        assert "you cannot void your score by declaring a conflict yourself" in text(english)
        await member.page(path, lang="ja")

        # Forced (a form left open in another tab): refused on the form, saying why; nothing stored.
        stored = site.domain_events("proposals")
        forced = await member.post(f"{path}/conflict", {"kind": "member", "reason": "会員です"})
        assert forced.status_code == 409
        summary = text(one(doc(forced), "//*[@data-error-summary]"))
        assert "この提案はすでに採点しています" in summary
        assert site.domain_events("proposals") == stored
        assert site.application("proposals").get_review(UUID(call_id)).conflicts == {}


async def test_the_pin_form_says_the_reason_is_not_shown_and_a_coordinator_on_the_board_is_shown_no_group_nor_conflict(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, _food = await reviewed_call(site)
        manage = f"/proposals/calls/{call_id}/manage"
        form = f"{manage}/pinned-conflicts"
        center = site.browser("coord-1", "coordinator")
        page = well_formed(await center.page(form))
        assert "委員には利害関係の種類と事務局が記録したことだけを示し、この理由は示しません" in text(page)
        assert "みどりの会" in text(page)
        english = well_formed(await center.page(form, lang="en"))
        assert "never this reason" in text(english)
        await center.page(form, lang="ja")
        data = {"member_sub": "m-2", "proposal_id": green, "kind": "business", "reason": "取引関係"}
        assert (await center.post(form, data)).status_code == 303
        assert "みどりの会" in text(well_formed(await center.page(manage)))

        # A coordinator's account on this call's board reads neither the groups nor the conflicts here, as on the
        # board's pages; the forms are unavailable, and a forced post of its own conflict is refused, nothing stored.
        both = site.browser("m-3", "coordinator", "reviewer")
        for path in (manage, form, f"{manage}/substitutes"):
            answer = await both.get(path)
            assert answer.status_code == 200, (path, answer.text[:2000])
            shown = text(well_formed(doc(answer)))
            assert "みどりの会" not in shown, path
            assert green not in answer.text, path
            assert "別の事務局職員が行います" in shown, path
        assert not well_formed(await both.page(form)).xpath(f"//form[@action='{form}']")
        stored = site.domain_events("proposals")
        refused = await both.post(form, {**data, "member_sub": "m-3"})
        assert refused.status_code == 409
        assert "自分の利害関係は事務局として記録できません" in text(one(doc(refused), "//*[@data-error-summary]"))
        assert site.domain_events("proposals") == stored
