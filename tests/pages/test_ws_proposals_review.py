"""A review board member's workspace in the browser (real stores, real NATS, logged-in sessions): the calls whose
board they sit on, the proposals to score with their attachments, a scoring form per criterion naming its maximum
(errors beside the field, in Japanese and English), independence (the others' scores only after one's own), a
declared conflict that recuses (the proposal hidden, the recusal explained, removable by its declarer), and the
refusals: a member not on the board, another role, a post without the CSRF token — each with nothing stored.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from test_ws_proposals import SERVICES, board_and_groups

from support.calls import close_and_open_review, coordinator, ok, published_call, submit
from support.harness import eventually
from support.page_reading import doc, error_beside, one, text, well_formed
from support.workspace import Browser, Site, workspace

PDF = b"%PDF-1.7 the plan in full"


def review(call_id: str, proposal_id: str = "") -> str:
    return f"/proposals/calls/{call_id}/review" + (f"/proposals/{proposal_id}" if proposal_id else "")


async def reviewed_call(site: Site, quorum: int = 2) -> tuple[str, str, str]:
    """A call in review with two proposals: みどりの会's (with a PDF) and 子ども食堂's. (call, green's, food's id)"""
    p = site.platform
    committee, green, food = await board_and_groups(p)
    call_id, deadline = await published_call(p, committee, quorum=quorum)
    pdf = {"filename": "計画書.pdf", "media_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode()}
    await submit(p, call_id, green, "rep-g", "緑の居場所づくり", [pdf])
    await submit(p, call_id, food, "rep-f", "子ども食堂の拡充")
    await close_and_open_review(p, call_id, deadline)
    listed = await ok(
        site.api("proposals").get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer"))
    )
    by_group = {i["group_id"]: i["proposal_id"] for i in listed.json()["items"]}
    return call_id, by_group[green], by_group[food]


async def pin_conflict(site: Site, call_id: str, member_sub: str, proposal_id: str, reason: str) -> None:
    """The coordinator pins a member's conflict (a business tie) on a proposal, through the API."""
    body = {"member_sub": member_sub, "proposal_id": proposal_id, "kind": "business", "reason": reason}
    pinned = site.api("proposals").post(
        f"/calls/{call_id}/review/pinned-conflicts", json=body, headers=coordinator(site.platform)
    )
    await ok(pinned, 201)


def committee_of(site: Site, call_id: str) -> str:
    return str(site.application("proposals").get_call(UUID(call_id)).spec["committee_id"])


def scores_of(site: Site, call_id: str) -> dict[str, Any]:
    return dict(site.application("proposals").get_review(UUID(call_id)).scores)


async def score_form(browser: Browser, call_id: str, proposal_id: str, need: str, feasibility: str, **more: str) -> Any:
    data = {"points.need": need, "points.feasibility": feasibility, "comment": "地域の需要が明確。", **more}
    return await browser.post(f"{review(call_id, proposal_id)}/score", data)


async def test_a_member_scores_each_criterion_within_its_maximum_and_sees_the_others_scores_only_after_their_own(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site)
        chair, vice = site.browser("m-1", "reviewer"), site.browser("m-2", "reviewer")

        # Where a member's work starts: the service's index, then the calls whose board they sit on.
        index = well_formed(await chair.page("/proposals/"))
        assert index.xpath("//a[@href='/proposals/review']")
        calls = well_formed(await chair.page("/proposals/review"))
        assert calls.xpath(f"//a[@href='{review(call_id)}']")
        listing = well_formed(await chair.page(review(call_id)))
        to_score = [text(a) for a in listing.xpath("//h2[@id='to-score']/following-sibling::ul[1]/li/a")]
        assert len(to_score) == 2
        assert any("みどりの会" in t for t in to_score)
        assert any("子ども食堂" in t for t in to_score)

        # The proposal as the board received it, its attachment downloadable by its name.
        page = well_formed(await chair.page(review(call_id, green)))
        assert "緑の居場所づくり" in text(page)
        assert "みどりの会" in text(one(page, "//dl"))
        link = one(page, "//a[@download]")
        assert text(link) == "計画書.pdf"
        download = await chair.get(str(link.get("href")))
        assert (download.status_code, download.content) == (200, PDF)
        assert download.headers["content-disposition"].startswith("attachment;")
        # A field per criterion naming its maximum; the others' scores not shown, and the page says why.
        need = one(page, "//label[@for=//input[@name='points.need']/@id]")
        assert "必要性" in text(need)
        assert "10" in text(need)
        assert "自分の採点を提出した後" in text(one(page, "//h2[@id='others']/following-sibling::p[1]"))
        assert "0から10までの整数。合計点での重みは2です。" in text(page)  # no spaces around numerals in Japanese
        # A conflict is declared before scoring: its section comes first, and the top of the page points to it.
        sections = [str(i) for i in page.xpath("//main//h2/@id")]
        assert sections.index("conflict") < sections.index("score"), sections
        assert page.xpath("//main//dl/following-sibling::p[1]/a[@href='#conflict']")

        # Every mistake at once, each beside its field: a criterion left blank, one above its maximum and the comment
        # left out — in the page's language, the summary naming each criterion once; nothing is stored.
        blank = await score_form(chair, call_id, green, "8", "", comment="")
        assert blank.status_code == 422
        assert "「実現性」は0点から10点までの整数で採点してください" in error_beside(doc(blank), "points.feasibility")
        assert error_beside(doc(blank), "comment")
        assert doc(blank).xpath("//input[@name='points.need'][@value='8']")  # what was typed is kept
        several = await score_form(chair, call_id, green, "11", "abc", comment="")
        assert several.status_code == 422
        page = doc(several)
        assert "「必要性」は0点から10点までの整数で採点してください" in error_beside(page, "points.need")
        assert "「実現性」" in error_beside(page, "points.feasibility")
        assert error_beside(page, "comment")
        summary = [text(a) for a in page.xpath("//*[@data-error-summary]//li/a")]
        assert len(summary) == 3, summary
        assert summary[0].startswith("「必要性」は"), summary  # the criterion named once, by the reason itself
        assert [str(h) for h in page.xpath("//*[@data-error-summary]//li/a/@href")] == [
            "#field-points-need",
            "#field-points-feasibility",
            "#field-comment",
        ]
        above = await chair.post(
            f"{review(call_id, green)}/score?lang=en",
            {"points.need": "11", "points.feasibility": "7", "comment": "Clear local need."},
        )
        assert above.status_code == 422
        assert "Score “必要性” with a whole number from 0 to 10." in error_beside(doc(above), "points.need")
        await chair.page(review(call_id, green), lang="ja")  # back to Japanese (the choice is kept in a cookie)
        # Another script's digits (Arabic-Indic ٨, Devanagari ८) are not points, though int() reads them.
        for foreign in ("٨", "८"):
            refused = await score_form(chair, call_id, green, foreign, "7")
            assert refused.status_code == 422
            assert "「必要性」は0点から10点までの整数で採点してください" in error_beside(doc(refused), "points.need")
        assert scores_of(site, call_id) == {}

        scored = await score_form(chair, call_id, green, "８", "7")  # digits typed full-width are the same number
        assert scored.status_code == 303, scored.text[:2000]
        assert scored.headers["location"] == f"{review(call_id, green)}?done=proposal_scored"
        assert scores_of(site, call_id)["m-1|" + green]["points"] == {"need": 8, "feasibility": 7}
        page = well_formed(await chair.page(review(call_id, green), done="proposal_scored"))
        assert not page.xpath(f"//form[@action='{review(call_id, green)}/score']")
        assert "まだ他の委員の採点はありません" in text(page)
        # Final once sent: a second post is refused on the form.
        again = await score_form(chair, call_id, green, "1", "1")
        assert again.status_code == 409
        assert "提出済みの採点は変更できません" in text(doc(again))

        # The vice-chair, before scoring: nothing of the chair's score on the page.
        before = well_formed(await vice.page(review(call_id, green)))
        assert "地域の需要が明確。" not in text(before)
        assert not before.xpath("//table[caption[@id='others-caption']]")
        assert (await score_form(vice, call_id, green, "6", "9", comment="計画に無理がない。")).status_code == 303
        after = well_formed(await vice.page(review(call_id, green)))
        rows = after.xpath("//table[caption[@id='others-caption']]/tbody/tr")
        # The chair's score, under their office on the call's board — never their login id; the names are on the
        # review board's public roster, linked.
        assert [[text(c) for c in r.xpath("th|td")] for r in rows] == [["委員長", "8", "7", "地域の需要が明確。"]]
        assert "m-1" not in text(one(after, "//main"))
        assert after.xpath(f"//main//a[@href='/registry/committees/{committee_of(site, call_id)}']")
        english = well_formed(await vice.page(review(call_id, green), lang="en"))
        assert "Shown once you have submitted your own score" not in text(english)
        assert "Your score" in text(english)
        listing = well_formed(await vice.page(review(call_id)))
        assert len(listing.xpath("//h2[@id='scored']/following-sibling::ul[1]/li")) == 1
        assert food in " ".join(listing.xpath("//h2[@id='to-score']/following-sibling::ul[1]/li/a/@href"))


async def test_a_declared_conflict_recuses_the_member_who_reads_why_and_may_remove_it(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, _green, food = await reviewed_call(site)
        member = site.browser("m-3", "reviewer")
        path = review(call_id, food)
        page = well_formed(await member.page(path))
        assert "子ども食堂の拡充" in text(page)

        # The declaration's fields are required, each named beside it.
        empty = await member.post(f"{path}/conflict", {})
        assert empty.status_code == 422
        assert error_beside(doc(empty), "kind")
        assert error_beside(doc(empty), "reason")
        declared = await member.post(f"{path}/conflict", {"kind": "officer", "reason": "提案団体の理事を務めている"})
        assert declared.status_code == 303, declared.text[:2000]

        # Recused: the proposal, whose it is and its scoring are gone; the page says why and what follows.
        recused = well_formed(await member.page(path, done="conflict_declared"))
        assert "子ども食堂の拡充" not in text(recused)
        assert "子ども食堂" not in text(one(recused, "//h1"))
        assert "除斥" in text(one(recused, "//h2"))
        # How to undo it is said where the button is: below, by the button's own name.
        assert "下の「利害関係の申出を取り消す」で取り消せます" in text(recused)
        assert "提案のページで取り消せます" not in text(recused)
        assert not recused.xpath(f"//form[@action='{path}/score']")
        english = well_formed(await member.page(path, lang="en"))
        assert "You declared a conflict with this proposal" in text(english)
        await member.page(path, lang="ja")  # back to Japanese (the choice is kept in a cookie)
        listing = well_formed(await member.page(review(call_id)))
        assert "提案のページで取り消せます" in text(listing)
        recused_items = listing.xpath("//h2[@id='recused']/following-sibling::ul[1]/li")
        assert len(recused_items) == 1
        assert "子ども食堂" not in text(recused_items[0])
        assert "子ども食堂" not in text(listing)
        # Its attachment and its score are refused when forced; nothing is stored.
        forced = await score_form(member, call_id, food, "9", "9")
        assert forced.status_code == 403
        assert "利害関係により除斥されています" in text(doc(forced))
        assert not [k for k in scores_of(site, call_id) if k.startswith("m-3|")]

        # Declared by mistake: removed by the member, who reviews the proposal again.
        removed = await member.post(f"{path}/conflict/removal", {})
        assert removed.status_code == 303, removed.text[:2000]
        assert "子ども食堂の拡充" in text(well_formed(await member.page(path, done="conflict_removed")))


async def test_only_board_members_act_on_the_review_and_a_post_without_the_csrf_token_is_refused(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, _ = await reviewed_call(site)
        stored = site.domain_events("proposals")
        outsider = site.browser("m-9", "reviewer")  # a reviewer, but not on this call's board
        page = await outsider.get(review(call_id))
        assert page.status_code == 403
        assert "この募集の審査会委員ではありません" in text(doc(page))
        assert (await outsider.get(review(call_id, green))).status_code == 403
        attachment = f"{review(call_id, green)}/attachments/{hashlib.sha256(PDF).hexdigest()}"
        assert (await outsider.get(attachment)).status_code == 404  # as the API answers: no such proposal for them
        assert not well_formed(await outsider.page("/proposals/review")).xpath(f"//a[@href='{review(call_id)}']")
        assert (await score_form(outsider, call_id, green, "9", "9")).status_code == 403
        conflict = {"kind": "other", "reason": "x"}
        assert (await outsider.post(f"{review(call_id, green)}/conflict", conflict)).status_code == 403
        decision = {"reasons": "x", "confirm": "yes"}
        assert (await outsider.post(f"{review(call_id)}/decision", decision)).status_code == 403
        group = site.browser("rep-g", "group")  # another role altogether
        refused = await group.get(review(call_id, green))
        assert refused.status_code == 403
        assert "text/html" in refused.headers["content-type"]
        assert (await score_form(group, call_id, green, "9", "9")).status_code == 403

        member = site.browser("m-1", "reviewer")
        forged = await member.post(
            f"{review(call_id, green)}/score",
            {"points.need": "9", "points.feasibility": "9", "comment": "所見"},
            csrf=False,
        )
        assert forged.status_code == 403
        assert site.domain_events("proposals") == stored
        assert scores_of(site, call_id) == {}


async def test_before_the_review_opens_a_board_member_reads_that_the_coordinator_opens_it_and_an_outsider_is_refused(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee, green, _food = await board_and_groups(p)
        call_id, deadline = await published_call(p, committee, quorum=2)
        await submit(p, call_id, green, "rep-g", "緑の居場所づくり")
        member, outsider = site.browser("m-1", "reviewer"), site.browser("m-9", "reviewer")
        somewhere = "00000000-0000-4000-8000-000000000001"
        paths = [review(call_id), f"{review(call_id)}/decision"]

        # Before the deadline: the proposals are sealed, the review opens after it.
        sealed = well_formed(await member.page(paths[0]))
        assert "締切までは提案が封印されています。審査は締切後に始まります。" in text(sealed)

        # Closed, not yet opened: the review's page and its decision's say so in words, not with a 409.
        p.apps["proposals"].state.kernel.clock = lambda: deadline + timedelta(seconds=1)
        proposals = p.clients["proposals"]

        async def closed() -> bool:
            return bool((await proposals.get(f"/calls/{call_id}")).json()["status"] == "closed")

        await eventually(closed, timeout=20)
        for path in paths:
            page = await member.get(path)
            assert page.status_code == 200, (path, page.status_code)
            shown = text(well_formed(doc(page)))
            assert "締切済み：事務局が審査を開始します。" in shown
            assert "closed" not in shown
            assert "緑の居場所づくり" not in shown
        english = well_formed(await member.page(paths[0], lang="en"))
        assert "Closed: the coordinator opens the review." in text(english)
        for path in paths:
            assert (await outsider.get(path)).status_code == 403
        # No proposal is revealed before the review opens: none is found under the call yet.
        assert (await member.get(review(call_id, somewhere))).status_code == 404
