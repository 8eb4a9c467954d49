"""The group's workspace in the registry (its representative and contacts): every form posts to a page route that
calls the API route's own application method, so what a form did is checked through the public API afterwards.
Invalid input comes back beside its fields in Japanese and English with nothing stored; a stale version is the
API's 412 on the form; another group's session and a post without the CSRF token are refused with nothing stored;
every page renders in both languages."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from support.page_reading import doc, error_beside, version_on
from support.portal_b import headings_in_order, one, text
from support.registry_group_pages import (
    BYLAWS_PDF,
    api_group,
    app_of,
    application_form,
    applied_by_api,
    group_site,
    pdf,
    principal_of,
    stored_events,
)
from support.workspace import Site


@pytest_asyncio.fixture(scope="module")
async def site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    async with group_site(tmp_path_factory.mktemp("ws-registry-group"), nats_url) as running:
        yield running


async def test_a_group_applies_through_the_form_and_the_api_shows_the_application(site: Site) -> None:
    applicant = site.browser("rep-apply", "group")
    page = await applicant.page("/registry/apply")
    assert headings_in_order(page)
    assert text(one(page, "//h1")) == "団体登録を申請する"
    assert one(page, "//main//form").get("enctype") == "multipart/form-data"

    answer = await applicant.post("/registry/apply", application_form(), files=pdf())

    assert answer.status_code == 303, answer.text[:3000]
    location = answer.headers["location"]
    assert location.startswith("/registry/groups/")
    assert location.endswith("?done=applied")
    group_id = location.split("/")[3].split("?")[0]
    group = await api_group(site, group_id, "rep-apply")
    assert group["status"] == "under_review"
    assert group["representative_sub"] == "rep-apply"
    assert group["representative"] == {"name": "佐藤 陽子", "email": "yoko@example.jp", "phone": "042-300-1234"}
    assert group["profile"]["fields_of_activity"] == ["子どもの健全育成", "まちづくり"]
    assert group["profile"]["members_count"] == 24
    assert group["declarations"]["voluntary"] == "voluntary: 会則第2条・総会議事録"
    assert group["bylaws"]["sha256"] == hashlib.sha256(BYLAWS_PDF).hexdigest()
    assert group["bylaws"]["media_type"] == "application/pdf"
    assert [(t["kind"], t["counterpart"]) for t in group["ties"]] == [("commercial", "恋ヶ窪商店会")]

    workspace_page = await applicant.page(location)
    assert "申請を受け付けました" in text(one(workspace_page, "//*[@role='status']"))
    assert text(one(workspace_page, "//h1")) == "恋ヶ窪あそび場の会"
    download = await applicant.get(f"/api/registry/groups/{group_id}/bylaws")
    assert download.status_code == 200
    assert download.content == BYLAWS_PDF
    mine = await applicant.page("/registry/mine")
    assert one(mine, f"//a[@href='/registry/groups/{group_id}']") is not None


@pytest.mark.parametrize(
    ("lang", "title", "phone_reason"),
    [
        ("ja", "入力内容に誤りがあります", "形式が正しくありません"),
        ("en", "The request has invalid fields", "String should match"),
    ],
)
async def test_invalid_input_comes_back_beside_the_named_fields_and_nothing_is_stored(
    site: Site, lang: str, title: str, phone_reason: str
) -> None:
    applicant = site.browser(f"rep-invalid-{lang}", "group")
    fields = application_form()
    fields.update({"name": "", "criteria.voluntary.evidence": "", "representative.phone": "電話なし"})
    fields.update({"ties.2.kind": "", "representative.email": "not-an-address"})
    before = stored_events(site)

    answer = await applicant.post(f"/registry/apply?lang={lang}", fields)  # and no bylaws file

    assert answer.status_code == 422
    page = doc(answer.text)
    assert one(page, "/html").get("lang") == lang
    assert text(one(page, "//*[@id='error-summary-title']")).endswith(title)
    for name in ("name", "criteria.voluntary.evidence", "representative.email", "bylaws", "ties.2.kind"):
        assert error_beside(page, name), name
    assert phone_reason in error_beside(page, "representative.phone")
    # What was typed is kept; nothing reached the store.
    assert one(page, "//textarea[@name='purpose']").text == fields["purpose"]
    assert stored_events(site) == before
    assert app_of(site).groups_of(principal_of(applicant)) == []


async def test_an_unsupported_bylaws_file_is_named_beside_the_upload(site: Site) -> None:
    applicant = site.browser("rep-exe", "group")
    before = stored_events(site)
    answer = await applicant.post(
        "/registry/apply", application_form(), files={"bylaws": ("会則.exe", b"MZ\x90\x00", "application/x-msdownload")}
    )
    assert answer.status_code == 422
    assert error_beside(doc(answer.text), "bylaws")
    assert stored_events(site) == before


async def test_a_representative_updates_the_profile_with_the_version_and_a_stale_version_gets_412(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-profile", "国分寺みどりの会")
    representative = site.browser("rep-profile", "group")
    page = await representative.page(f"/registry/groups/{group_id}/profile")
    assert headings_in_order(page)
    seen = version_on(page)
    assert one(page, "//input[@name='name']").get("value") == "国分寺みどりの会"
    changed = {"name": "国分寺みどりの会（改）", "purpose": "緑地保全", "fields_of_activity": "環境保全"}
    changed["area"] = "本町"

    answer = await representative.post(f"/registry/groups/{group_id}/profile", {**changed, "version": seen})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/registry/groups/{group_id}?done=profile_updated"
    group = await api_group(site, group_id, "rep-profile")
    assert group["profile"]["name"] == "国分寺みどりの会（改）"
    version = group["version"]

    stale = await representative.post(
        f"/registry/groups/{group_id}/profile", {**changed, "name": "古い版からの変更", "version": seen}
    )

    assert stale.status_code == 412
    refused = doc(stale.text)
    assert one(refused, "//*[@id='error-summary-title']") is not None
    assert one(refused, "//input[@name='name']").get("value") == "古い版からの変更"
    after = await api_group(site, group_id, "rep-profile")
    assert (after["version"], after["profile"]["name"]) == (version, "国分寺みどりの会（改）")


async def test_a_session_of_one_group_posting_to_another_groups_form_gets_403_and_nothing_is_stored(
    site: Site,
) -> None:
    group_id = await applied_by_api(site, "rep-owner", "本町ひだまりサロン")
    version = f'"{(await api_group(site, group_id, "rep-owner"))["version"]}"'
    other = site.browser("rep-intruder", "group")
    await applied_by_api(site, "rep-intruder", "よその会")
    before = stored_events(site)
    at = {"version": version}
    profile = {"name": "乗っ取り", "purpose": "x", "fields_of_activity": "x", "area": "x", **at}

    for path, fields in [
        (f"/registry/groups/{group_id}/profile", profile),
        (f"/registry/groups/{group_id}/ties", {"kind": "other", "counterpart": "x", "description": "x", **at}),
        (f"/registry/groups/{group_id}/handover", {"new_representative_sub": "rep-intruder", "version": version}),
    ]:
        answer = await other.post(path, fields)
        assert answer.status_code == 403, (path, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html")

    assert (await other.get(f"/registry/groups/{group_id}")).status_code in (403, 404)
    assert stored_events(site) == before
    assert (await api_group(site, group_id, "rep-owner"))["profile"]["name"] == "本町ひだまりサロン"


async def test_a_post_without_the_csrf_token_is_refused_and_nothing_is_stored(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-csrf", "西町の会")
    representative = site.browser("rep-csrf", "group")
    version = version_on(await representative.page(f"/registry/groups/{group_id}/profile"))
    before = stored_events(site)
    fields = {"name": "CSRF", "purpose": "x", "fields_of_activity": "x", "area": "x", "version": version}

    answer = await representative.post(f"/registry/groups/{group_id}/profile", fields, csrf=False)
    applying = await representative.post("/registry/apply", application_form(), files=pdf(), csrf=False)

    assert (answer.status_code, applying.status_code) == (403, 403)
    assert stored_events(site) == before


async def test_every_page_of_the_group_renders_in_japanese_and_english(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-langs", "多言語の会")
    representative = site.browser("rep-langs", "group")
    base = f"/registry/groups/{group_id}"
    paths = ["/registry/apply", "/registry/mine", base, *(f"{base}/{p}" for p in PAGES)]
    for lang, words in (("ja", "申請"), ("en", "Apply")):
        for path in paths:
            page = await representative.page(path, lang=lang)
            assert one(page, "/html").get("lang") == lang, path
            assert len(page.xpath("//h1")) == 1, path
            assert headings_in_order(page), path
        assert words in text(one(await representative.page("/registry/apply", lang=lang), "//h1"))


PAGES = ("profile", "bylaws", "ties", "contacts", "handover", "renewal", "reapplication", "dissolution")
