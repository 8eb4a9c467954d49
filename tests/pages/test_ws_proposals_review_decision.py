"""The decision page in the browser: the one who confirms — the chair, or when the chair and the vice-chair are
both recused the acting chair the members not recused elected, as the registry recorded it — reads the exact
ranking the published rule gives (fractions, the tie the lottery broke) once they have scored every proposal,
gives the reasons and confirms; the results are published at once and the public results page shows the same
ranking. Any other member reads who confirms, and a forced confirmation is refused with nothing stored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from test_ws_proposals import SERVICES
from test_ws_proposals_review import review, reviewed_call, score_form

from support.calls import close_and_open_review, coordinator, ok, published_call, registered_group, review_board, submit
from support.harness import eventually
from support.page_reading import doc, error_beside, one, text, well_formed
from support.workspace import Browser, workspace


def ranking_rows(page: Any, caption: str) -> list[list[str]]:
    """A table's rows as text: the ranking's rank, proposal, score, outcome, tie and key; the means' proposal and a
    mean per criterion."""
    rows = page.xpath(f"//table[caption[@id='{caption}']]/tbody/tr")
    return [[text(cell) for cell in row.xpath("th|td")] for row in rows]


async def score_all(members: list[Browser], call_id: str, points: dict[str, list[tuple[str, str]]]) -> None:
    for n, member in enumerate(members):
        for proposal_id, given in points.items():
            need, feasibility = given[n]
            assert (await score_form(member, call_id, proposal_id, need, feasibility)).status_code == 303


async def test_the_chair_reads_the_exact_ranking_with_the_tie_the_lottery_broke_confirms_and_the_results_show_it(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace([*SERVICES, "info-hub"], tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site)
        chair, vice = site.browser("m-1", "reviewer"), site.browser("m-2", "reviewer")
        decision = f"{review(call_id)}/decision"

        # Before the chair has scored: who confirms, but no ranking (independence), said in words.
        page = well_formed(await chair.page(decision))
        assert "委員長が決定を確認します" in text(page)
        assert "決定を確認するのはあなたです" in text(page)
        assert "m-1" not in text(one(page, "//main"))
        assert not page.xpath("//table[caption[@id='preview-caption']]")
        assert "すべての提案を採点した後に表示されます" in text(page)

        # Means that are not whole numbers, and a tie: both proposals score 43/2 (= 2 × 15/2 + 13/2 = 2 × 17/2 + 9/2).
        await score_all([chair, vice], call_id, {green: [("8", "7"), ("7", "6")], food: [("9", "4"), ("8", "5")]})
        page = well_formed(await chair.page(decision))
        rows = ranking_rows(page, "preview-caption")
        assert [r[0] for r in rows] == ["1", "2"]
        assert [r[2] for r in rows] == ["21.5", "21.5"]
        assert page.xpath("//table[caption[@id='preview-caption']]//data[@value='43/2']")
        # Both reach the passing score (15), one is selected; the tie, broken by the lottery keys.
        assert [r[3] for r in rows] == ["選定", "合格（選定外）"]
        assert [r[4] for r in rows] == ["同点：抽選で順位を決定"] * 2
        assert rows[0][5] < rows[1][5]  # ascending lottery key (its first 12 digits in the table)
        keys = [text(k) for k in page.xpath("//ul[@id='preview-caption-keys']/li/code")]
        assert [len(k) for k in keys] == [64, 64]
        assert [k[:12] + "…" for k in keys] == [r[5] for r in rows]
        means = ranking_rows(page, "preview-caption-means")
        assert [m[0] for m in means] == [r[1] for r in rows]
        assert sorted(m[1] for m in means) == ["7.5", "8.5"]  # each proposal's mean on 必要性

        # The vice-chair reads who confirms, cannot; a forced confirmation is refused and nothing is stored.
        other = well_formed(await vice.page(decision))
        assert not other.xpath(f"//form[@action='{decision}']")
        assert "この決定を確認するのは委員長だけです" in text(one(other, "//button[@disabled]/following-sibling::p"))
        assert "m-1" not in text(one(other, "//main"))
        stored = site.domain_events("proposals")
        forced = await vice.post(decision, {"reasons": "規定により決定", "confirm": "yes"})
        assert forced.status_code == 403
        assert site.domain_events("proposals") == stored

        # The reasons are required and the confirmation ticked, each said beside its field, both at once, in ja and en.
        missing = await chair.post(decision, {"confirm": "yes"})
        assert missing.status_code == 422
        assert error_beside(doc(missing), "reasons")
        neither = doc(await chair.post(decision, {}))
        assert error_beside(neither, "reasons")
        assert error_beside(neither, "confirm")
        assert len(neither.xpath("//*[@data-error-summary]//li/a")) == 2
        unticked = await chair.post(f"{decision}?lang=en", {"reasons": "規定により決定"})
        assert unticked.status_code == 422
        assert "Tick the box to confirm" in error_beside(doc(unticked), "confirm")
        assert site.domain_events("proposals") == stored

        confirmed = await chair.post(
            f"{decision}?lang=ja", {"reasons": "公表された規定により決定した。", "confirm": "yes"}
        )
        assert confirmed.status_code == 303, confirmed.text[:2000]
        assert confirmed.headers["location"] == f"{decision}?done=results_published"
        results = (await ok(site.api("proposals").get(f"/calls/{call_id}/results"))).json()
        published = well_formed(await chair.page(decision, done="results_published", lang="ja"))
        assert "公表された規定により決定した。" in text(published)
        rows_published = ranking_rows(published, "ranking-caption")
        assert rows_published == rows  # exactly the ranking the chair confirmed
        assert [p["proposal_id"] for p in results["proposals"]] == [
            green if "みどりの会" in rows[0][1] else food,
            food if "みどりの会" in rows[0][1] else green,
        ]
        # Every member on the board reads the published decision too; the call's page says the review is over.
        assert ranking_rows(well_formed(await vice.page(decision)), "ranking-caption") == rows
        listing = well_formed(await vice.page(review(call_id)))
        assert "審査は終了し、結果が公表されました。" in text(listing)
        assert "採点してください" not in text(listing)
        assert listing.xpath(f"//main//a[@href='/calls/{call_id}/results']")

        # The public results page (info-hub, from the results' event) shows the same ranking.
        visitor = site.visitor()

        async def public() -> bool:
            return (await visitor.get(f"/calls/{call_id}/results")).status_code == 200

        await eventually(public, timeout=30)
        public_page = doc(await visitor.get(f"/calls/{call_id}/results"))
        public_rows = ranking_rows(public_page, "ranking-caption")
        assert [(r[0], r[2]) for r in public_rows] == [("1", "21.5"), ("2", "21.5")]
        assert [r[1].removesuffix("の提案") for r in rows] == [r[1] for r in public_rows]


async def test_the_acting_chair_the_members_elected_confirms_when_the_chair_and_vice_chair_are_recused(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee = await review_board(p, ["m-1", "m-2", "m-3", "m-4"], "m-1", "m-2")
        green = await registered_group(p, "rep-g", "みどりの会")
        call_id, deadline = await published_call(p, committee, quorum=2)
        await submit(p, call_id, green, "rep-g", "緑地の保全")
        await close_and_open_review(p, call_id, deadline)
        listed = await ok(
            site.api("proposals").get(f"/calls/{call_id}/review/proposals", headers=p.token("m-3", "reviewer"))
        )
        proposal_id = listed.json()["items"][0]["proposal_id"]
        chair, vice, acting, fourth = (site.browser(f"m-{n}", "reviewer") for n in range(1, 5))
        path, decision = review(call_id, proposal_id), f"{review(call_id)}/decision"
        for officer in (chair, vice):
            declared = await officer.post(f"{path}/conflict", {"kind": "member", "reason": "団体の会員"})
            assert declared.status_code == 303, declared.text[:2000]
        await score_all([acting, fourth], call_id, {proposal_id: [("8", "6"), ("7", "7")]})

        # Nobody can confirm yet: said, and the action is shown disabled with the reason.
        page = well_formed(await acting.page(decision))
        assert "現在、決定を確認できる人がいません" in text(page)
        assert page.xpath("//button[@disabled]")
        assert not page.xpath(f"//form[@action='{decision}']")

        # The members not recused elect m-3; the coordinator records it in the registry.
        registry = p.clients["registry"]
        current = await ok(registry.get(f"/committees/{committee}/acting-chairs"))
        election = {"matter": f"proposals:call:{call_id}", "acting_chair_sub": "m-3", "elector_subs": ["m-3", "m-4"]}
        await ok(
            registry.post(
                f"/committees/{committee}/acting-chairs",
                json=election,
                headers={**coordinator(p), "If-Match": current.headers["ETag"]},
            ),
            201,
        )
        view = site.application("proposals").view
        await eventually(lambda: view.acting_chair(committee, f"proposals:call:{call_id}") is not None, timeout=20)

        page = well_formed(await acting.page(decision))
        assert "委員長代理（あなた）" in text(page)
        assert "m-3" not in text(one(page, "//main"))
        assert ranking_rows(page, "preview-caption")[0][:3] == ["1", "みどりの会の提案", "21.5"]
        english = well_formed(await chair.page(decision, lang="en"))
        # To the others, the acting chair is an ordinary member under the letter kept for this call.
        letter = re.search(r"The acting chair \(member ([A-Z])\)", text(english))
        assert letter, text(english)
        assert f"Only member {letter[1]} confirms this decision." in text(english)
        assert "m-3" not in text(one(english, "//main"))
        stored = site.domain_events("proposals")
        assert (await chair.post(decision, {"reasons": "x", "confirm": "yes"})).status_code == 403
        assert site.domain_events("proposals") == stored

        confirmed = await acting.post(decision, {"reasons": "委員長代理が確認した。", "confirm": "yes"})
        assert confirmed.status_code == 303, confirmed.text[:2000]
        assert (await ok(site.api("proposals").get(f"/calls/{call_id}"))).json()["status"] == "results_published"
        confirmed_by = one(
            well_formed(await acting.page(decision)), "//h2[.='結果は公表されました']/following-sibling::p[1]"
        )
        assert "決定はあなたが確認し" in text(confirmed_by)
        by_chair = well_formed(await chair.page(decision, lang="ja"))
        assert f"決定は委員 {letter[1]}が確認し" in text(by_chair)


async def test_a_confirmation_short_of_the_quorum_records_the_block_for_the_coordinator_and_publishes_nothing(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site, quorum=3)
        chair, vice = site.browser("m-1", "reviewer"), site.browser("m-2", "reviewer")
        decision = f"{review(call_id)}/decision"
        await score_all([chair, vice], call_id, {green: [("8", "7"), ("7", "6")], food: [("9", "4"), ("8", "5")]})

        # Two scores each for a quorum of three: no ranking, each proposal short named with its count.
        page = well_formed(await chair.page(decision))
        assert not page.xpath("//table[caption[@id='preview-caption']]")
        assert "定足数（3名）に足りません" in text(page)
        assert len(page.xpath("//li[contains(., '有効な採点2件')]")) == 2

        # Confirming records the block (so the coordinator may add a substitute) and says so on the form.
        blocked = await chair.post(decision, {"reasons": "規定により決定", "confirm": "yes"})
        assert blocked.status_code == 409
        assert "定足数を満たさない提案があります" in text(doc(blocked))
        assert (await ok(site.api("proposals").get(f"/calls/{call_id}"))).json()["status"] == "in_review"
        manage = well_formed(await site.browser("coord-1", "coordinator").page(f"/proposals/calls/{call_id}/manage"))
        assert "2/3" in text(one(manage, "//dt[.='決定できない理由']/following-sibling::dd[1]"))


async def test_a_ranking_changed_between_the_preview_and_the_confirmation_is_refused_and_the_new_ranking_shown(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site)
        chair, vice, third = (site.browser(f"m-{n}", "reviewer") for n in (1, 2, 3))
        decision = f"{review(call_id)}/decision"
        await score_all([chair, vice], call_id, {green: [("8", "7"), ("7", "6")], food: [("9", "4"), ("8", "5")]})
        read = well_formed(await chair.page(decision))
        assert [r[2] for r in ranking_rows(read, "preview-caption")] == ["21.5", "21.5"]
        digest = str(one(read, f"//form[@action='{decision}']//input[@name='ranking_digest']").get("value"))
        assert len(digest) == 64

        # The third member scores after the chair read the ranking: the tie is gone.
        assert (await score_form(third, call_id, green, "10", "10")).status_code == 303
        stored = site.domain_events("proposals")
        changed = await chair.post(decision, {"reasons": "規定により決定", "confirm": "yes", "ranking_digest": digest})
        assert changed.status_code == 409
        page = well_formed(doc(changed))
        assert "確認の前に順位が変わりました" in text(one(page, "//*[@data-error-summary]"))
        new_rows = ranking_rows(page, "preview-caption")
        assert [r[2] for r in new_rows] != ["21.5", "21.5"]
        assert new_rows[0][1] == "みどりの会の提案"
        assert site.domain_events("proposals") == stored
        assert (await ok(site.api("proposals").get(f"/calls/{call_id}"))).json()["status"] == "in_review"
        # What was typed is kept; the form now names the new ranking, and confirming it publishes that.
        assert "規定により決定" in text(one(page, "//textarea[@name='reasons']"))
        renewed = str(one(page, f"//form[@action='{decision}']//input[@name='ranking_digest']").get("value"))
        assert renewed != digest
        english = await chair.post(
            f"{decision}?lang=en", {"reasons": "規定により決定", "confirm": "yes", "ranking_digest": digest}
        )
        assert "The ranking changed before you confirmed it" in text(doc(english))
        confirmed = await chair.post(
            f"{decision}?lang=ja", {"reasons": "規定により決定", "confirm": "yes", "ranking_digest": renewed}
        )
        assert confirmed.status_code == 303, confirmed.text[:2000]
        assert ranking_rows(well_formed(await chair.page(decision, lang="ja")), "ranking-caption") == new_rows
