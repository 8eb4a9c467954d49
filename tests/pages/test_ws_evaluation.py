"""The evaluation service's workspace pages (real stores, real NATS, the registry beside evaluation, logged-in
browsers): both partners confirm an agreement through the forms and it is concluded; a partner files a report with
every indicator's value, and wrong values are shown beside their fields in Japanese and English with nothing
stored; a self-evaluation is sent once and the other partner's page does not show it; a coordinator starts a project
from a screening decision, sets its criteria and names an adoption's department; another group's session and a post
without the CSRF token are refused with nothing stored; every page renders in both languages with its headings in
order. Screening decisions and adoptions arrive on their streams as those services' relays write them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from kyodo_evaluation.domain import adoption_project_id, screening_project_id

from support.evaluation_committee_pages import Scene, committee_scene
from support.evaluation_http import (
    adopted,
    adoption_arrived,
    arrived,
    concluded,
    created,
    current_agreement,
    decided,
    drafted,
    ended,
    read,
)
from support.evaluation_pages import (
    agreement_form,
    report_form,
    reports,
    see_other,
    self_evaluation_form,
)
from support.harness import eventually
from support.page_reading import doc, error_beside
from support.portal_b import headings_in_order, one, text


@pytest_asyncio.fixture(scope="module")
async def scene(tmp_path_factory: Any, nats_url: str) -> AsyncIterator[Scene]:
    async with committee_scene(tmp_path_factory.mktemp("ws-evaluation"), nats_url) as made:
        yield made


async def test_both_partners_confirm_an_agreement_through_the_forms_and_it_is_concluded(scene: Scene) -> None:
    p, site = scene.p, scene.site
    pid = await created(p, scene.w)
    liaison = site.browser("liaison-1", "staff")
    page = await liaison.page(f"/evaluation/projects/{pid}")
    # The agreement form has a page of its own, linked from the project's.
    assert not page.xpath(f"//form[@action='/evaluation/projects/{pid}/agreement']")
    assert f"/evaluation/projects/{pid}/agreement" in page.xpath("//main//a/@href")
    form_page = await liaison.page(f"/evaluation/projects/{pid}/agreement")
    assert headings_in_order(form_page)
    assert form_page.xpath(f"//form[@action='/evaluation/projects/{pid}/agreement']")
    body = current_agreement(p)
    drafted_now = await liaison.post(f"/evaluation/projects/{pid}/agreement", agreement_form(body, 1))
    see_other(drafted_now, f"/evaluation/projects/{pid}?done=agreement_drafted")
    draft_hash = (await read(p, pid))["draft"]["hash"]

    rep_listing = await site.browser("rep-g", "group").page("/evaluation/projects")
    assert "第1版：あなたの側の確認待ち" in text(rep_listing)
    contact = await site.browser("contact-g", "group").page(f"/evaluation/projects/{pid}")
    assert "協定の確認は団体の代表者が行います" in text(contact)  # a contact reports; the representative confirms
    assert not contact.xpath("//form[contains(@action, '/confirmations')]")

    rep = site.browser("rep-g", "group")
    page = await rep.page(f"/evaluation/projects/{pid}")
    assert draft_hash in text(page)
    sent_hash = page.xpath("//form[contains(@action, '/confirmations')]//input[@name='agreement_hash']/@value")
    assert sent_hash == [draft_hash]
    confirmed = await rep.post(f"/evaluation/projects/{pid}/agreement/confirmations", {"agreement_hash": draft_hash})
    see_other(confirmed, f"/evaluation/projects/{pid}?done=agreement_confirmed")
    page = await rep.page(f"/evaluation/projects/{pid}?done=agreement_confirmed")
    assert "あなたの側はこの版を確認済みです。" in text(page)
    assert not page.xpath("//form[contains(@action, '/confirmations')]")
    # Forced: refused on the form, and the draft still awaits the department alone.
    again = await rep.post(f"/evaluation/projects/{pid}/agreement/confirmations", {"agreement_hash": draft_hash})
    assert again.status_code == 409, again.text[:2000]
    assert (await read(p, pid))["confirmed_by"] == ["group"]

    confirmed = await liaison.post(
        f"/evaluation/projects/{pid}/agreement/confirmations", {"agreement_hash": draft_hash}
    )
    see_other(confirmed, f"/evaluation/projects/{pid}?done=agreement_concluded")
    concluded_page = await liaison.page(f"/evaluation/projects/{pid}?done=agreement_concluded")
    assert "この版で協定を締結しました" in text(concluded_page)
    project = await read(p, pid)
    assert project["status"] == "active"
    assert (project["agreement"]["version"], project["agreement"]["hash"]) == (1, draft_hash)
    page = await liaison.page(f"/evaluation/projects/{pid}", lang="en")
    assert headings_in_order(page)
    assert "Agreement in force: version 1" in text(page)

    async def in_history() -> bool:
        page = await liaison.page(f"/evaluation/projects/{pid}", lang="en")
        return "Agreement version 1 concluded" in text(page)

    await eventually(in_history, timeout=20)


async def test_a_partner_files_a_report_with_every_indicator_value(scene: Scene) -> None:
    p, site = scene.p, scene.site
    pid = await concluded(p, scene.w)
    contact = site.browser("contact-g", "group")
    page = await contact.page(f"/evaluation/projects/{pid}/reports/1")
    assert page.xpath("//input[@name='values.0.value']")
    assert page.xpath("//input[@name='values.1.value']")
    filed = await contact.post(f"/evaluation/projects/{pid}/reports/1", report_form("180", "76.5"))
    see_other(filed, f"/evaluation/projects/{pid}/reports/1?done=report_filed")
    found = await reports(p, pid)
    assert [(r["partner"], r["index"]) for r in found] == [("group", 1)]
    assert {v["key"]: v["value"] for v in found[0]["values"]} == {"visitors": "180", "satisfaction": "76.5"}
    page = await contact.page(f"/evaluation/projects/{pid}/reports/1")
    assert "この回の報告は既に提出しています" in text(page)
    # Each partner's values under a caption naming the partner (a screen reader lists tables by their captions).
    assert text(one(page, "//caption[@id='filed-group-caption']")) == "団体が報告した値"
    assert not page.xpath("//form[contains(@action, '/reports/1')]")
    listing = await contact.page("/evaluation/projects")
    assert f"/evaluation/projects/{pid}" in listing.xpath("//main//a/@href")
    # What waits for the group next: its second report (the first is filed).
    assert "次の手続き" in [text(th) for th in listing.xpath("//thead//th")]
    assert "第2回報告（期日" in text(listing)


async def test_wrong_report_values_are_shown_beside_their_fields_in_both_languages_and_nothing_is_stored(
    scene: Scene,
) -> None:
    p, site = scene.p, scene.site
    pid = await concluded(p, scene.w)
    liaison = site.browser("liaison-1", "staff")
    blank = await liaison.post(f"/evaluation/projects/{pid}/reports/1", report_form("120", ""))
    assert blank.status_code == 422, blank.text[:2000]
    page = doc(blank)
    assert page.xpath("//div[@class='error-summary']")
    assert error_beside(page, "values.1.value")
    assert page.xpath("//input[@name='values.0.value']/@value") == ["120"]  # what was typed is kept

    fraction = await liaison.post(f"/evaluation/projects/{pid}/reports/1?lang=en", report_form("12.5", "80"))
    assert fraction.status_code == 422, fraction.text[:2000]
    page = doc(fraction)
    assert "This indicator counts things or yen" in error_beside(page, "values.0.value")
    # The switch to English was kept (the language cookie): back to Japanese the same way.
    back = await liaison.post(f"/evaluation/projects/{pid}/reports/1?lang=ja", report_form("12.5", "80"))
    japanese = doc(back)
    assert "件数・金額の指標です" in error_beside(japanese, "values.0.value")
    # A value of the wrong kind is reported in the same pass as the form's other errors (the summary left empty).
    both = doc(await liaison.post(f"/evaluation/projects/{pid}/reports/1", report_form("12.5", "80", summary="")))
    assert "件数・金額の指標です" in error_beside(both, "values.0.value")
    assert error_beside(both, "summary_ja")
    assert await reports(p, pid) == []


async def test_a_self_evaluation_is_sent_once_and_the_other_partner_does_not_see_it(scene: Scene) -> None:
    p, site = scene.p, scene.site
    pid = await ended(p, scene.w)
    rep = site.browser("rep-g", "group")
    form = await rep.page(f"/evaluation/projects/{pid}/self-evaluation")
    unrated = self_evaluation_form(form, "未評価") | {"ratings.0.rating": ""}
    refused = doc(await rep.post(f"/evaluation/projects/{pid}/self-evaluation", unrated))
    assert "選んでください。" in error_beside(refused, "ratings.0.rating")
    summary = "団体として目標を上回った(封印のしるし)"
    sent = await rep.post(f"/evaluation/projects/{pid}/self-evaluation", self_evaluation_form(form, summary))
    see_other(sent, f"/evaluation/projects/{pid}/self-evaluation?done=self_evaluation_sent")
    page = await rep.page(f"/evaluation/projects/{pid}/self-evaluation")
    assert summary in text(page)
    assert not page.xpath("//form[@action and contains(@action, '/self-evaluation')]")
    # How to verify the receipt: the command with its keys, and where the keys are published.
    assert "kyodo receipt verify <ファイル> --keys keys.json" in text(page)
    assert "/api/evaluation/audit/keys" in page.xpath("//main//a/@href")
    receipt = await rep.get(f"/evaluation/projects/{pid}/self-evaluation/receipt")
    assert receipt.status_code == 200
    assert receipt.json()["signature"]

    # Forced, with the form as it was: refused on the form, and still one self-evaluation in.
    again = await rep.post(f"/evaluation/projects/{pid}/self-evaluation", self_evaluation_form(form, "二度目"))
    assert again.status_code == 409, again.text[:2000]
    assert (await read(p, pid))["self_evaluations_in"] == ["group"]

    liaison = site.browser("liaison-1", "staff")
    for lang in ("ja", "en"):
        other = await liaison.page(f"/evaluation/projects/{pid}/self-evaluation", lang=lang)
        assert summary not in text(other)
        assert headings_in_order(other)
    assert other.xpath(f"//form[@action='/evaluation/projects/{pid}/self-evaluation']")


async def test_a_coordinator_starts_a_project_sets_its_criteria_and_names_an_adoptions_department(
    scene: Scene,
) -> None:
    p, site, w = scene.p, scene.site, scene.w
    made = decided(w.department_id)
    await w.stream.publish(made)
    await arrived(p, made)
    center = site.browser("coord-1", "coordinator")
    page = await center.page("/evaluation/projects/new")
    assert str(made.decision_id) in page.xpath("//select[@name='screening_decision_id']/option/@value")
    # Nothing chosen: each select and the radios say so, not what type the API expected.
    nothing = await center.post("/evaluation/projects/new", {"screening_decision_id": "", "group_id": "", "form": ""})
    assert nothing.status_code == 422, nothing.text[:2000]
    for name in ("screening_decision_id", "group_id", "form"):
        assert "選んでください。" in error_beside(doc(nothing), name), name
    wrong = await center.post(
        "/evaluation/projects/new",
        {"screening_decision_id": str(made.decision_id), "group_id": w.group, "form": "endorsement"},
    )
    assert wrong.status_code == 422
    assert error_beside(doc(wrong), "form")
    body = {"screening_decision_id": str(made.decision_id), "group_id": w.group, "form": "co_hosting"}
    pid = screening_project_id(made.decision_id, uuid.UUID(w.group))
    see_other(await center.post("/evaluation/projects/new", body), f"/evaluation/projects/{pid}?done=project_started")

    criteria = {"version": '"1"', "criteria.0.key": "reach", "criteria.0.name_ja": "参加の広がり"}
    see_other(await center.post(f"/evaluation/projects/{pid}/criteria", criteria), f"/evaluation/projects/{pid}")
    assert [c["key"] for c in (await read(p, str(pid)))["criteria"]] == ["reach"]
    stale = await center.post(f"/evaluation/projects/{pid}/criteria", criteria)
    assert stale.status_code == 412, stale.text[:2000]

    adoption = adopted(w.group)
    await w.proposals.publish(adoption)
    await adoption_arrived(p, adoption)
    listing = await center.page("/evaluation/projects")
    assert f"/evaluation/adoptions/{adoption.proposal_id}" in listing.xpath("//main//a/@href")
    page = await center.page(f"/evaluation/adoptions/{adoption.proposal_id}", lang="en")
    assert headings_in_order(page)
    unnamed = await center.post(f"/evaluation/adoptions/{adoption.proposal_id}?lang=en", {"department_id": ""})
    assert "Choose one." in error_beside(doc(unnamed), "department_id")
    named = await center.post(f"/evaluation/adoptions/{adoption.proposal_id}", {"department_id": w.department_id})
    see_other(named, f"/evaluation/projects/{adoption_project_id(adoption.proposal_id)}")
    assert (await read(p, str(adoption_project_id(adoption.proposal_id))))["department_id"] == w.department_id


async def test_another_groups_session_and_a_post_without_csrf_are_refused_and_nothing_is_stored(scene: Scene) -> None:
    p, site = scene.p, scene.site
    pid = await drafted(p, scene.w)
    draft_hash = (await read(p, pid))["draft"]["hash"]
    other = site.browser("rep-h", "group")
    await other.page(f"/evaluation/projects/{pid}", status=404)
    forced = await other.post(f"/evaluation/projects/{pid}/agreement/confirmations", {"agreement_hash": draft_hash})
    assert forced.status_code == 403, forced.text[:2000]
    assert forced.headers["content-type"].startswith("text/html")
    listing = await other.page("/evaluation/projects")
    assert f"/evaluation/projects/{pid}" not in listing.xpath("//main//a/@href")

    rep = site.browser("rep-g", "group")
    unsigned = await rep.post(
        f"/evaluation/projects/{pid}/agreement/confirmations", {"agreement_hash": draft_hash}, csrf=False
    )
    assert unsigned.status_code == 403, unsigned.text[:2000]
    assert (await read(p, pid))["confirmed_by"] == []
    center = site.browser("coord-1", "coordinator")
    await center.page("/evaluation/projects/new", status=200)
    await rep.page("/evaluation/projects/new", status=403)


async def test_every_page_renders_in_both_languages_with_headings_in_order(scene: Scene) -> None:
    p, site = scene.p, scene.site
    pid = await concluded(p, scene.w)
    rep = site.browser("rep-g", "group")
    center = site.browser("coord-1", "coordinator")
    liaison = site.browser("liaison-1", "staff")
    staff = site.browser("staff-2", "staff")
    for lang in ("ja", "en"):
        for browser, path in (
            (rep, "/evaluation/projects"),
            (liaison, "/evaluation/projects"),
            (staff, f"/evaluation/projects/{pid}"),
            (rep, f"/evaluation/projects/{pid}"),
            (rep, f"/evaluation/projects/{pid}/reports/2"),
            (rep, f"/evaluation/projects/{pid}/self-evaluation"),
            (center, "/evaluation/projects"),
            (center, "/evaluation/projects/new"),
            (center, f"/evaluation/projects/{pid}"),
        ):
            page = await browser.page(path, lang=lang)
            assert headings_in_order(page), (path, lang)
            assert page.xpath("/html/@lang") == [lang]
    # The department's staff read the project; only its liaison acts for the department.
    assert not (await staff.page(f"/evaluation/projects/{pid}")).xpath("//main//form")
    assert f"/evaluation/projects/{pid}" in (await liaison.page("/evaluation/projects")).xpath("//main//a/@href")


async def test_an_agreement_that_does_not_add_up_is_shown_beside_its_fields_and_staff_not_the_liaison_are_refused(
    scene: Scene,
) -> None:
    p, site = scene.p, scene.site
    pid = await created(p, scene.w)
    liaison = site.browser("liaison-1", "staff")
    body = current_agreement(p, budget={"total_yen": 1_000, "city_yen": 600, "group_yen": 300})
    wrong = await liaison.post(f"/evaluation/projects/{pid}/agreement", agreement_form(body, 1))
    assert wrong.status_code == 422, wrong.text[:2000]
    page = doc(wrong)
    assert page.xpath("//div[@class='error-summary']")
    # Beside the budget's fields, where the summary's link lands.
    assert page.xpath("//div[@class='error-summary']//a[@href='#field-agreement-budget']")
    assert "負担額の和が総額です" in text(page.xpath("//p[@id='field-agreement-budget']")[0])
    assert page.xpath("//input[@name='agreement.budget.group_yen']/@value") == ["300"]
    lettered = agreement_form(current_agreement(p), 1) | {"agreement.budget.total_yen": "百万円"}
    refused = await liaison.post(f"/evaluation/projects/{pid}/agreement?lang=en", lettered)
    assert refused.status_code == 422, refused.text[:2000]
    assert error_beside(doc(refused), "agreement.budget.total_yen")
    # An indicator's kind not chosen: said beside its select, not as an unknown value.
    kindless = agreement_form(current_agreement(p), 1) | {"agreement.indicators.0.value_type": ""}
    unchosen = doc(await liaison.post(f"/evaluation/projects/{pid}/agreement?lang=ja", kindless))
    assert "選んでください。" in error_beside(unchosen, "agreement.indicators.0.value_type")
    # On the department's staff but not its liaison: not a partner, refused with the error page.
    staff = site.browser("staff-2", "staff")
    forced = await staff.post(f"/evaluation/projects/{pid}/agreement", agreement_form(current_agreement(p), 1))
    assert forced.status_code == 403, forced.text[:2000]
    project = await read(p, pid)
    assert (project["version"], project["draft"]) == (1, None)
