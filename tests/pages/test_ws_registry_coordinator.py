"""The coordinator's assessments through the gateway (real store, real NATS, logged-in browsers): the queue oldest
first with re-checks and information requests, the six criteria assessed through the page's forms until the group is
registered, errors beside their fields in both languages with nothing stored, a group's forced post refused, a stale
version answered on the form, a request for information and the group's answer, and coordinators only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from support.harness import eventually
from support.page_reading import doc
from support.portal_b import headings_in_order, one, text
from support.registry import CRITERIA, application, bylaws
from support.registry_coordinator import (
    COORDINATOR,
    apply,
    assessment,
    coordinator,
    group,
    headers,
    names_in_queue,
    register_via_api,
    registry_site,
    version_of,
)
from support.workspace import Site


@pytest_asyncio.fixture(scope="module")
async def site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    async with registry_site(nats_url, tmp_path_factory) as running:
        yield running


async def test_the_queue_lists_the_oldest_application_first_with_rechecks_and_information_requests(
    site: Site,
) -> None:
    tag = uuid.uuid4().hex[:6]
    first = await apply(site, f"最初の会{tag}", "rep-q1")
    second = await apply(site, f"二番目の会{tag}", "rep-q2")
    third = await apply(site, f"三番目の会{tag}", "rep-q3")
    # The second is asked for more information; the third is registered, then files new bylaws (a re-check).
    version = (await group(site, second))["version"]
    asked = await site.api("registry").post(
        f"/groups/{second}/information-requests",
        json={"criteria": ["private"], "question": "行政からの独立性を示す資料を提出してください。"},
        headers=headers(site, "coord-api", "coordinator", version),
    )
    assert asked.status_code == 200, asked.text
    await register_via_api(site, third)
    version = (await group(site, third))["version"]
    changed = await site.api("registry").put(
        f"/groups/{third}/bylaws", json=bylaws("改正会則\n".encode()), headers=headers(site, "rep-q3", "group", version)
    )
    assert changed.status_code == 200, changed.text

    browser = coordinator(site)

    async def listed() -> Any:
        page = await browser.page("/registry/assessments", per_page="100")
        names = names_in_queue(page)
        return [page] if all(f"{n}{tag}" in names for n in ("最初の会", "二番目の会", "三番目の会")) else None

    (page,) = await eventually(listed)
    names = [n for n in names_in_queue(page) if n.endswith(tag)]
    assert names == [f"最初の会{tag}", f"二番目の会{tag}", f"三番目の会{tag}"]
    rows = {
        str(r.xpath("./th")[0].text_content()).strip(): " ".join(r.text_content().split())
        for r in page.xpath("//table//tbody/tr")
    }
    assert "回答待ち" in rows[f"二番目の会{tag}"]
    assert "再確認" in rows[f"三番目の会{tag}"]
    assert "会則が変更" in rows[f"三番目の会{tag}"]
    assert page.xpath(f"//a[@href='/registry/assessments/{first}']")
    # The re-check opens criteria 5 and 6 only: their two forms, the other four assessments as they stood.
    recheck = await browser.page(f"/registry/assessments/{third}")
    assert recheck.xpath("//form/input[@name='criterion']/@value") == ["formally_organized", "self_governing"]
    # The kit's pagination: one group a page leads on to the next.
    paged = await browser.page("/registry/assessments", per_page="1")
    assert paged.xpath("//nav[contains(@class, 'pagination')]//a[@rel='next']")
    english = await coordinator(site, "en").page("/registry/assessments")
    assert english.xpath("//h1")[0].text_content() == "Assessment queue"


async def test_a_coordinator_assesses_the_six_criteria_through_the_forms_and_the_group_is_registered(
    site: Site,
) -> None:
    tie = {"kind": "commercial", "counterpart": "国分寺駅前商店会", "description": "年2回の清掃活動で協力"}
    gid = await apply(site, f"みどりの会{uuid.uuid4().hex[:6]}", "rep-a", ties=[tie])
    browser = coordinator(site)
    page = await browser.page(f"/registry/assessments/{gid}")
    # Six criteria side by side, each with the group's evidence and a form; the bylaws as filed, linked.
    assert len(page.xpath("//ul[@class='card-list']/li")) == 6
    buttons = [" ".join(b.text_content().split()) for b in page.xpath("//form[input[@name='criterion']]//button")]
    assert buttons[0] == "審査結果を記録する (公益性)"
    assert len(set(buttons)) == 6
    assert "public_interest の根拠資料" in page.text_content()
    assert "国分寺駅前商店会" in page.xpath("//table[caption='団体が届け出た関係']")[0].text_content()
    bylaws_href = page.xpath("//a[contains(@href, '/bylaws')]/@href")[0]
    assert (await browser.get(bylaws_href)).status_code == 200
    warning = "記録すると申請の結果がただちに決まります"
    for criterion in CRITERIA:
        # Only the last open criterion's form says that recording it decides the application.
        assert (warning in page.text_content()) == (criterion == CRITERIA[-1])
        answer = await browser.post(f"/registry/assessments/{gid}/assessment", assessment(criterion, version_of(page)))
        assert answer.status_code == 303, answer.text[:2000]
        # The last one also registers the group, and its notice says so.
        done = "assessed_registered" if criterion == CRITERIA[-1] else "assessed"
        assert answer.headers["location"] == f"/registry/assessments/{gid}?done={done}"
        page = await browser.page(answer.headers["location"])
        assert "審査結果を記録しました" in page.text_content()
    assert "団体は登録されました" in page.text_content()
    stored = await group(site, gid)
    assert stored["status"] == "registered"
    assert {c: a["assessor_sub"] for c, a in stored["assessments"].items()} == dict.fromkeys(CRITERIA, COORDINATOR)
    assert not page.xpath("//form[input[@name='criterion']]")


@pytest.mark.parametrize(
    ("lang", "missing", "too_short", "criterion"),
    [
        ("ja", "必須項目です", "入力してください", "自発的"),
        ("en", "Field required", "Enter a value", "Voluntary"),
    ],
    ids=["ja", "en"],
)
async def test_an_assessment_without_a_decision_or_reason_shows_the_errors_beside_their_fields_and_stores_nothing(
    site: Site, lang: str, missing: str, too_short: str, criterion: str
) -> None:
    gid = await apply(site, f"未記入の会{uuid.uuid4().hex[:6]}", "rep-b")
    browser = coordinator(site, lang)
    page = await browser.page(f"/registry/assessments/{gid}")
    answer = await browser.post(
        f"/registry/assessments/{gid}/assessment", assessment("voluntary", version_of(page), met=None, reason="")
    )
    assert answer.status_code == 422
    shown = doc(answer)
    assert shown.xpath("/html/@lang") == [lang]
    # Beside the fields of the criterion posted (its controls are named `voluntary.met`, `voluntary.reason`) …
    assert missing in shown.xpath("//*[@id='field-voluntary-met-error']")[0].text_content()
    assert too_short in shown.xpath("//*[@id='field-voluntary-reason-error']")[0].text_content()
    assert shown.xpath("//textarea[@id='field-voluntary-reason'][@aria-invalid='true']")
    # … and only there: the other five forms are as they were.
    assert len(shown.xpath("//*[contains(@class, 'form-error')]")) == 2
    # The summary at the top names the criterion and links to the fields.
    summary = shown.xpath("//div[@class='error-summary']")[0]
    assert criterion in summary.text_content()
    assert summary.xpath(".//a/@href") == ["#field-voluntary-met", "#field-voluntary-reason"]
    assert (await group(site, gid))["assessments"] == {}


async def test_a_group_session_forcing_the_assessment_post_gets_the_403_page_and_nothing_is_stored(
    site: Site,
) -> None:
    gid = await apply(site, f"強行の会{uuid.uuid4().hex[:6]}", "rep-c")
    page = await coordinator(site).page(f"/registry/assessments/{gid}")
    applicant = site.browser("rep-c", "group")
    assert (await applicant.get(f"/registry/assessments/{gid}")).status_code == 403
    answer = await applicant.post(f"/registry/assessments/{gid}/assessment", assessment("private", version_of(page)))
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert (await group(site, gid))["assessments"] == {}


async def test_a_stale_version_answers_on_the_form_with_412_and_stores_nothing(site: Site) -> None:
    gid = await apply(site, f"古い版の会{uuid.uuid4().hex[:6]}", "rep-d")
    browser = coordinator(site)
    page = await browser.page(f"/registry/assessments/{gid}")
    stale = version_of(page)
    moved = await browser.post(f"/registry/assessments/{gid}/assessment", assessment("private", stale))
    assert moved.status_code == 303
    answer = await browser.post(f"/registry/assessments/{gid}/assessment", assessment("voluntary", stale))
    assert answer.status_code == 412
    shown = doc(answer)
    assert shown.xpath("//div[@class='error-summary']")
    # The form shown again holds the version as it is now: sent again, it would be judged on what is there.
    assert version_of(shown) == f'"{(await group(site, gid))["version"]}"'
    assert "voluntary" not in (await group(site, gid))["assessments"]


async def test_a_request_for_information_through_the_form_and_the_groups_answer_show_in_the_queue_and_page(
    site: Site,
) -> None:
    tag = uuid.uuid4().hex[:6]
    gid = await apply(site, f"質問の会{tag}", "rep-h")
    browser = coordinator(site)
    page = await browser.page(f"/registry/assessments/{gid}")
    # The question's hint says the answer comes as text, without files.
    assert "ファイルは添付できません" in text(one(page, "//*[@id='field-question-hint']"))
    empty = await browser.post(
        f"/registry/assessments/{gid}/information-request", {"version": version_of(page), "question": ""}
    )
    assert empty.status_code == 422
    shown = doc(empty)
    assert shown.xpath("//*[@id='field-criteria-error']")
    assert shown.xpath("//*[@id='field-question-error']")
    answer = await browser.post(
        f"/registry/assessments/{gid}/information-request",
        {
            "version": version_of(page),
            "criteria": ["private", "voluntary"],
            "question": "会員名簿の写しを提出してください。",
        },
    )
    assert answer.status_code == 303, answer.text[:2000]
    stored = await group(site, gid)
    assert stored["status"] == "information_requested"
    assert stored["information_request"]["criteria"] == ["private", "voluntary"]
    page = await browser.page(answer.headers["location"])
    # While the group is asked, no criterion can be assessed, and the page says why.
    assert not page.xpath("//form[input[@name='criterion']]")
    assert "回答を待っています" in page.text_content()

    replied = await site.api("registry").post(
        f"/groups/{gid}/information",
        json={
            "answer": "名簿の写しを添付しました。",
            "evidence": {"private": {"evidence": "市の補助金は受けていません"}},
        },
        headers=headers(site, "rep-h", "group", stored["version"]),
    )
    assert replied.status_code == 200, replied.text

    async def answered() -> Any:
        queue = await browser.page("/registry/assessments", per_page="100")
        row = [r for r in queue.xpath("//table//tbody/tr") if f"質問の会{tag}" in r.text_content()]
        return row and "団体が回答済み" in row[0].text_content()

    await eventually(answered)
    page = await browser.page(f"/registry/assessments/{gid}")
    assert "名簿の写しを添付しました。" in page.text_content()
    private = page.xpath("//li[h3[@id='criterion-private']]")[0]
    assert "市の補助金は受けていません" in private.text_content()
    assert "団体の回答で根拠が追加されました" in private.text_content()
    assert len(page.xpath("//form[input[@name='criterion']]")) == 6


async def test_every_coordinator_page_renders_in_both_languages(site: Site) -> None:
    name = f"二言語の会{uuid.uuid4().hex[:6]}"
    gid = await apply(site, name, "rep-g")
    paths = (
        "/registry/assessments",
        f"/registry/assessments/{gid}",
        "/registry/decisions",
        f"/registry/decisions/{gid}",
    )
    for lang, heading in (("ja", f"{name} の審査"), ("en", f"Assessment of {name}")):
        browser = coordinator(site, lang)
        for path in paths:
            page = await browser.page(path)
            assert page.xpath("/html/@lang") == [lang]
            assert headings_in_order(page), path
        h1 = (await browser.page(f"/registry/assessments/{gid}")).xpath("//h1")[0]
        assert " ".join(h1.text_content().split()) == heading
        # The group's Japanese name is marked as Japanese on the English page (language of parts).
        assert h1.xpath(".//*[@lang='ja']/text()") == ([name] if lang == "en" else [])


async def test_the_pages_are_for_coordinators_only_and_an_unknown_group_is_a_404_page(site: Site) -> None:
    visitor = site.visitor()
    answer = await visitor.get("/registry/assessments")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/auth/login?next=")
    staff = site.browser("staff-ws", "staff")
    for path in ("/registry/assessments", "/registry/decisions", f"/registry/decisions/{uuid.uuid4()}"):
        assert (await staff.get(path)).status_code == 403
    browser = coordinator(site)
    await browser.page(f"/registry/assessments/{uuid.uuid4()}", status=404)
    await browser.page("/registry/decisions/not-a-group", status=404)


async def test_a_reapplication_shows_each_criterions_result_in_the_last_round_and_whether_its_evidence_changed(
    site: Site,
) -> None:
    gid = await apply(site, f"再申請の会{uuid.uuid4().hex[:6]}", "rep-re")
    for criterion in CRITERIA:
        version = (await group(site, gid))["version"]
        met = criterion != "private"
        answer = await site.api("registry").post(
            f"/groups/{gid}/assessments",
            json={"criterion": criterion, "met": met, "reason": "確認しました" if met else "市の外郭団体の一部です"},
            headers=headers(site, "coord-api", "coordinator", version),
        )
        assert answer.status_code == 200, answer.text
    body = application("再申請の会")
    body["criteria"]["private"] = {"evidence": "市から独立した会則を定めました（第2条）"}
    del body["representative"]
    version = (await group(site, gid))["version"]
    again = await site.api("registry").post(
        f"/groups/{gid}/reapplication", json=body, headers=headers(site, "rep-re", "group", version)
    )
    assert again.status_code == 200, again.text

    page = await coordinator(site).page(f"/registry/assessments/{gid}")

    card = " ".join(one(page, "//li[h3[@id='criterion-private']]").text_content().split())
    assert "第1回の審査結果" in card
    assert "不適合: 市の外郭団体の一部です" in card
    assert "第1回から根拠が変更されました" in card
    assert "private の根拠資料" in card  # the evidence round 1 assessed, beside the new one
    other = " ".join(one(page, "//li[h3[@id='criterion-voluntary']]").text_content().split())
    assert "適合: 確認しました" in other
    assert "第1回から根拠は変わっていません" in other
