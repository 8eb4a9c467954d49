"""The evaluation committee's pages for whoever presides and for the center (real stores, real NATS, logged-in
browsers): the chair confirms the recommendation with its reasons through the form — refused on the form while the
quorum is not met, a member who does not preside sees why and is refused if they force it — and the published report
is shown and linked; with the chair recused the vice-chair presides, with both the acting chair the members
elected; the center opens the committee's evaluation through its form and records a member's conflict; a
substitute is offered only when recusals leave fewer members than the quorum; every committee page renders in both
languages with its headings in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from support.calls import coordinator, ok
from support.evaluation import evaluation_view
from support.evaluation_committee_pages import Scene, committee_of, committee_path, committee_scene, listed, score_form
from support.evaluation_http import appoint, evaluating, points
from support.evaluation_pages import see_other
from support.harness import eventually
from support.page_reading import doc, error_beside
from support.portal_b import headings_in_order, text


@pytest_asyncio.fixture(scope="module")
async def scene(tmp_path_factory: Any, nats_url: str) -> AsyncIterator[Scene]:
    async with committee_scene(tmp_path_factory.mktemp("ws-committee-chair"), nats_url) as made:
        yield made


async def scored_by_api(scene: Scene, pid: str, *members: str) -> None:
    evaluation = scene.p.clients["evaluation"]
    for member in members:
        token = scene.p.token(member, "evaluator")
        await ok(evaluation.post(f"/projects/{pid}/committee/scores", json=points(), headers=token), 201)


async def test_the_chair_confirms_the_recommendation_with_reasons_and_the_published_report_is_linked(
    scene: Scene,
) -> None:
    p, site = scene.p, scene.site
    pid = await evaluating(p, scene.w)
    await scored_by_api(scene, pid, "ev-1", "ev-2")
    member = site.browser("ev-1", "evaluator")
    page = await member.page(committee_path(pid))
    assert not page.xpath(f"//form[@action='{committee_path(pid, '/recommendation')}']")
    assert "提言は委員長が確定します" in text(page.xpath("//p[@id='recommendation-unavailable']")[0])
    decision = {"recommendation": "expand", "reasons_ja": "成果が大きく拡充が望ましい。"}
    forced = await member.post(committee_path(pid, "/recommendation"), decision)
    assert forced.status_code == 403, forced.text[:2000]
    assert "提言を確定するのは委員長" in text(doc(forced))

    chair = site.browser("ev-chair", "evaluator")
    await listed(chair, pid, "あなたの評価待ち")
    page = await chair.page(committee_path(pid))
    assert page.xpath(f"//form[@action='{committee_path(pid, '/recommendation')}']")
    assert page.xpath("//input[@name='recommendation']/@value") == ["expand", "improve", "independent", "end"]
    blank = await chair.post(committee_path(pid, "/recommendation"), {"recommendation": "", "reasons_ja": ""})
    assert blank.status_code == 422, blank.text[:2000]
    assert "選んでください。" in error_beside(doc(blank), "recommendation")
    assert error_beside(doc(blank), "reasons_ja")
    english = await chair.post(committee_path(pid, "/recommendation?lang=en"), {"recommendation": "", "reasons_ja": ""})
    assert "Choose one." in error_beside(doc(english), "recommendation")
    # Two counted of a quorum of three: refused on the form, saying how many are needed.
    short = await chair.post(committee_path(pid, "/recommendation?lang=ja"), decision)
    assert short.status_code == 409, short.text[:2000]
    assert "定足数に達していません" in text(doc(short))
    assert doc(short).xpath("//textarea[@name='reasons_ja']/text()") == [decision["reasons_ja"]]
    assert committee_of(scene, pid).decision is None

    see_other(await chair.post(committee_path(pid, "/scores"), score_form(5, 5, 4, 4, 5)), committee_path(pid))
    confirmed = await chair.post(committee_path(pid, "/recommendation"), decision)
    see_other(confirmed, f"{committee_path(pid)}?done=committee_recommended")
    page = await chair.page(committee_path(pid), done="committee_recommended")
    assert "提言を確定し、評価結果を公表しました。" in text(page)
    # The means as decimals, exact: 4 stays 4, 13/3 is marked ≈ with its fraction beside it; never "4/1".
    means = {
        text(row.xpath("th")[0]): text(row.xpath("td")[0])
        for row in page.xpath("//table[caption[@id='means-caption']]/tbody/tr")
    }
    assert means["市民にとっての成果"] == "4"
    assert means["目標の達成度"].startswith("≈")
    assert "4.33" in means["目標の達成度"]
    assert "13/3" in means["目標の達成度"]
    assert page.xpath("//dl[dt[text()='総合平均点']]/dd[data[contains(@class, 'exact')]]")
    assert "/1" not in text(page.xpath("//dl[dt[text()='総合平均点']]")[0])
    report_part = text(page.xpath("//dl[dt[text()='提言']]")[0])
    assert "継続・拡充" in report_part
    assert decision["reasons_ja"] in report_part
    assert f"/evaluation-reports/{pid}" in page.xpath("//main//a/@href")
    assert not page.xpath(f"//form[@action='{committee_path(pid, '/recommendation')}']")
    published = await ok(p.clients["evaluation"].get(f"/projects/{pid}/report"))
    assert (published.json()["recommendation"], published.json()["reasons_ja"]) == ("expand", decision["reasons_ja"])
    await listed(member, pid, "評価結果公表済み")
    project_page = await member.page(f"/evaluation/projects/{pid}")
    assert committee_path(pid) in project_page.xpath("//main//a/@href")
    again = await chair.post(committee_path(pid, "/recommendation"), decision | {"recommendation": "end"})
    assert again.status_code == 409, again.text[:2000]


async def test_the_vice_chair_presides_when_the_chair_is_recused_and_the_reasons_read_in_english(scene: Scene) -> None:
    p, site = scene.p, scene.site
    pid = await evaluating(p, scene.w)
    center = site.browser("coord-1", "coordinator")
    pinned = {"member_sub": "ev-chair", "kind": "officer", "reason": "団体の役員"}
    see_other(await center.post(committee_path(pid, "/pinned-conflicts"), pinned), committee_path(pid))
    chair = site.browser("ev-chair", "evaluator")
    page = await chair.page(committee_path(pid))
    assert "あなたは回避となります" in text(page)
    assert not page.xpath(f"//form[@action='{committee_path(pid, '/recommendation')}']")
    await scored_by_api(scene, pid, "ev-1", "ev-2", "ev-vice")
    vice = site.browser("ev-vice", "evaluator")
    decision = {
        "recommendation": "improve",
        "reasons_ja": "役割分担の見直しが必要。",
        "reasons_en": "Roles need review.",
    }
    forced = await chair.post(committee_path(pid, "/recommendation"), decision)
    assert forced.status_code == 403, forced.text[:2000]
    assert (await vice.page(committee_path(pid))).xpath(f"//form[@action='{committee_path(pid, '/recommendation')}']")
    see_other(await vice.post(committee_path(pid, "/recommendation"), decision), committee_path(pid))
    page = await vice.page(committee_path(pid), lang="en")
    report_part = text(page.xpath("//dl[dt[text()='Recommendation']]")[0])
    assert "Continue with improvements" in report_part
    assert "Roles need review." in report_part
    assert "The vice-chair" in report_part
    assert committee_of(scene, pid).decision["confirmed_by"] == "vice_chair"


async def test_with_both_officers_recused_the_acting_chair_the_members_elected_presides(scene: Scene) -> None:
    p, site, w = scene.p, scene.site, scene.w
    pid = await evaluating(p, w)
    center = site.browser("coord-1", "coordinator")
    for sub in ("ev-chair", "ev-vice"):
        pinned = {"member_sub": sub, "kind": "business", "reason": "取引関係"}
        see_other(await center.post(committee_path(pid, "/pinned-conflicts"), pinned), committee_path(pid))
    await scored_by_api(scene, pid, "ev-1", "ev-2", "ev-3")
    acting = site.browser("ev-3", "evaluator")
    page = await acting.page(committee_path(pid))
    assert not page.xpath(f"//form[@action='{committee_path(pid, '/recommendation')}']")
    assert "委員長代理" in text(page.xpath("//p[@id='recommendation-unavailable']")[0])

    registry, matter = p.clients["registry"], f"evaluation:project:{pid}"
    current = await ok(registry.get(f"/committees/{w.committee}/acting-chairs"))
    election = {"matter": matter, "acting_chair_sub": "ev-3", "elector_subs": ["ev-1", "ev-3"]}
    headers = {**coordinator(p), "If-Match": current.headers["ETag"]}
    await ok(registry.post(f"/committees/{w.committee}/acting-chairs", json=election, headers=headers), 201)
    view = evaluation_view(p)
    await eventually(lambda: view.acting_chair(w.committee, matter) is not None, timeout=20)
    page = await acting.page(committee_path(pid))
    assert page.xpath(f"//form[@action='{committee_path(pid, '/recommendation')}']")
    other = site.browser("ev-1", "evaluator")
    assert not (await other.page(committee_path(pid))).xpath("//form[contains(@action, '/recommendation')]")
    decision = {"recommendation": "independent", "reasons_ja": "団体の自主事業として継続できる。"}
    see_other(await acting.post(committee_path(pid, "/recommendation"), decision), committee_path(pid))
    page = await acting.page(committee_path(pid))
    report_part = text(page.xpath("//dl[dt[text()='提言']]")[0])
    assert "自主事業化" in report_part
    assert "委員長代理" in report_part


async def test_the_center_opens_the_committee_records_a_conflict_and_adds_a_substitute_only_when_short(
    scene: Scene,
) -> None:
    p, site, w = scene.p, scene.site, scene.w
    pid = await evaluating(p, w, open_committee=False)
    center = site.browser("coord-1", "coordinator")
    page = await center.page(committee_path(pid))
    # The registry's only evaluation committee, chosen already, shown by the name the registry established it with
    # and its members today (in English the Japanese name: it was given none in English).
    assert page.xpath("//select[@name='committee_id']/option[@selected]/@value") == [w.committee]
    # The center is not told to wait for itself: its part is the form.
    assert "お待ちください" not in text(page)
    label = text(page.xpath("//select[@name='committee_id']/option[@selected]")[0])
    assert label == "協働事業評価委員会（委員5人）"
    # (Another browser of the center's: the language chosen stays with the browser.)
    in_english = await site.browser("coord-1", "coordinator").page(committee_path(pid), lang="en")
    label = text(in_english.xpath("//select[@name='committee_id']/option[@selected]")[0])
    assert label == "協働事業評価委員会 (5 members)"
    await listed(center, pid, "開始待ち：委員会の評価を開始してください")
    # A member of the committee today is told the center starts it, and finds the project listed as waiting.
    member = site.browser("ev-1", "evaluator")
    told = await member.page(committee_path(pid))
    assert "市民活動センターが委員会の評価を開始するまでお待ちください。" in text(told)
    assert "あなたは現在、評価委員会の委員です" in text(told)
    stage = text(told.xpath("//dt[text()='段階']/following-sibling::dd[1]")[0])
    assert stage == "自己評価公開済み（委員会の評価開始待ち）"
    await listed(member, pid, "開始待ち（市民活動センターが委員会の評価を開始します）")
    english = await member.page(committee_path(pid), lang="en")
    assert "Please wait until the civic activity center starts the committee's evaluation." in text(english)
    # An evaluator on no committee today is told the same, but the project is not theirs to wait for.
    outsider = site.browser("ev-out", "evaluator")
    told = await outsider.page(committee_path(pid))
    assert "市民活動センターが委員会の評価を開始するまでお待ちください。" in text(told)
    assert "あなたは現在、評価委員会の委員です" not in text(told)
    assert committee_path(pid) not in (await outsider.page("/evaluation/committee")).xpath("//main//a/@href")
    # A member forcing the center's form: the 403 page, and no committee.
    forced = await member.post(committee_path(pid), {"committee_id": w.committee, "quorum": "2"})
    assert forced.status_code == 403, forced.text[:2000]
    nothing = await center.post(committee_path(pid), {"committee_id": "", "quorum": ""})
    assert nothing.status_code == 422, nothing.text[:2000]
    assert "選んでください。" in error_beside(doc(nothing), "committee_id")
    one = await center.post(committee_path(pid, "?lang=en"), {"committee_id": w.committee, "quorum": "1"})
    assert one.status_code == 422, one.text[:2000]
    assert error_beside(doc(one), "quorum")
    assert committee_of(scene, pid) is None

    opened = await center.post(committee_path(pid, "?lang=ja"), {"committee_id": w.committee, "quorum": "4"})
    see_other(opened, f"{committee_path(pid)}?done=committee_opened")
    assert committee_of(scene, pid).quorum == 4
    page = await center.page(committee_path(pid), lang="ja")
    assert "定足数4を満たすため、補充はできません" in text(page.xpath("//p[@id='substitute-unavailable']")[0])

    # Two recusals leave three of five for a quorum of four: a substitute serving today may join.
    for sub in ("ev-2", "ev-3"):
        pinned = {"member_sub": sub, "kind": "business", "reason": "取引関係"}
        see_other(await center.post(committee_path(pid, "/pinned-conflicts"), pinned), committee_path(pid))
    await appoint(p, w.committee, "ev-sub")
    page = await center.page(committee_path(pid))
    assert page.xpath("//select[@name='member_sub']/option/@value")[-1] == "ev-sub"
    said = text(page.xpath("//p[@id='substitute-needed']")[0])
    assert said.startswith("回避していない委員は3人で、定足数4に足りません。"), said
    # The members the center pinned already (委員 B, C) are no longer offered; the others carry the registry id
    # the center appointed them by, beside their office or letter, with the roster's link.
    pin = "//form[contains(@action, '/pinned-conflicts')]//select[@name='member_sub']/option[@value!='']"
    assert [text(o) for o in page.xpath(pin)] == [
        "委員長（ID: ev-chair）",
        "副委員長（ID: ev-vice）",
        "委員 A（ID: ev-1）",
    ]
    assert "選択肢にない委員（2人）：事務局が利益相反を記録済みの委員" in text(
        page.xpath("//form[contains(@action, '/pinned-conflicts')]")[0]
    )
    assert f"/registry/committees/{w.committee}" in page.xpath("//p[@id='pin-roster']//a/@href")
    # Offered as a numbered candidate with their registry id; once joined, the next letter (after 委員 A–C).
    candidates = page.xpath("//form[contains(@action, '/substitutes')]//select[@name='member_sub']/option[@value!='']")
    assert [text(o) for o in candidates] == ["補充候補 1（ID: ev-sub）"]
    assert f"/registry/committees/{w.committee}" in page.xpath("//p[@id='substitute-roster']//a/@href")
    english = await site.browser("coord-1", "coordinator").page(committee_path(pid), lang="en")
    assert [text(o) for o in english.xpath(pin)] == [
        "Chair (ID: ev-chair)",
        "Vice-chair (ID: ev-vice)",
        "Member A (ID: ev-1)",
    ]
    candidates = english.xpath(
        "//form[contains(@action, '/substitutes')]//select[@name='member_sub']/option[@value!='']"
    )
    assert [text(o) for o in candidates] == ["Candidate 1 (ID: ev-sub)"]
    # A member reads no id on their own page, however the center's forms show them.
    assert "ev-sub" not in text((await site.browser("ev-1", "evaluator").page(committee_path(pid))).xpath("//main")[0])
    unexplained = await center.post(committee_path(pid, "/substitutes"), {"member_sub": "ev-sub", "reason": ""})
    assert unexplained.status_code == 422, unexplained.text[:2000]
    assert error_beside(doc(unexplained), "reason")
    reason = {"member_sub": "ev-sub", "reason": "回避により定足数に満たないため"}
    see_other(await center.post(committee_path(pid, "/substitutes"), reason), committee_path(pid))
    committee = committee_of(scene, pid)
    assert "ev-sub" in committee.members
    members = text((await center.page(committee_path(pid))).xpath("//dt[text()='委員']/following-sibling::dd[1]")[0])
    assert members.startswith("委員長、副委員長、委員 A、委員 B、委員 C、委員 D"), members
    assert committee.fixed_recusals == ["ev-2", "ev-3"]
    substitute = site.browser("ev-sub", "evaluator")
    assert (await substitute.page(committee_path(pid))).xpath(f"//form[@action='{committee_path(pid, '/scores')}']")


async def test_every_committee_page_renders_in_both_languages_with_headings_in_order(scene: Scene) -> None:
    p, site = scene.p, scene.site
    pid = await evaluating(p, scene.w)
    await scored_by_api(scene, pid, "ev-1")
    waiting = await evaluating(p, scene.w, open_committee=False)
    browsers = {
        "member": site.browser("ev-1", "evaluator"),
        "chair": site.browser("ev-chair", "evaluator"),
        "outsider": site.browser("ev-out", "evaluator"),
        "center": site.browser("coord-1", "coordinator"),
        "partner": site.browser("rep-g", "group"),
    }
    for lang in ("ja", "en"):
        for who, path in (
            ("member", "/evaluation/committee"),
            ("center", "/evaluation/committee"),
            ("outsider", "/evaluation/committee"),
            ("member", committee_path(pid)),
            ("chair", committee_path(pid)),
            ("outsider", committee_path(pid)),
            ("center", committee_path(pid)),
            ("partner", committee_path(pid)),
            ("center", committee_path(waiting)),
        ):
            page = await browsers[who].page(path, lang=lang)
            assert headings_in_order(page), (who, path, lang)
            assert page.xpath("/html/@lang") == [lang]
    # A partner reads the committee's roster but has nothing to act on; the center reads who has scored, and the
    # points only once the report is published (test_ws_evaluation_committee_center.py).
    assert not (await browsers["partner"].page(committee_path(pid))).xpath("//main//form")
    center = await browsers["center"].page(committee_path(pid))
    assert not center.xpath("//table[caption[@id='scores-caption']]")
    assert center.xpath("//p[@id='scores-withheld']")
    service_index = await browsers["member"].page("/evaluation/")
    assert "/evaluation/committee" in service_index.xpath("//main//a/@href")
