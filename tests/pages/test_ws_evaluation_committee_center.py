"""The evaluation committee's scores as the center and auditors reach them (real stores, real NATS, the registry beside
evaluation, logged-in browsers and bearer tokens): until the report is published a coordinator reads who has scored
and how many — through the API and on the committee's page — never the points or comments (the proposals service's
rule for its review board: the center adds substitutes, and seeing the scores would let it steer who joins); once
the report is published they read them. An auditor who also holds a committee role is refused the scores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from support.calls import coordinator, ok
from support.evaluation_committee_pages import Scene, committee_path, committee_scene
from support.evaluation_http import evaluating, points
from support.info_hub_news import refused
from support.portal_b import text


@pytest_asyncio.fixture(scope="module")
async def scene(tmp_path_factory: Any, nats_url: str) -> AsyncIterator[Scene]:
    async with committee_scene(tmp_path_factory.mktemp("ws-committee-center"), nats_url) as made:
        yield made


COMMENT = "地域の担い手が育った"


async def scored(scene: Scene, pid: str, *members: str) -> None:
    evaluation = scene.p.clients["evaluation"]
    for member in members:
        body = points() | {"comments": {"achievement": f"{COMMENT}（{member}）"}}
        token = scene.p.token(member, "evaluator")
        await ok(evaluation.post(f"/projects/{pid}/committee/scores", json=body, headers=token), 201)


async def test_the_center_reads_who_has_scored_but_not_the_points_until_the_report_is_published(scene: Scene) -> None:
    p, site = scene.p, scene.site
    evaluation = p.clients["evaluation"]
    pid = await evaluating(p, scene.w)
    await scored(scene, pid, "ev-chair", "ev-1", "ev-2")

    # Through the API: who has scored and how many, and the scores refused with the reason.
    roster = (await ok(evaluation.get(f"/projects/{pid}/committee", headers=coordinator(p)))).json()
    assert (roster["scored_count"], roster["scored"]) == (3, ["ev-1", "ev-2", "ev-chair"])
    problem = refused(
        await evaluation.get(f"/projects/{pid}/committee/scores", headers=coordinator(p)), 403, "scores_after_report"
    )
    assert problem["title_ja"] == "評価結果の公表まで、事務局は委員の評点とコメントを見られません"
    # A member who scored reads them, as before.
    member = p.token("ev-1", "evaluator")
    assert len((await ok(evaluation.get(f"/projects/{pid}/committee/scores", headers=member))).json()["items"]) == 3

    # On the page: the progress and who has scored, no table of points, no comment; why, in both languages.
    center = site.browser("coord-1", "coordinator")
    page = await center.page(committee_path(pid), lang="ja")
    assert "評価済み3人" in text(page.xpath("//dt[text()='進捗']/following-sibling::dd[1]")[0])
    assert not page.xpath("//table[caption[@id='scores-caption']]")
    assert COMMENT not in text(page)
    assert "評価結果の公表までは、センターには評価済みの委員とその人数だけが表示され" in text(
        page.xpath("//p[@id='scores-withheld']")[0]
    )
    english = await center.page(committee_path(pid), lang="en")
    assert "Until the report is published the center sees who has scored and how many" in text(
        english.xpath("//p[@id='scores-withheld']")[0]
    )

    # Published: the center reads every member's points and comments, through the API and on the page.
    decision = {"recommendation": "improve", "reasons_ja": "改善して継続する。"}
    chair = p.token("ev-chair", "evaluator")
    await ok(evaluation.post(f"/projects/{pid}/committee/recommendation", json=decision, headers=chair), 201)
    items = (await ok(evaluation.get(f"/projects/{pid}/committee/scores", headers=coordinator(p)))).json()["items"]
    assert len(items) == 3
    assert items[0]["points"] == points()["points"]
    page = await center.page(committee_path(pid), lang="ja")
    assert len(page.xpath("//table[caption[@id='scores-caption']]/tbody/tr")) == 3
    assert COMMENT in text(page)
    assert not page.xpath("//p[@id='scores-withheld']")


async def test_an_auditor_who_also_holds_a_committee_role_is_refused_the_scores(scene: Scene) -> None:
    p = scene.p
    evaluation = p.clients["evaluation"]
    pid = await evaluating(p, scene.w)
    await scored(scene, pid, "ev-1")
    path = f"/projects/{pid}/committee/scores"
    assert len((await ok(evaluation.get(path, headers=p.token("aud-1", "auditor")))).json()["items"]) == 1
    for role in ("evaluator", "reviewer"):
        both = p.token("aud-2", "auditor", role)
        problem = refused(await evaluation.get(path, headers=both), 403, "auditor_holds_committee_role")
        assert "別のアカウント" in problem["detail_ja"]


async def test_members_are_named_by_office_and_letter_with_the_rosters_link_never_by_login_id(scene: Scene) -> None:
    p, site, w = scene.p, scene.site, scene.w
    pid = await evaluating(p, w)
    await scored(scene, pid, "ev-1", "ev-chair")
    roster = f"/registry/committees/{w.committee}"
    subs = ("ev-chair", "ev-vice", "ev-1", "ev-2", "ev-3")
    for who, roles, lang, members in (
        ("ev-2", ("evaluator",), "ja", "委員長、副委員長、委員 A、委員 B（あなた）、委員 C"),
        ("ev-vice", ("evaluator",), "en", "Chair, Vice-chair (you), Member A, Member B, Member C"),
        ("coord-1", ("coordinator",), "ja", None),
        ("rep-g", ("group",), "en", None),
    ):
        page = await site.browser(who, *roles).page(committee_path(pid), lang=lang)
        # The center's forms show the registry id it appointed each member by (below); nothing else does.
        for form in page.xpath("//main//form[contains(@action, '/pinned-conflicts')]"):
            form.drop_tree()
        main = text(page.xpath("//main")[0])
        for sub in subs:
            assert sub not in main, (who, sub)
        listed_members = page.xpath("//dt[text()='委員' or text()='Members']/following-sibling::dd[1]")[0]
        assert roster in listed_members.xpath(".//a/@href")
        if members is not None:
            assert text(listed_members).startswith(members), text(listed_members)
    # The center: who has scored and its member choices by office and letter (their values stay the API's ids).
    center = await site.browser("coord-1", "coordinator").page(committee_path(pid), lang="ja")
    scored_row = text(center.xpath("//dt[text()='評価済み']/following-sibling::dd[1]")[0])
    assert scored_row == "委員長、委員 A"
    assert text(center.xpath("//dt[text()='利益相反']/following-sibling::dd[1]")[0]) == "—"
    options = center.xpath("//select[@name='member_sub']/option[@value!='']")
    named = [
        "委員長（ID: ev-chair）",
        "副委員長（ID: ev-vice）",
        "委員 A（ID: ev-1）",
        "委員 B（ID: ev-2）",
        "委員 C（ID: ev-3）",
    ]
    assert [text(o) for o in options] == named
    assert roster in center.xpath("//p[@id='pin-roster']//a/@href")
