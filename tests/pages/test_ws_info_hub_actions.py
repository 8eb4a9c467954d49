"""info-hub's workspace forms for trainings and cases (real stores, real NATS, the registry beside info-hub): a group's
representative registers the group for a training at `/me/trainings/{tid}` and cancels before the start; a group
raises a case at `/me/cases/new`, the center routes it, the department's liaison acknowledges it at `/me/cases/{cid}`.
Wrong input is shown beside its field in Japanese and English with nothing stored; another group's session, a
member of staff who is not the liaison, and a post without the CSRF token are refused with nothing stored."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from kyodo_shared.pages.format import TOKYO

from support.harness import eventually
from support.info_hub_cases import HUB, read, world
from support.info_hub_trainings import announced, plan
from support.page_reading import doc, error_beside, links, text, well_formed
from support.workspace import Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace(["registry", HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


async def listed_training(site: Site, body: dict[str, Any]) -> str:
    """A training announced, once the trainings' query table (which the pages list from) has it."""
    training = await announced(site.platform, body)

    async def listed() -> bool:
        found = await site.platform.clients[HUB].get("/trainings")
        return any(t["id"] == training["id"] for t in found.json()["items"])

    await eventually(listed, timeout=30)
    return str(training["id"])


async def registrations(site: Site, training_id: str) -> list[dict[str, Any]]:
    p = site.platform
    found = await p.clients[HUB].get(
        f"/trainings/{training_id}/registrations", headers=p.token("coord-1", "coordinator")
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def test_a_group_registers_for_a_training_and_cancels_before_the_start(site: Site) -> None:
    w = await world(site.platform)
    tid = await listed_training(site, plan(audience=("groups",)))
    group = site.browser("rep-g", "group")
    assert f"/me/trainings/{tid}" in links(await group.page("/me/trainings"))
    # The public training page points a logged-in group's person there; a visitor registers as a citizen only.
    assert f"/me/trainings/{tid}" in links(await group.page(f"/trainings/{tid}"))
    public = await site.visitor().get(f"/trainings/{tid}")
    assert f"/me/trainings/{tid}" not in public.text
    page = await group.page(f"/me/trainings/{tid}")
    well_formed(page)
    assert page.xpath(f"//select[@name='group_id']/option[@value='{w.g}']")

    # A group id that is none: beside the field, in both languages; nothing stored.
    for lang in ("ja", "en"):
        wrong = await group.post(f"/me/trainings/{tid}/registrations?lang={lang}", {"group_id": "みどり"})
        assert wrong.status_code == 422
        assert error_beside(doc(wrong.text), "group_id")
    # Another group's representative cannot register this group; a post without the CSRF token is refused.
    forced = await site.browser("rep-h", "group").post(f"/me/trainings/{tid}/registrations", {"group_id": w.g})
    assert forced.status_code == 403
    assert (await group.post(f"/me/trainings/{tid}/registrations", {"group_id": w.g}, csrf=False)).status_code == 403
    assert await registrations(site, tid) == []

    done = await group.post(f"/me/trainings/{tid}/registrations", {"group_id": w.g})
    assert done.status_code == 303, done.text[:2000]
    assert done.headers["location"] == f"/me/trainings/{tid}?done=training_registered"
    (placed,) = await registrations(site, tid)
    assert placed["group_id"] == w.g
    assert placed["seat"] == "registered"
    page = await group.page(f"/me/trainings/{tid}", lang="ja", done="training_registered")
    assert "申込を受け付けました" in text(page)
    assert not page.xpath("//select[@name='group_id']")  # its only group is registered already
    cancel = f"/me/trainings/{tid}/registrations/{placed['registration_id']}/cancellation"
    assert page.xpath(f"//form[@action='{cancel}']")
    me = await group.page("/me")
    assert f"/me/trainings/{tid}" in links(me)

    # Someone else's registration is not theirs to cancel (as if it did not exist).
    assert (await site.browser("rep-h", "group").post(cancel, {})).status_code == 404
    assert (await registrations(site, tid))[0]["seat"] == "registered"
    cancelled = await group.post(cancel, {})
    assert cancelled.status_code == 303
    assert (await registrations(site, tid))[0]["seat"] == "cancelled"
    english = await group.page(f"/me/trainings/{tid}", lang="en")
    assert "Registration cancelled" in text(english)
    # A cancelled registration reads 取消済み (not 中止, the word for a cancelled training).
    japanese = await group.page(f"/me/trainings/{tid}", lang="ja")
    assert "取消済み" in text(japanese)
    assert text((await group.page("/me/trainings", lang="ja")).xpath("//h1")[0]) == "研修会・講座の申込"
    # A training on one day: its end is the time alone, the date not repeated.
    start, end = japanese.xpath("//dl//time")[:2]
    starts, ends = (datetime.fromisoformat(str(t.get("datetime"))).astimezone(TOKYO) for t in (start, end))
    if starts.date() == ends.date():
        assert re.fullmatch(r"\d\d:\d\d", text(end)), text(end)


async def cases(site: Site) -> list[dict[str, Any]]:
    p = site.platform
    found = await p.clients[HUB].get("/cases", headers=p.token("coord-1", "coordinator"))
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def test_a_group_raises_a_case_which_the_routed_departments_liaison_acknowledges(site: Site) -> None:
    w = await world(site.platform)
    group = site.browser("rep-g", "group")
    page = await group.page("/me/cases/new")
    well_formed(page)
    assert page.xpath(f"//select[@name='group_id']/option[@value='{w.g}']")
    case = {
        "raiser": "group",
        "group_id": w.g,
        "problem_ja": "放課後に子どもが集まれる場所が本町に足りない",
        "fields_of_activity.0": "子育て",
        "area": "本町",
        "urgency": "high",
    }

    # No problem, no field of activity: each reason beside its field, in both languages; nothing stored.
    for lang in ("ja", "en"):
        wrong = await group.post(f"/me/cases/new?lang={lang}", {**case, "problem_ja": "", "fields_of_activity.0": ""})
        assert wrong.status_code == 422
        shown = doc(wrong.text)
        assert error_beside(shown, "problem_ja")
        assert error_beside(shown, "fields_of_activity")
        assert shown.xpath("//a[@href='#field-problem_ja']")
    # Another group's representative cannot raise it in this group's name; nor without the CSRF token.
    assert (await site.browser("rep-h", "group").post("/me/cases/new", case)).status_code == 403
    assert (await group.post("/me/cases/new", case, csrf=False)).status_code == 403
    assert await cases(site) == []

    raised = await group.post("/me/cases/new", case)
    assert raised.status_code == 303, raised.text[:2000]
    (stored,) = await eventually(lambda: cases(site), timeout=30)
    path = f"/me/cases/{stored['case_id']}"
    assert raised.headers["location"] == f"{path}?done=case_raised"  # the case's own page
    assert stored["raiser_id"] == w.g
    assert stored["urgency"] == "high"
    assert "相談を受け付けました" in text(await group.page(path, done="case_raised", lang="ja"))
    listing = await group.page("/me/cases", lang="ja")
    assert path in links(listing)
    assert "あなたの団体・部署" in text(listing.xpath("//caption")[0])
    # Who raised each case has its column: the group's name.
    assert "相談者" in [text(th) for th in listing.xpath("//thead//th")]
    assert "みどりの会" in text(listing.xpath("//tbody/tr[1]")[0])

    # The center routes it from the case's page (the case's version as If-Match); choosing none is refused.
    center = site.browser("coord-1", "coordinator")
    # The center sees every case, and the caption says so.
    assert "すべての相談案件" in text((await center.page("/me/cases", lang="ja")).xpath("//caption")[0])
    page = await center.page(path)
    well_formed(page)
    version = str(page.xpath(f"//form[@action='{path}/routings']//input[@name='version']/@value")[0])
    for lang in ("ja", "en"):
        wrong = await center.post(f"{path}/routings?lang={lang}", {"version": version})
        assert wrong.status_code == 422
        assert error_beside(doc(wrong.text), "department_ids")
    stale = await center.post(f"{path}/routings", {"version": '"99"', "department_ids": w.b.id})
    assert stale.status_code == 412
    assert (await read(site.platform, stored["case_id"]))["routings"] == []
    routed = await center.post(f"{path}/routings", {"version": version, "department_ids": w.b.id})
    assert routed.status_code == 303, routed.text[:2000]
    assert [r["department_id"] for r in (await read(site.platform, stored["case_id"]))["routings"]] == [w.b.id]
    acknowledge = f"{path}/routings/{w.b.id}/acknowledgement"
    # Staff of the department who is not its liaison: told why, and refused if forced.
    staff = site.browser("staff-b", "staff")
    page = await staff.page(path)
    assert not page.xpath(f"//form[@action='{acknowledge}']")
    assert page.xpath("//button[@disabled]")
    assert (await staff.post(acknowledge, {})).status_code == 403
    assert (await read(site.platform, stored["case_id"]))["routings"][0]["acknowledged_at"] is None

    liaison = site.browser("liaison-b", "staff")
    page = await liaison.page(path)
    well_formed(page)
    assert page.xpath(f"//form[@action='{acknowledge}']")
    done = await liaison.post(acknowledge, {})
    assert done.status_code == 303, done.text[:2000]
    assert (await read(site.platform, stored["case_id"]))["routings"][0]["acknowledged_at"]
    followed = await group.page(path, lang="ja")
    assert "受付確認済み" in text(followed)
    assert "acknowledged" in text(await group.page(path, lang="en"))

    # The center closes it with its outcome; without a reason it is refused beside the field.
    page = await center.page(path)
    version = str(page.xpath(f"//form[@action='{path}/closure']//input[@name='version']/@value")[0])
    no_reason = await center.post(f"{path}/closure", {"version": version, "outcome": "resolved"})
    assert no_reason.status_code == 422
    assert error_beside(doc(no_reason.text), "reason_ja")
    closure = {"version": version, "outcome": "resolved", "reason_ja": "地域の集会所を紹介した"}
    assert (await center.post(f"{path}/closure", closure)).status_code == 303
    assert (await read(site.platform, stored["case_id"]))["closing"]["outcome"] == "resolved"
    closed = await group.page(path, lang="ja")
    assert "解決" in text(closed)
    # A closed case's status is 終了, not the survey column's 締切日時 (the same English word).
    assert "終了" in text(closed)
    assert "締切日時" not in text(closed)
    assert "締切日時" not in text(await group.page("/me/cases", lang="ja"))
    # Every page of the part renders in both languages, one h1, headings in order, no id twice.
    for path_of_page in ("/me", "/me/cases", "/me/cases/new", path, "/me/trainings", "/me/surveys"):
        for lang in ("ja", "en"):
            well_formed(await group.page(path_of_page, lang=lang))
    for lang in ("ja", "en"):
        well_formed(await liaison.page("/me", lang=lang))
        well_formed(await center.page("/me", lang=lang))
        well_formed(await center.page("/me/cases", lang=lang))
