"""The group's life through its workspace forms: answering the center's request for information, filing changed
bylaws (a megabyte, within the page's upload limit), declaring and ending ties, contacts and the handover of the
representative, renewal's window, and applying again after a rejection — each checked through the public API."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio

from support.page_reading import doc, error_beside, version_on
from support.portal_b import one, text
from support.registry_group_pages import (
    BYLAWS_PDF,
    api_group,
    app_of,
    application_form,
    applied_by_api,
    assessed,
    group_site,
    pdf,
    stored_events,
    version_of,
)
from support.workspace import Site


@pytest_asyncio.fixture(scope="module")
async def site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    async with group_site(tmp_path_factory.mktemp("ws-registry-group-life"), nats_url) as running:
        yield running


async def test_the_center_asks_for_information_and_the_group_answers_on_its_page(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-info", "日吉町ボランティア会")
    version = (await api_group(site, group_id, "rep-info"))["version"]
    asked = await site.api("registry").post(
        f"/groups/{group_id}/information-requests",
        json={"criteria": ["voluntary"], "question": "入会・退会の手続きを教えてください。"},
        headers={**site.platform.token("coord-info", "coordinator"), "If-Match": f'"{version}"'},
    )
    assert asked.status_code == 200, asked.text
    representative = site.browser("rep-info", "group")
    page = await representative.page(f"/registry/groups/{group_id}")
    assert "入会・退会の手続きを教えてください。" in text(one(page, "//main"))
    form = await representative.page(f"/registry/groups/{group_id}/information")
    # The answer is text: a document the center asks for goes through the bylaws upload, which the page links.
    assert "ファイルを添付できません" in text(one(form, "//main"))
    assert one(form, f"//main//a[@href='/registry/groups/{group_id}/bylaws']") is not None
    fields = {"answer": "会則第5条のとおり、申出により自由に入退会できます。", "version": version_on(form)}
    fields["evidence.voluntary.evidence"] = "会則第5条（入会及び退会は自由）"

    answer = await representative.post(f"/registry/groups/{group_id}/information", fields)

    assert answer.status_code == 303
    group = await api_group(site, group_id, "rep-info")
    assert group["status"] == "under_review"
    assert group["information_request"] is None
    assert group["declarations"]["voluntary"] == "会則第5条（入会及び退会は自由）"


async def test_changed_bylaws_of_a_megabyte_are_filed_through_the_upload(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-bylaws", "東元町の会")
    representative = site.browser("rep-bylaws", "group")
    page = await representative.page(f"/registry/groups/{group_id}/bylaws")
    big = BYLAWS_PDF + b"%" + b"x" * (1024 * 1024) + b"\n%%EOF\n"

    answer = await representative.post(
        f"/registry/groups/{group_id}/bylaws", {"version": version_on(page)}, files=pdf(big)
    )

    assert answer.status_code == 303, answer.text[:2000]
    group = await api_group(site, group_id, "rep-bylaws")
    assert group["bylaws"]["sha256"] == hashlib.sha256(big).hexdigest()
    assert group["bylaws"]["size"] == len(big)


async def test_ties_are_declared_and_ended_through_their_forms(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-ties", "戸倉の会")
    representative = site.browser("rep-ties", "group")
    page = await representative.page(f"/registry/groups/{group_id}/ties")
    tie = {"kind": "religious", "counterpart": "戸倉神社", "description": "例大祭の手伝い"}

    declared = await representative.post(f"/registry/groups/{group_id}/ties", {**tie, "version": version_on(page)})

    assert declared.status_code == 303
    [found] = (await api_group(site, group_id, "rep-ties"))["ties"]
    assert (found["kind"], found["counterpart"]) == ("religious", "戸倉神社")
    withdrawal = f"/registry/groups/{group_id}/ties/{found['tie_id']}/withdrawal"
    listing = await representative.page(f"/registry/groups/{group_id}/ties")
    assert one(listing, f"//a[@href='{withdrawal}']") is not None
    # The day it was declared, as every page writes a day (not the stored ISO form).
    declared_on = one(listing, "//table//time")
    assert declared_on.get("datetime") == found["declared_on"]
    assert text(declared_on).endswith("日")
    assert "-" not in text(declared_on)
    form = await representative.page(withdrawal)
    empty = await representative.post(withdrawal, {"reason": "", "version": version_on(form)})
    assert empty.status_code == 422
    assert error_beside(doc(empty.text), "reason")
    # The summary names the field as its label does (each form's own words for its `reason`).
    assert text(one(doc(empty.text), "//*[@class='error-summary']//a")).startswith("関係を終了する理由")

    ended = await representative.post(withdrawal, {"reason": "手伝いをやめたため", "version": version_on(form)})

    assert ended.status_code == 303
    [after] = (await api_group(site, group_id, "rep-ties"))["ties"]
    assert after["withdrawn"] is True


async def test_the_representative_adds_a_contact_who_acts_but_may_not_manage_contacts_then_hands_over(
    site: Site,
) -> None:
    group_id = await applied_by_api(site, "rep-people", "並木町の会")
    base = f"/registry/groups/{group_id}"
    representative = site.browser("rep-people", "group")
    page = await representative.page(f"{base}/contacts")
    contact = {"sub": "contact-people", "name": "鈴木 一郎", "email": "ichiro@example.jp", "phone": "042-300-5678"}

    added = await representative.post(f"{base}/contacts", {**contact, "version": version_on(page)})

    assert added.status_code == 303
    group = await api_group(site, group_id, "rep-people")
    assert group["contacts"]["contact-people"]["name"] == "鈴木 一郎"
    # The contact acts for the group, but contacts and the handover are the representative's: shown disabled, why.
    helper = site.browser("contact-people", "group")
    workspace_page = await helper.page(base)
    assert "代表者だけが行えます。" in text(one(workspace_page, "//*[@id='why-contacts']"))
    assert one(workspace_page, "//*[@id='why-handover']") is not None
    # Read by the contact, the handover page does not tell them they are the representative.
    contact_view = text(one(await helper.page(f"{base}/handover"), "//main"))
    assert "現在の代表者のまま" in contact_view
    assert "あなたが代表者" not in contact_view
    forced = await helper.post(f"{base}/handover", {"new_representative_sub": "contact-people", **version_of(group)})
    assert forced.status_code == 403

    handover = await representative.page(f"{base}/handover")
    proposed = await representative.post(
        f"{base}/handover", {"new_representative_sub": "next-rep", "version": version_on(handover)}
    )
    assert proposed.status_code == 303
    successor = site.browser("next-rep", "group")
    mine = await successor.page("/registry/mine")
    assert one(mine, f"//a[@href='{base}/handover/confirmation']") is not None
    confirmation = await successor.page(f"{base}/handover/confirmation")
    person = {
        "name": "高橋 葵",
        "email": "aoi@example.jp",
        "phone": "042-300-9999",
        "version": version_on(confirmation),
    }

    confirmed = await successor.post(f"{base}/handover/confirmation", person)

    assert confirmed.status_code == 303
    group = await api_group(site, group_id, "next-rep")
    assert group["representative_sub"] == "next-rep"
    assert group["handover_pending_for"] is None
    # The new representative removes the contact.
    removal = await successor.page(f"{base}/contacts/contact-people/removal")
    removed = await successor.post(f"{base}/contacts/contact-people/removal", {"version": version_on(removal)})
    assert removed.status_code == 303
    assert "contact-people" not in (await api_group(site, group_id, "next-rep"))["contacts"]


async def test_a_registered_group_sees_when_renewal_opens_and_a_forced_early_renewal_is_refused_on_the_form(
    site: Site,
) -> None:
    group_id = await applied_by_api(site, "rep-renew", "光町の会")
    group = await assessed(site, group_id, "rep-renew")
    assert group["status"] == "registered"
    representative = site.browser("rep-renew", "group")
    page = await representative.page(f"/registry/groups/{group_id}")
    assert "更新の受付は期限の90日前" in text(one(page, "//*[@id='why-renewal']"))
    # The renewal page shows the action disabled with the same reason, and no form to send.
    form = await representative.page(f"/registry/groups/{group_id}/renewal")
    assert "更新の受付は期限の90日前" in text(one(form, "//*[@id='why-blocked']"))
    assert not form.xpath("//main//form")
    before = stored_events(site)
    fields = {"members_count": "30", "criteria_still_met": "true", "bylaws_unchanged": "true", **version_of(group)}

    forced = await representative.post(f"/registry/groups/{group_id}/renewal", fields)

    assert forced.status_code == 409
    refused = doc(forced.text)
    assert "更新の受付期間ではありません" in text(one(refused, "//*[@id='error-summary-title']"))
    assert not refused.xpath("//main//form")
    assert stored_events(site) == before


async def test_a_rejected_group_applies_again_with_new_bylaws(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-again", "富士本の会")
    assert (await assessed(site, group_id, "rep-again", unmet=("self_governing",)))["status"] == "rejected"
    representative = site.browser("rep-again", "group")
    page = await representative.page(f"/registry/groups/{group_id}")
    assert one(page, f"//a[@href='/registry/groups/{group_id}/reapplication']") is not None
    form = await representative.page(f"/registry/groups/{group_id}/reapplication")
    assert one(form, "//input[@name='name']").get("value") == "富士本の会"
    # Under each criterion, the last round's result and reason (the points to fix), tied to its field as its hint.
    field = one(form, "//textarea[@name='criteria.self_governing.evidence']")
    assert f"{field.get('id')}-hint" in field.get("aria-describedby").split()
    unmet = text(one(form, f"//*[@id='{field.get('id')}-hint']"))
    assert unmet.startswith("第1回の審査結果：不適合 — 会則と議事録で確認")
    assert "第1回の審査結果：適合" in form.text_content()
    # One word for the status across the group's pages: 不登録.
    assert "不登録" in text(one(form, "//p[@class='lead']"))
    assert "却下" not in form.text_content()
    fields = {
        name: value for name, value in application_form("富士本の会").items() if not name.startswith(("ties.", "rep"))
    }
    fields["version"] = version_on(form)
    new_bylaws = BYLAWS_PDF.replace(b"EOF", b"EOF revised")

    answer = await representative.post(f"/registry/groups/{group_id}/reapplication", fields, files=pdf(new_bylaws))

    assert answer.status_code == 303, answer.text[:2000]
    group = await api_group(site, group_id, "rep-again")
    assert (group["status"], group["round"]) == ("under_review", 2)
    assert group["bylaws"]["sha256"] == hashlib.sha256(new_bylaws).hexdigest()


async def test_the_representative_records_the_dissolution_and_the_group_s_forms_close(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-end", "解散する会")
    base = f"/registry/groups/{group_id}"
    representative = site.browser("rep-end", "group")
    page = await representative.page(f"{base}/dissolution")
    empty = await representative.post(f"{base}/dissolution", {"reason": "", "version": version_on(page)})
    assert empty.status_code == 422
    assert error_beside(doc(empty.text), "reason")
    summary = text(one(doc(empty.text), "//*[@class='error-summary']//a"))
    assert summary.startswith("解散の理由")
    assert "関係を終了する理由" not in empty.text

    answer = await representative.post(
        f"{base}/dissolution", {"reason": "会員の高齢化のため", "version": version_on(page)}
    )

    assert answer.status_code == 303
    group = await api_group(site, group_id, "rep-end")
    assert (group["status"], group["status_reason"]) == ("dissolved", "会員の高齢化のため")
    closed = await representative.page(base)
    assert "不登録または解散した団体" in text(one(closed, "//*[@id='why-profile']"))
    assert "既に解散" in text(one(closed, "//*[@id='why-dissolution']"))
    profile = await representative.page(f"{base}/profile")
    assert not profile.xpath("//main//form")


async def test_the_reapplication_page_of_a_registered_group_says_why_and_a_forced_post_is_refused(site: Site) -> None:
    group_id = await applied_by_api(site, "rep-not-rejected", "本多の会")
    group = await assessed(site, group_id, "rep-not-rejected")
    assert group["status"] == "registered"
    representative = site.browser("rep-not-rejected", "group")

    page = await representative.page(f"/registry/groups/{group_id}/reapplication")

    assert "申請が不登録となった後にだけ行えます" in text(one(page, "//*[@id='why-blocked']"))
    assert not page.xpath("//main//form")
    before = stored_events(site)
    fields = {name: value for name, value in application_form("本多の会").items() if not name.startswith("ties.")}
    forced = await representative.post(
        f"/registry/groups/{group_id}/reapplication", {**fields, **version_of(group)}, files=pdf()
    )
    assert forced.status_code == 409, forced.text[:2000]
    assert not doc(forced.text).xpath("//main//form")
    assert stored_events(site) == before
    assert (await api_group(site, group_id, "rep-not-rejected"))["status"] == "registered"


@pytest.mark.parametrize(
    ("lang", "wrong_type", "too_large"),
    [
        ("ja", "PDF、テキスト、Word（.docx）のファイルを選んでください", "2MB以下のファイルを選んでください"),
        ("en", "Choose a PDF, plain text or Word (.docx) file", "at most 2 MB"),
    ],
)
async def test_a_bylaws_file_of_the_wrong_type_or_size_is_refused_beside_the_field_with_the_rule(
    site: Site, lang: str, wrong_type: str, too_large: str
) -> None:
    group_id = await applied_by_api(site, f"rep-bylaws-bad-{lang}", f"西町の会 {lang}")
    representative = site.browser(f"rep-bylaws-bad-{lang}", "group")
    page = await representative.page(f"/registry/groups/{group_id}/bylaws")
    before = stored_events(site)

    png = await representative.post(
        f"/registry/groups/{group_id}/bylaws?lang={lang}",
        {"version": version_on(page)},
        files={"bylaws": ("会則.png", b"\x89PNG\r\n\x1a\n", "image/png")},
    )
    # 3 MB: over the file's limit, within the form's, so the form comes back with the rule beside the file.
    large = await representative.post(
        f"/registry/groups/{group_id}/bylaws?lang={lang}",
        {"version": version_on(page)},
        files=pdf(BYLAWS_PDF + b"x" * (3 * 1000 * 1000)),
    )

    assert png.status_code == 422
    assert wrong_type in error_beside(doc(png.text), "bylaws")
    assert large.status_code == 422
    assert too_large in error_beside(doc(large.text), "bylaws")
    assert stored_events(site) == before


@pytest.mark.parametrize(
    ("lang", "unticked", "required"),
    [("ja", "確認のうえチェックしてください", "必須"), ("en", "Tick the box to confirm", "required")],
)
async def test_renewal_without_the_confirmations_or_the_number_of_members_says_so_beside_each_field(
    site: Site, lang: str, unticked: str, required: str
) -> None:
    group_id = await applied_by_api(site, f"rep-renew-boxes-{lang}", f"日吉の会 {lang}")
    group = await assessed(site, group_id, f"rep-renew-boxes-{lang}")
    representative = site.browser(f"rep-renew-boxes-{lang}", "group")
    app = app_of(site)
    real_clock = app.clock
    app.clock = lambda: real_clock() + timedelta(days=300)  # within the renewal window
    try:
        form = await representative.page(f"/registry/groups/{group_id}/renewal")
        assert one(form, "//input[@name='members_count']").get("aria-required") == "true"
        before = stored_events(site)

        answer = await representative.post(
            f"/registry/groups/{group_id}/renewal?lang={lang}", {"members_count": "", **version_of(group)}
        )
    finally:
        app.clock = real_clock

    assert answer.status_code == 422
    page = doc(answer.text)
    assert unticked in error_beside(page, "criteria_still_met")
    assert unticked in error_beside(page, "bylaws_unchanged")
    assert "must be confirmed" not in answer.text
    assert required in error_beside(page, "members_count")
    assert stored_events(site) == before
