"""The evaluation committee's pages as its members use them (real stores, real NATS, the registry beside evaluation,
logged-in browsers): a member reads the agreement, the indicators and both self-evaluations, scores every criterion
through the form — an unchosen or out-of-range point shown beside its field in Japanese and English with nothing
stored — and sees the others' scores only after sending their own; a member who declares a conflict is recused, sees
why, has no scoring form and is refused if they force one — as is one with an interest declared in the registry; a
conflict the center pins stays; a non-member gets the 403 page and a post without the CSRF token is refused, with
nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from support.calls import ok
from support.evaluation import evaluation_view
from support.evaluation_committee_pages import Scene, committee_of, committee_path, committee_scene, listed, score_form
from support.evaluation_http import evaluating, points
from support.evaluation_pages import see_other
from support.harness import eventually
from support.page_reading import doc, error_beside
from support.portal_b import text


@pytest_asyncio.fixture(scope="module")
async def scene(tmp_path_factory: Any, nats_url: str) -> AsyncIterator[Scene]:
    async with committee_scene(tmp_path_factory.mktemp("ws-committee"), nats_url) as made:
        yield made


async def test_a_member_scores_every_criterion_and_reads_the_others_scores_only_after_their_own(scene: Scene) -> None:
    p, site = scene.p, scene.site
    pid = await evaluating(p, scene.w)
    member = site.browser("ev-1", "evaluator")
    await listed(member, pid, "あなたの評価待ち")

    page = await member.page(committee_path(pid))
    # What the committee evaluates: the agreement's indicators with baseline and target, both self-evaluations.
    assert "延べ参加者数" in text(page)
    assert "目標を達成した" in text(page)
    assert page.xpath(f"//form[@action='{committee_path(pid, '/scores')}']")
    assert page.xpath("//input[@name='points.achievement' and @type='radio']/@value") == ["1", "2", "3", "4", "5"]
    assert "満点：5点" in text(page)
    assert not page.xpath("//table[caption[@id='scores-caption']]")  # independence: nothing of the others yet

    unchosen = score_form() | {"points.collaboration": ""}
    refused = await member.post(committee_path(pid, "/scores"), unchosen)
    assert refused.status_code == 422, refused.text[:2000]
    assert "選んでください。" in error_beside(doc(refused), "points.collaboration")
    # What was chosen is kept.
    assert doc(refused).xpath("//input[@name='points.achievement' and @checked]/@value") == ["4"]
    english = await member.post(committee_path(pid, "/scores?lang=en"), unchosen)
    assert "Choose one." in error_beside(doc(english), "points.collaboration")
    beyond = await member.post(committee_path(pid, "/scores?lang=ja"), score_form(4, 7, 4, 4, 4))
    assert beyond.status_code == 422, beyond.text[:2000]
    assert error_beside(doc(beyond), "points.collaboration")
    assert committee_of(scene, pid).scores == {}

    sent = await member.post(committee_path(pid, "/scores"), score_form(5, 4, 3, 4, 5, comment="地域に根づいた"))
    see_other(sent, f"{committee_path(pid)}?done=committee_scored")
    stored = committee_of(scene, pid).scores["ev-1"]
    assert stored["points"] == {
        "achievement": 5,
        "collaboration": 4,
        "citizen_benefit": 3,
        "cost_effectiveness": 4,
        "future_direction": 5,
    }
    assert stored["comments"] == {"achievement": "地域に根づいた"}
    page = await member.page(committee_path(pid))
    assert "評価は確定しています" in text(page)
    assert not page.xpath(f"//form[@action='{committee_path(pid, '/scores')}']")
    assert page.xpath("//table[caption[@id='scores-caption']]")

    # Another member, before scoring, sees none of ev-1's points; after, both rows.
    other = site.browser("ev-2", "evaluator")
    before = await other.page(committee_path(pid))
    assert not before.xpath("//table[caption[@id='scores-caption']]")
    assert "他の委員の評価はあなたが自分の評価を提出した後にのみ表示されます" in text(before)
    await other.post(committee_path(pid, "/scores"), score_form(3, 3, 3, 3, 3))
    after = await other.page(committee_path(pid))
    rows = after.xpath("//table[caption[@id='scores-caption']]/tbody/tr")
    # Each by office and letter, never by login id (ev-1, ev-2 are the first ordinary members: 委員 A and B).
    assert [text(r.xpath("th")[0]) for r in rows] == ["委員 A", "委員 B（あなた）"]
    assert "ev-1" not in text(after.xpath("//main")[0])
    # Only points in the table, its headers short (the criterion's name in full beside them); the comments below it.
    assert after.xpath("//table[caption[@id='scores-caption']]/thead//th/abbr/text()")[0] == "評価項目 1"
    # The criteria's names in a key above the table (its headers are short).
    key = after.xpath("//ol[@aria-labelledby='criteria-key-heading']")[0]
    assert key.xpath("following::table[1]/caption/@id") == ["scores-caption"]
    assert text(key.xpath("li")[0]).startswith("評価項目 1：")
    assert "目標の達成度" in after.xpath("//table[caption[@id='scores-caption']]/thead//th/abbr/@title")
    assert "地域に根づいた" not in text(rows[0])
    comments = after.xpath("//h5[@id='comments-1']/following-sibling::dl[1]")[0]
    assert text(comments.xpath("dt")[0]) == "目標の達成度"
    assert text(comments.xpath("dd")[0]) == "地域に根づいた"
    assert "所見はありません。" in text(after.xpath("//h5[@id='comments-2']/following-sibling::*[1]")[0])

    # Forced a second time: refused on the form (final), and the first score stands.
    again = await member.post(committee_path(pid, "/scores"), score_form(1, 1, 1, 1, 1))
    assert again.status_code == 409, again.text[:2000]
    assert "評価は提出済み" in text(doc(again))
    assert committee_of(scene, pid).scores["ev-1"]["points"]["achievement"] == 5


async def test_a_member_who_declares_a_conflict_is_recused_sees_why_and_a_forced_score_is_refused(
    scene: Scene,
) -> None:
    p, site = scene.p, scene.site
    pid = await evaluating(p, scene.w)
    member = site.browser("ev-3", "evaluator")
    kindless = await member.post(committee_path(pid, "/conflicts"), {"kind": "", "reason": "取引関係"})
    assert kindless.status_code == 422, kindless.text[:2000]
    assert "選んでください。" in error_beside(doc(kindless), "kind")
    reasonless = await member.post(committee_path(pid, "/conflicts?lang=en"), {"kind": "business", "reason": ""})
    assert error_beside(doc(reasonless), "reason")
    assert committee_of(scene, pid).conflicts == {}

    declared = await member.post(committee_path(pid, "/conflicts?lang=ja"), {"kind": "business", "reason": "取引関係"})
    see_other(declared, f"{committee_path(pid)}?done=committee_conflict_declared")
    page = await member.page(committee_path(pid), lang="ja")
    assert "あなたは回避となります" in text(page)
    assert "取引関係" in text(page)
    assert not page.xpath(f"//form[@action='{committee_path(pid, '/scores')}']")
    reason = page.xpath("//p[@id='score-unavailable']")
    assert reason
    assert "回避となっているため" in text(reason[0])
    assert "回避した委員は、他の委員の評価を見られません。" in text(page)
    await listed(member, pid, "回避：この事業は評価しません")

    forced = await member.post(committee_path(pid, "/scores"), score_form())
    assert forced.status_code == 403, forced.text[:2000]
    assert forced.headers["content-type"].startswith("text/html")
    assert "利害関係があるためこの事業を評価できません" in text(doc(forced))
    assert "ev-3" not in committee_of(scene, pid).scores

    # Their own conflict, not pinned: withdrawn through its button, and the form is back.
    withdrawn = await member.post(committee_path(pid, "/conflicts/removal"), {})
    see_other(withdrawn, f"{committee_path(pid)}?done=committee_conflict_removed")
    page = await member.page(committee_path(pid))
    assert page.xpath(f"//form[@action='{committee_path(pid, '/scores')}']")

    # A conflict the center records stays: the member reads who recorded it and cannot withdraw it.
    center = site.browser("coord-1", "coordinator")
    pinned = {"member_sub": "ev-2", "kind": "close_relation", "reason": "代表者の親族"}
    see_other(await center.post(committee_path(pid, "/pinned-conflicts"), pinned), committee_path(pid))
    pinned_member = site.browser("ev-2", "evaluator")
    page = await pinned_member.page(committee_path(pid))
    assert "市民活動センター" in text(page.xpath("//dl[dt[text()='記録者']]")[0])
    assert "センターのみが変更できます" in text(page.xpath("//p[@id='removal-unavailable']")[0])
    refused = await pinned_member.post(committee_path(pid, "/conflicts/removal"), {})
    assert refused.status_code == 409, refused.text[:2000]
    assert committee_of(scene, pid).conflicts["ev-2"]["pinned"] is True


async def test_a_non_member_gets_the_403_page_and_a_post_without_csrf_is_refused_with_nothing_stored(
    scene: Scene,
) -> None:
    p, site = scene.p, scene.site
    pid = await evaluating(p, scene.w)
    before = site.domain_events("evaluation")
    outsider = site.browser("ev-out", "evaluator")
    page = await outsider.page(committee_path(pid))
    assert "あなたはこの事業を評価する委員ではありません" in text(page)
    assert not page.xpath("//main//form")
    member = site.browser("ev-1", "evaluator")
    await listed(member, pid, "あなたの評価待ち")  # listed for a member: the outsider's listing is current
    listing = await outsider.page("/evaluation/committee")
    assert committee_path(pid) not in listing.xpath("//main//a/@href")
    forced = await outsider.post(committee_path(pid, "/scores"), score_form())
    assert forced.status_code == 403, forced.text[:2000]
    assert forced.headers["content-type"].startswith("text/html")
    assert "この評価の委員ではありません" in text(doc(forced))
    conflict = await outsider.post(committee_path(pid, "/conflicts"), {"kind": "other", "reason": "念のため"})
    assert conflict.status_code == 403, conflict.text[:2000]

    # A partner holds no evaluator role: refused before anything is read.
    rep = site.browser("rep-g", "group")
    assert (await rep.post(committee_path(pid, "/scores"), score_form())).status_code == 403
    await rep.page("/evaluation/committee", status=403)
    # A coordinator's form is not a member's: a member forcing it is refused.
    pin = {"member_sub": "ev-2", "kind": "other", "reason": "念のため"}
    assert (await member.post(committee_path(pid, "/pinned-conflicts"), pin)).status_code == 403

    unsigned = await member.post(committee_path(pid, "/scores"), score_form(), csrf=False)
    assert unsigned.status_code == 403, unsigned.text[:2000]
    assert site.domain_events("evaluation") == before
    committee = committee_of(scene, pid)
    assert (committee.scores, committee.conflicts) == ({}, {})
    # Through the API the same member's score is taken: the page refused the post, not the member.
    token = p.token("ev-1", "evaluator")
    taken = await p.clients["evaluation"].post(f"/projects/{pid}/committee/scores", json=points(), headers=token)
    assert taken.status_code == 201, taken.text


async def test_a_member_with_an_interest_declared_in_the_registry_is_recused_and_told_why(scene: Scene) -> None:
    """Last in this module: ev-vice's interest in group G stays for every later project of G (withdrawn or not)."""
    p, site, w = scene.p, scene.site, scene.w
    pid = await evaluating(p, w)
    interest = {"group_id": w.group, "kind": "member"}
    await ok(p.clients["registry"].post("/interests/me", json=interest, headers=p.token("ev-vice", "evaluator")), 201)
    view = evaluation_view(p)
    await eventually(lambda: view.interested("ev-vice", w.group, w.department_id), timeout=20)
    member = site.browser("ev-vice", "evaluator")
    page = await member.page(committee_path(pid))
    assert "登録簿で事業の団体または部署との利害関係を申告しています" in text(page)
    assert not page.xpath(f"//form[@action='{committee_path(pid, '/scores')}']")
    forced = await member.post(committee_path(pid, "/scores"), score_form())
    assert forced.status_code == 403, forced.text[:2000]
    assert "利害関係があるためこの事業を評価できません" in text(doc(forced))
    assert committee_of(scene, pid).scores == {}
