"""info-hub's center pages for trainings (real stores, real NATS): a coordinator drafts a training of one seat at
`/center/trainings/new` and announces it; one member of staff takes the seat, a second waits; the center cancels
the first's registration with its reason and the second is promoted — shown on the center's page and on both
registrants' own; once the training has started the attendance is recorded. Wrong input is shown beside its field
in Japanese and English with nothing stored; a group's person gets the 403 page and nothing is stored; a post
without the CSRF token is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from kyodo_shared.pages.format import TOKYO

from support.harness import eventually
from support.info_hub_cases import HUB
from support.info_hub_trainings import move_hub_clock
from support.page_reading import doc, error_beside, links, text, version_on, well_formed
from support.workspace import Browser, Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


def local(moment: datetime) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def plan_form(starts: datetime) -> dict[str, Any]:
    """A two-hour training of one seat for city staff, registration open from an hour ago until the start."""
    return {
        "kind": "training",
        "title_ja": "協働事業の会計研修",
        "title_en": "Bookkeeping for collaboration projects",
        "description_ja": "協働事業の会計の基礎を学びます。",
        "starts_at": local(starts),
        "ends_at": local(starts + timedelta(hours=2)),
        "place": "市民活動センター 会議室A",
        "capacity": "1",
        "audience": ["staff"],
        "registration_opens_at": local(datetime.now(TOKYO) - timedelta(hours=1)),
        "registration_closes_at": local(starts),
    }


async def registrations(site: Site, training_id: str) -> list[dict[str, Any]]:
    p = site.platform
    found = await p.clients[HUB].get(
        f"/trainings/{training_id}/registrations", headers=p.token("coord-1", "coordinator")
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def seat_on(browser: Browser, training_id: str, lang: str = "ja") -> str:
    return text((await browser.page(f"/me/trainings/{training_id}", lang=lang)).xpath("//main")[0])


def row_of(page: Any, sub: str) -> str:
    (row,) = [r for r in page.xpath("//table//tbody/tr") if sub in text(r)]
    return text(row)


async def test_a_freed_seat_goes_to_the_waitlist_and_the_attendance_is_recorded(site: Site) -> None:
    center = site.browser("coord-1", "coordinator")
    for lang in ("ja", "en"):
        well_formed(await center.page("/center/trainings", lang=lang))
        well_formed(await center.page("/center/trainings/new", lang=lang))
    starts = (datetime.now(TOKYO) + timedelta(days=10)).replace(second=0, microsecond=0)
    body = plan_form(starts)

    # An end before the start, and no title: each beside its field, in both languages; nothing stored.
    before = site.domain_events(HUB)
    for lang in ("ja", "en"):
        wrong = await center.post(f"/center/trainings/new?lang={lang}", {**body, "title_ja": ""})
        assert wrong.status_code == 422, wrong.text[:2000]
        assert error_beside(doc(wrong.text), "title_ja")
        backwards = {**body, "ends_at": local(starts - timedelta(hours=1))}
        wrong = await center.post(f"/center/trainings/new?lang={lang}", backwards)
        assert wrong.status_code in (409, 422), wrong.text[:2000]
        assert error_beside(well_formed(doc(wrong.text)), "ends_at")
    # A group's person gets the 403 page; a post without the CSRF token is refused; nothing stored.
    group = site.browser("rep-g", "group")
    assert (await group.get("/center/trainings")).status_code == 403
    assert (await group.post("/center/trainings/new", body)).status_code == 403
    assert (await center.post("/center/trainings/new", body, csrf=False)).status_code == 403
    assert site.domain_events(HUB) == before

    drafted = await center.post("/center/trainings/new", body)
    assert drafted.status_code == 303, drafted.text[:3000]
    path, done = drafted.headers["location"].split("?")
    assert done == "done=training_drafted"
    tid = path.rsplit("/", 1)[1]
    page = await center.page(path, lang="ja", done="training_drafted")
    well_formed(page)
    assert "下書き（非公開）" in text(page)

    # The list reads the trainings' query table, which a projection fills after the save: wait for it.
    async def listed() -> bool:
        return path in links(await center.page("/center/trainings"))

    await eventually(listed, timeout=30)
    announce = f"{path}/announcement"
    assert (await group.post(announce, {"version": version_on(page, announce)})).status_code == 403
    assert (await center.post(announce, {"version": '"99"'})).status_code == 412
    assert (await center.post(announce, {"version": version_on(page, announce)})).status_code == 303
    assert "公開中" in text(await center.page(path, lang="ja"))

    # One seat: the first member of staff takes it, the second waits.
    first, second = site.browser("staff-1", "staff"), site.browser("staff-2", "staff")
    for browser in (first, second):
        placed = await browser.post(f"/me/trainings/{tid}/registrations", {"group_id": ""})
        assert placed.status_code == 303, placed.text[:2000]
    assert [r["seat"] for r in await registrations(site, tid)] == ["registered", "waitlisted"]
    page = await center.page(path, lang="ja")
    assert "参加確定" in row_of(page, "staff-1")
    assert "キャンセル待ち（1番目）" in row_of(page, "staff-2")
    assert "On the waitlist (position 1)" in row_of(await center.page(path, lang="en"), "staff-2")
    assert "キャンセル待ち（1番目）" in await seat_on(second, tid)

    # The center cancels the first registration with its reason (not without one); the second takes the seat.
    rid = (await registrations(site, tid))[0]["registration_id"]
    cancel = f"{path}/registrations/{rid}/cancellation"
    assert cancel in links(page)
    for lang in ("ja", "en"):
        form = await center.page(cancel, lang=lang)
        well_formed(form)
        no_reason = await center.post(f"{cancel}?lang={lang}", {"reason_ja": ""})
        assert no_reason.status_code == 422
        assert error_beside(doc(no_reason.text), "reason_ja")
    assert (await group.post(cancel, {"reason_ja": "重複"})).status_code == 403
    assert (await center.post(cancel, {"reason_ja": "重複"}, csrf=False)).status_code == 403
    assert [r["seat"] for r in await registrations(site, tid)] == ["registered", "waitlisted"]
    cancelled = await center.post(cancel, {"reason_ja": "同じ課から二人目の申込のため"})
    assert cancelled.status_code == 303, cancelled.text[:2000]
    assert cancelled.headers["location"] == f"{path}?done=registration_cancelled_by_center"
    assert [r["seat"] for r in await registrations(site, tid)] == ["cancelled", "registered"]
    page = await center.page(path, lang="ja", done="registration_cancelled_by_center")
    assert "キャンセル待ちの先頭の方に繰り上がりました" in text(page)
    assert "参加確定" in row_of(page, "staff-2")
    # In Japanese brackets, no space: 申込取消済み（センターによる取消：…）; the promoted one says so with its time.
    assert "申込取消済み（センターによる取消：同じ課から二人目の申込のため）" in row_of(page, "staff-1")
    assert "参加確定（キャンセル待ちから繰り上げ 20" in row_of(page, "staff-2")
    english = await center.page(path, lang="en")
    assert "Registration cancelled (by the center: 同じ課から二人目の申込のため)" in row_of(english, "staff-1")
    assert "(promoted from the waitlist" in row_of(english, "staff-2")
    assert "参加確定" in await seat_on(second, tid)
    assert "Seat confirmed" in await seat_on(second, tid, "en")
    assert "申込取消済み" in await seat_on(first, tid)

    # Attendance: not before the start (said why); once started, the one holding the seat is recorded present.
    assert not page.xpath(f"//form[@action='{path}/attendance']")
    assert page.xpath("//button[@disabled]")
    move_hub_clock(site.platform, starts + timedelta(minutes=5))
    page = await center.page(path, lang="ja")
    well_formed(page)
    attendance = f"{path}/attendance"
    promoted = (await registrations(site, tid))[1]["registration_id"]
    assert page.xpath(f"//form[@action='{attendance}']//input[@name='registration_ids'][@value='{promoted}']")
    version = version_on(page, attendance)
    assert (await group.post(attendance, {"version": version, "registration_ids": promoted})).status_code == 403
    # A cancelled registration is not present: refused beside the field.
    wrong = await center.post(attendance, {"version": version, "registration_ids": rid})
    assert wrong.status_code == 422
    assert error_beside(doc(wrong.text), "registration_ids")
    assert not any(r["attended"] for r in await registrations(site, tid))
    recorded = await center.post(attendance, {"version": version, "registration_ids": promoted})
    assert recorded.status_code == 303, recorded.text[:2000]
    assert [r["attended"] for r in await registrations(site, tid)] == [False, True]
    for lang in ("ja", "en"):
        shown = well_formed(await center.page(path, lang=lang))
        checked = shown.xpath(f"//input[@name='registration_ids'][@value='{promoted}']")[0]
        assert checked.get("checked") is not None
    assert "出欠を記録しました" in text(await center.page(path, lang="ja", done="attendance_recorded"))
    # Ended: the plan and the cancellation are unavailable because it has ended, not "has started".
    move_hub_clock(site.platform, starts + timedelta(hours=3))
    ended = text(await center.page(path, lang="ja"))
    assert "研修会は終了しました。中止できません。" in ended
    assert "研修会は終了しました。計画は変更できません。" in ended
    assert "始まっています" not in ended
