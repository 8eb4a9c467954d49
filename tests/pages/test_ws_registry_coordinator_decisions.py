"""The coordinator's decisions on a group through the gateway (real store, real NATS, logged-in browsers):
suspension and reinstatement, a handover decision and a dissolution through the forms, every group found by name and
status, and a coordinator with a declared interest shown why and refused if forcing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from support.harness import eventually
from support.registry_coordinator import (
    apply,
    assessment,
    coordinator,
    group,
    headers,
    register_via_api,
    registry_site,
    version_of,
)
from support.workspace import Site


@pytest_asyncio.fixture(scope="module")
async def site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    async with registry_site(nats_url, tmp_path_factory) as running:
        yield running


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


async def test_a_handover_decision_and_a_dissolution_through_the_forms(site: Site) -> None:
    gid = await apply(site, f"交代の会{uuid.uuid4().hex[:6]}", "rep-i")
    await register_via_api(site, gid)
    browser = coordinator(site)
    page = await browser.page(f"/registry/decisions/{gid}")
    assert not page.xpath("//form[contains(@action, '/handover')]")  # nothing pending: no form
    version = (await group(site, gid))["version"]
    proposed = await site.api("registry").post(
        f"/groups/{gid}/handover",
        json={"new_representative_sub": "rep-i2"},
        headers=headers(site, "rep-i", "group", version),
    )
    assert proposed.status_code == 200, proposed.text
    page = await browser.page(f"/registry/decisions/{gid}")
    assert page.xpath("//input[@name='handover.new_representative_sub']/@value") == ["rep-i2"]
    answer = await browser.post(
        f"/registry/decisions/{gid}/handover",
        {
            "version": version_of(page),
            "handover.new_representative_sub": "rep-i2",
            "handover.name": "佐藤 次郎",
            "handover.email": "jiro@example.jp",
            "handover.phone": "042-300-1111",
            "handover.reason": "前代表者と連絡が取れないため",
        },
    )
    assert answer.status_code == 303, answer.text[:2000]
    stored = await group(site, gid)
    assert stored["representative_sub"] == "rep-i2"
    assert stored["handover_pending_for"] is None

    page = await browser.page(answer.headers["location"])
    answer = await browser.post(
        f"/registry/decisions/{gid}/dissolution",
        {"version": version_of(page), "dissolution.reason": "総会で解散を決議"},
    )
    assert answer.status_code == 303, answer.text[:2000]
    assert (await group(site, gid))["status"] == "dissolved"
    page = await browser.page(answer.headers["location"])
    assert "解散を記録しました" in page.text_content()
    assert not page.xpath("//form[contains(@action, '/dissolution')]")


async def test_the_group_list_finds_a_group_by_name_and_status_and_links_its_decisions(site: Site) -> None:
    tag = uuid.uuid4().hex[:6]
    gid = await apply(site, f"検索の会{tag}", "rep-j")
    browser = coordinator(site)

    async def found() -> Any:
        page = await browser.page(f"/registry/decisions?q=検索の会{tag}&status=under_review")
        return [page] if page.xpath(f"//a[@href='/registry/decisions/{gid}']") else None

    (page,) = await eventually(found)
    assert page.xpath("//select[@name='status']/option[@selected]/@value") == ["under_review"]
    none = await browser.page(f"/registry/decisions?q=検索の会{tag}&status=registered")
    assert not none.xpath(f"//a[@href='/registry/decisions/{gid}']")


async def test_a_coordinator_with_a_declared_interest_sees_why_and_is_refused_if_forcing(site: Site) -> None:
    tag = uuid.uuid4().hex[:6]
    gid = await apply(site, f"利害の会{tag}", "rep-f")
    conflicted = "coord-interest"
    declared = await site.api("registry").post(
        "/interests/me",
        json={"group_id": gid, "kind": "close_relation"},
        headers=headers(site, conflicted, "coordinator"),
    )
    assert declared.status_code == 201, declared.text
    browser = site.browser(conflicted, "coordinator")
    page = await browser.page(f"/registry/assessments/{gid}")
    assert not page.xpath("//form[input[@name='criterion']]")
    assert "利害関係" in page.text_content()
    answer = await browser.post(
        f"/registry/assessments/{gid}/assessment", assessment("private", f'"{(await group(site, gid))["version"]}"')
    )
    assert answer.status_code == 403
    assert "利害関係" in answer.text
    assert (await group(site, gid))["assessments"] == {}
    # The queue says so beside the group, to this coordinator only; the decisions page offers no form either.
    name = f"利害の会{tag}"

    async def marked(who: str) -> Any:
        queue = await site.browser(who, "coordinator").page("/registry/assessments", per_page="100")
        rows = [r for r in queue.xpath("//table//tbody/tr") if name in r.text_content()]
        return rows and [bool(rows[0].xpath(".//*[contains(@class, 'tag--warning')]"))]

    assert await eventually(lambda: marked(conflicted)) == [True]
    assert await eventually(lambda: marked("coord-other")) == [False]
    decisions = await browser.page(f"/registry/decisions/{gid}")
    assert not decisions.xpath("//main//form")
    assert len(decisions.xpath("//button[@disabled]")) >= 3
