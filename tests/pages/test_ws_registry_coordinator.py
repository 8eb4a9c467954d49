"""The coordinator's registry workspace through the gateway (real store, real NATS, logged-in browsers): the
assessment queue oldest first, the six criteria assessed through the page's forms until the group is registered,
errors beside their fields in both languages with nothing stored, a group's forced post refused, a stale version
answered on the form, suspension and reinstatement, and the conflict of interest shown and refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lxml import html as lxml_html

from kyodo_shared.pages.i18n import LANG_COOKIE

from support.harness import eventually
from support.registry import CRITERIA, application, bylaws
from support.workspace import Browser, Site, workspace

COORDINATOR = "coord-ws"


@pytest_asyncio.fixture(scope="module")
async def site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    folder: Path = tmp_path_factory.mktemp("ws-registry-coordinator")
    async with workspace(["registry"], folder, nats_url, f"t{uuid.uuid4().hex[:8]}") as running:
        yield running


def headers(site: Site, sub: str, role: str, version: int | None = None) -> dict[str, str]:
    found = site.platform.token(sub, role)
    return {**found, "If-Match": f'"{version}"'} if version is not None else found


async def apply(site: Site, name: str, rep: str, **overrides: Any) -> str:
    body = application(name, **overrides)
    answer = await site.api("registry").post("/groups", json=body, headers=headers(site, rep, "group"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def group(site: Site, gid: str) -> dict[str, Any]:
    answer = await site.api("registry").get(f"/groups/{gid}", headers=headers(site, "auditor-ws", "coordinator"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def register_via_api(site: Site, gid: str) -> None:
    for criterion in CRITERIA:
        version = (await group(site, gid))["version"]
        answer = await site.api("registry").post(
            f"/groups/{gid}/assessments",
            json={"criterion": criterion, "met": True, "reason": "確認しました"},
            headers=headers(site, "coord-api", "coordinator", version),
        )
        assert answer.status_code == 200, answer.text


def coordinator(site: Site, lang: str = "ja") -> Browser:
    browser = site.browser(COORDINATOR, "coordinator")
    if lang != "ja":
        browser.client.cookies.set(LANG_COOKIE, lang)
    return browser


def version_of(page: Any) -> str:
    return str(page.xpath("//form//input[@name='version']/@value")[0])


def assessment(
    criterion: str, version: str, met: str | None = "true", reason: str = "会則第3条で確認"
) -> dict[str, str]:
    data = {"criterion": criterion, "version": version, f"{criterion}.reason": reason}
    if met is not None:
        data[f"{criterion}.met"] = met
    return data


def names_in_queue(page: Any) -> list[str]:
    return [str(a.text_content()).strip() for a in page.xpath("//table//tbody//th/a")]


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
    assert "public_interest の根拠資料" in page.text_content()
    assert "国分寺駅前商店会" in page.xpath("//table[caption='団体が届け出た関係']")[0].text_content()
    bylaws_href = page.xpath("//a[contains(@href, '/bylaws')]/@href")[0]
    assert (await browser.get(bylaws_href)).status_code == 200
    for criterion in CRITERIA:
        answer = await browser.post(f"/registry/assessments/{gid}/assessment", assessment(criterion, version_of(page)))
        assert answer.status_code == 303, answer.text[:2000]
        assert answer.headers["location"] == f"/registry/assessments/{gid}?done=assessed"
        page = await browser.page(answer.headers["location"])
        assert "審査結果を記録しました" in page.text_content()
    stored = await group(site, gid)
    assert stored["status"] == "registered"
    assert {c: a["assessor_sub"] for c, a in stored["assessments"].items()} == dict.fromkeys(CRITERIA, COORDINATOR)
    assert not page.xpath("//form[contains(@action, '/assessment')]")


@pytest.mark.parametrize(
    ("lang", "missing", "too_short", "criterion"),
    [
        ("ja", "必須項目です", "1文字以上で入力してください", "自発的"),
        ("en", "Field required", "at least 1 character", "Voluntary"),
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
    shown = lxml_html.document_fromstring(answer.text)
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
    shown = lxml_html.document_fromstring(answer.text)
    assert shown.xpath("//div[@class='error-summary']")
    # The form shown again holds the version as it is now: sent again, it would be judged on what is there.
    assert version_of(shown) == f'"{(await group(site, gid))["version"]}"'
    assert "voluntary" not in (await group(site, gid))["assessments"]


async def test_suspension_and_reinstatement_through_the_forms(site: Site) -> None:
    gid = await apply(site, f"停止の会{uuid.uuid4().hex[:6]}", "rep-e")
    await register_via_api(site, gid)
    browser = coordinator(site)
    page = await browser.page(f"/registry/decisions/{gid}")
    assert page.xpath("//button[@disabled]")  # reinstatement: not suspended, said why
    answer = await browser.post(
        f"/registry/decisions/{gid}/suspension",
        {"version": version_of(page), "suspension.reason": "活動報告が2年間提出されていないため"},
    )
    assert answer.status_code == 303, answer.text[:2000]
    stored = await group(site, gid)
    assert (stored["status"], stored["status_reason"]) == ("suspended", "活動報告が2年間提出されていないため")

    page = await browser.page(answer.headers["location"])
    assert "登録を停止しました" in page.text_content()
    empty = await browser.post(
        f"/registry/decisions/{gid}/reinstatement", {"version": version_of(page), "reinstatement.reason": ""}
    )
    assert empty.status_code == 422
    assert 'id="field-reinstatement-reason-error"' in empty.text
    answer = await browser.post(
        f"/registry/decisions/{gid}/reinstatement",
        {"version": version_of(page), "reinstatement.reason": "活動報告の提出を確認したため"},
    )
    assert answer.status_code == 303, answer.text[:2000]
    assert (await group(site, gid))["status"] == "registered"


async def test_a_coordinator_with_a_declared_interest_sees_why_and_is_refused_if_forcing(site: Site) -> None:
    gid = await apply(site, f"利害の会{uuid.uuid4().hex[:6]}", "rep-f")
    conflicted = "coord-interest"
    declared = await site.api("registry").post(
        "/interests/me",
        json={"group_id": gid, "kind": "close_relation"},
        headers=headers(site, conflicted, "coordinator"),
    )
    assert declared.status_code == 201, declared.text
    browser = site.browser(conflicted, "coordinator")
    page = await browser.page(f"/registry/assessments/{gid}")
    assert not page.xpath("//form[contains(@action, '/assessment')]")
    assert "利害関係" in page.text_content()
    answer = await browser.post(
        f"/registry/assessments/{gid}/assessment", assessment("private", f'"{(await group(site, gid))["version"]}"')
    )
    assert answer.status_code == 403
    assert (await group(site, gid))["assessments"] == {}


async def test_every_coordinator_page_renders_in_both_languages(site: Site) -> None:
    gid = await apply(site, f"二言語の会{uuid.uuid4().hex[:6]}", "rep-g")
    for lang, h1 in (("ja", "審査"), ("en", "Assessment of")):
        browser = coordinator(site, lang)
        for path in ("/registry/assessments", f"/registry/assessments/{gid}", f"/registry/decisions/{gid}"):
            page = await browser.page(path)
            assert page.xpath("/html/@lang") == [lang]
            assert len(page.xpath("//h1")) == 1
        assert h1 in (await browser.page(f"/registry/assessments/{gid}")).xpath("//h1")[0].text_content()
