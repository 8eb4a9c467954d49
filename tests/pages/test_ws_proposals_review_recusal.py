"""What a recused board member can tell about the proposals they are recused from (real stores, real NATS, logged-in
sessions): a member recused by a conflict the coordinator pinned, or by an interest declared in the registry, reads
the proposals they may read named by their group, and only a count of the others — no id, no number, no place among
the proposals they read — on the review's page, the decision's page and in the API's answer; a proposal named by an
id they hold from elsewhere answers only that they are recused from it.
"""

from __future__ import annotations

import re
from pathlib import Path

from test_ws_proposals import SERVICES
from test_ws_proposals_review import pin_conflict, review, reviewed_call

from support.calls import ok
from support.harness import eventually
from support.page_reading import doc, one, text, well_formed
from support.workspace import workspace

GREEN_TITLE = "緑の居場所づくり"
# "提案 2", "提案２", "Proposal 2": a number placing a proposal among the others.
NUMBERED = re.compile(r"(提案|Proposal)\s*[0-9０-９]")


async def test_a_member_recused_by_a_pinned_conflict_or_a_registry_interest_cannot_tell_which_proposal_it_is(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site)
        p, api = site.platform, site.api("proposals")
        await pin_conflict(site, call_id, "m-3", green, "取引関係がある")
        third = site.browser("m-3", "reviewer")

        # The review's page: the proposal they read named by its group, unnumbered; the other only counted.
        answer = await third.get(review(call_id))
        assert answer.status_code == 200, answer.text[:2000]
        listing = well_formed(doc(answer))
        assert green not in answer.text
        assert "みどりの会" not in answer.text
        assert not NUMBERED.search(text(listing)), text(listing)
        to_score = [text(a) for a in listing.xpath("//h2[@id='to-score']/following-sibling::ul[1]/li/a")]
        assert to_score == ["子ども食堂の提案"]
        assert "事務局が記録した利害関係により除斥されている提案：1件" in text(listing)
        # Their own conflict is shown by its kind and as the coordinator's record — neither which proposal it
        # concerns nor the coordinator's reason, which could name the group (kept for the record and auditors).
        row = one(listing, "//table[caption[@id='conflicts-caption']]/tbody/tr")
        assert "除斥された提案" in text(row)
        assert "取引関係" in text(row)
        assert "事務局が記録として保管しています（あなたには表示しません）" in text(row)
        assert "取引関係がある" not in answer.text
        english = well_formed(await third.page(review(call_id), lang="en"))
        assert "Recused by a conflict the coordinator recorded: 1 proposal. It is not listed" in text(english)
        assert "1 proposals" not in text(english)
        assert "Kept by the coordinator for the record: not shown to you" in text(english)
        assert "取引関係がある" not in text(english)
        assert not NUMBERED.search(text(english))
        await third.page(review(call_id), lang="ja")

        # The API answers the same: the proposal they may read, and a count.
        listed = await ok(api.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-3", "reviewer")))
        assert [i["proposal_id"] for i in listed.json()["items"]] == [food]
        assert listed.json()["recused_unlisted"] == 1
        assert green not in listed.text

        # The decision's page neither.
        decision = await third.get(f"{review(call_id)}/decision")
        assert decision.status_code == 200
        assert green not in decision.text
        assert not NUMBERED.search(text(well_formed(doc(decision))))

        # An id held from elsewhere tells only that they are recused: no group, no content, no number.
        forced = await third.get(review(call_id, green))
        assert forced.status_code == 200
        page = well_formed(doc(forced))
        assert text(one(page, "//h1")) == "除斥された提案"
        assert "みどりの会" not in forced.text
        assert GREEN_TITLE not in forced.text
        assert "事務局がこの提案とのあなたの利害関係を記録しました" in text(page)

        # The chair reads both, each named by its group and neither numbered.
        chair = well_formed(await site.browser("m-1", "reviewer").page(review(call_id)))
        named = sorted(text(a) for a in chair.xpath("//h2[@id='to-score']/following-sibling::ul[1]/li/a"))
        assert named == ["みどりの会の提案", "子ども食堂の提案"]

        # An interest the vice-chair declares in the registry in 子ども食堂: counted under that cause, never named.
        chair_items = await ok(api.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer")))
        food_group = next(i["group_id"] for i in chair_items.json()["items"] if i["proposal_id"] == food)
        await ok(
            p.clients["registry"].post(
                "/interests/me", json={"group_id": food_group, "kind": "member"}, headers=p.token("m-2", "reviewer")
            ),
            201,
        )
        view = site.application("proposals").view
        await eventually(lambda: view.interested("m-2", food_group), timeout=20)
        vice = await site.browser("m-2", "reviewer").get(review(call_id))
        assert food not in vice.text
        assert "子ども食堂" not in vice.text
        assert "登録簿に申告した利害関係により除斥されている提案：1件" in text(well_formed(doc(vice)))
        vice_listed = await ok(api.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-2", "reviewer")))
        assert [i["proposal_id"] for i in vice_listed.json()["items"]] == [green]
        assert vice_listed.json()["recused_unlisted"] == 1
