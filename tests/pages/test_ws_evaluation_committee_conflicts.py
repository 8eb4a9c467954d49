"""The evaluation committee's conflicts after scoring and the center's pins (real stores, real NATS, the registry beside
evaluation, logged-in browsers and bearer tokens), as the review board's (test_ws_proposals_review_conflicts.py): a
member who has scored reads the others' scores, so declaring a conflict then would void their score knowing its
effect — the API refuses it as problem+json naming the field, the page shows the declaration unavailable with the
reason (and a forced post says it on the form), nothing is stored; the center still pins one, also over a member's
own declaration (which the member then cannot withdraw), but never on its own account. A coordinator's account that
also audits reads no points before the report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from support.calls import coordinator, ok
from support.evaluation_committee_pages import Scene, committee_of, committee_path, committee_scene, score_form
from support.evaluation_http import evaluating, points
from support.evaluation_pages import see_other
from support.info_hub_news import refused
from support.page_reading import doc, one, well_formed
from support.portal_b import text


@pytest_asyncio.fixture(scope="module")
async def scene(tmp_path_factory: Any, nats_url: str) -> AsyncIterator[Scene]:
    async with committee_scene(tmp_path_factory.mktemp("ws-committee-conflicts"), nats_url) as made:
        yield made


async def test_a_member_who_has_scored_cannot_declare_a_conflict_through_the_api_and_the_center_still_pins_one(
    scene: Scene,
) -> None:
    p, site = scene.p, scene.site
    evaluation = p.clients["evaluation"]
    pid = await evaluating(p, scene.w)
    member = p.token("ev-1", "evaluator")
    await ok(evaluation.post(f"/projects/{pid}/committee/scores", json=points(), headers=member), 201)
    stored = site.domain_events("evaluation")

    declared = {"kind": "member", "reason": "会員です"}
    answer = await evaluation.post(f"/projects/{pid}/committee/conflicts", json=declared, headers=member)
    problem = refused(answer, 409, "conflict_after_scoring")
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("kind", "conflict_after_scoring")]
    assert "事務局に伝えてください" in problem["errors"][0]["reason_ja"]
    assert "tell the coordinator" in problem["errors"][0]["reason_en"]
    assert site.domain_events("evaluation") == stored

    # The center records it: the member is recused, and the recommendation will void the score.
    pinned = {"member_sub": "ev-1", "kind": "business", "reason": "取引関係"}
    await ok(evaluation.post(f"/projects/{pid}/committee/pinned-conflicts", json=pinned, headers=coordinator(p)))
    assert committee_of(scene, pid).conflicts["ev-1"]["pinned"] is True
    # Recused now, the member no longer reads the others' scores, though theirs was given before the pin.
    refused(await evaluation.get(f"/projects/{pid}/committee/scores", headers=member), 403, "recused")
    # Never on its own account: a coordinator who sits on the committee declares as a member, before scoring.
    own = {"member_sub": "ev-2", "kind": "member", "reason": "会員です"}
    both = p.token("ev-2", "coordinator", "evaluator")
    problem = refused(
        await evaluation.post(f"/projects/{pid}/committee/pinned-conflicts", json=own, headers=both),
        409,
        "pin_own_conflict",
    )
    assert [e["field"] for e in problem["errors"]] == ["member_sub"]
    assert "ev-2" not in committee_of(scene, pid).conflicts


async def test_the_page_says_why_a_member_who_scored_cannot_declare_a_conflict_and_a_forced_post_is_refused(
    scene: Scene,
) -> None:
    site = scene.site
    pid = await evaluating(scene.p, scene.w)
    member = site.browser("ev-2", "evaluator")
    form = f"//form[@action='{committee_path(pid, '/conflicts')}']"
    assert (await member.page(committee_path(pid))).xpath(form)
    see_other(
        await member.post(committee_path(pid, "/scores"), score_form()), f"{committee_path(pid)}?done=committee_scored"
    )

    page = well_formed(await member.page(committee_path(pid), lang="ja"))
    assert not page.xpath(form)
    why = text(one(page, "//p[@id='conflict-why']"))
    assert "この事業は評価済みです" in why
    assert "事務局に伝えてください" in why
    english = well_formed(await member.page(committee_path(pid), lang="en"))
    assert "you cannot void your score by declaring a conflict yourself" in text(
        one(english, "//p[@id='conflict-why']")
    )
    await member.page(committee_path(pid), lang="ja")

    stored = site.domain_events("evaluation")
    forced = await member.post(committee_path(pid, "/conflicts"), {"kind": "member", "reason": "会員です"})
    assert forced.status_code == 409, forced.text[:2000]
    assert "この事業はすでに評価しています" in text(one(doc(forced), "//*[@data-error-summary]"))
    assert site.domain_events("evaluation") == stored
    assert committee_of(scene, pid).conflicts == {}


async def test_the_center_pins_a_conflict_a_member_declared_themselves_which_they_then_cannot_withdraw(
    scene: Scene,
) -> None:
    site = scene.site
    pid = await evaluating(scene.p, scene.w)
    member = site.browser("ev-3", "evaluator")
    declared = {"kind": "member", "reason": "会員です"}
    see_other(
        await member.post(committee_path(pid, "/conflicts"), declared),
        f"{committee_path(pid)}?done=committee_conflict_declared",
    )
    center = site.browser("ev-vice", "coordinator")
    page = await center.page(committee_path(pid), lang="ja")
    offered = page.xpath("//form[contains(@action, '/pinned-conflicts')]//select[@name='member_sub']/option/@value")
    assert "ev-3" in offered  # recused by their own declaration only: the center may make it stand
    assert "ev-vice" not in offered  # never the coordinator's own account
    pinned = {"member_sub": "ev-3", "kind": "member", "reason": "会員（事務局確認）"}
    see_other(await center.post(committee_path(pid, "/pinned-conflicts"), pinned), committee_path(pid))
    assert committee_of(scene, pid).conflicts["ev-3"]["pinned"] is True
    page = await member.page(committee_path(pid), lang="ja")
    assert "センターのみが変更できます" in text(one(page, "//p[@id='removal-unavailable']"))
    page = await center.page(committee_path(pid), lang="ja")
    offered = page.xpath("//form[contains(@action, '/pinned-conflicts')]//select[@name='member_sub']/option/@value")
    assert "ev-3" not in offered


async def test_a_coordinator_who_also_audits_reads_no_points_before_the_report(scene: Scene) -> None:
    p, site = scene.p, scene.site
    evaluation = p.clients["evaluation"]
    pid = await evaluating(p, scene.w)
    await ok(
        evaluation.post(f"/projects/{pid}/committee/scores", json=points(), headers=p.token("ev-1", "evaluator")), 201
    )
    both = p.token("coord-9", "coordinator", "auditor")
    refused(await evaluation.get(f"/projects/{pid}/committee/scores", headers=both), 403, "scores_after_report")
    page = await site.browser("coord-9", "coordinator", "auditor").page(committee_path(pid), lang="ja")
    assert not page.xpath("//table[caption[@id='scores-caption']]")
    assert page.xpath("//p[@id='scores-withheld']")
    # An auditor holding no other role reads them.
    assert (
        len(
            (await ok(evaluation.get(f"/projects/{pid}/committee/scores", headers=p.token("aud-1", "auditor")))).json()[
                "items"
            ]
        )
        == 1
    )
