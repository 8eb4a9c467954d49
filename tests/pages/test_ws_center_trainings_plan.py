"""info-hub's center pages for trainings, the plan's side (real stores, real NATS): an exchange meeting's plan is
revised from its prefilled form (wrong input and a stale version refused beside the fields, ja and en) and
announced; another training is cancelled with its reason, which its public page then shows; once the meeting has
ended its minutes are published and read on the portal. A group's person gets the 403 page and nothing is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest_asyncio

from support.info_hub_cases import HUB
from support.info_hub_trainings import CENTER, announced, drafted, move_hub_clock, plan
from support.page_reading import doc, error_beside, text, version_on, well_formed
from support.workspace import Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


async def title_of(site: Site, training_id: str) -> str:
    p = site.platform
    found = await p.clients[HUB].get(f"/trainings/{training_id}", headers=p.token(*CENTER))
    assert found.status_code == 200, found.text
    return str(found.json()["title_ja"])


async def test_a_plan_is_revised_and_announced_a_training_cancelled_and_minutes_published(site: Site) -> None:
    p = site.platform
    center, group = site.browser("coord-1", "coordinator"), site.browser("rep-g", "group")
    meeting = await drafted(p, plan(kind="exchange_meeting", title_ja="協働推進意見交換会"))
    path = f"/center/trainings/{meeting['id']}"
    form_path = f"{path}/plan"

    # The plan's form shows the stored plan (times in Japan time, to the minute).
    form = await center.page(form_path, lang="ja")
    well_formed(form)
    assert form.xpath("//input[@name='title_ja']/@value") == ["協働推進意見交換会"]
    starts = datetime.fromisoformat(meeting["starts_at"])
    assert form.xpath("//input[@name='starts_at']/@value") == [starts.strftime("%Y-%m-%dT%H:%M")]
    names = ("title_ja", "starts_at", "ends_at", "place", "capacity", "registration_opens_at")
    fields = {name: str(form.xpath(f"//*[@name='{name}']/@value")[0]) for name in (*names, "registration_closes_at")}
    fields["description_ja"] = text(form.xpath("//textarea[@name='description_ja']")[0])
    revised = {**fields, "audience": ["groups", "staff"], "title_ja": "第2回 協働推進意見交換会"}
    version = version_on(form, form_path)

    before = site.domain_events(HUB)
    for lang in ("ja", "en"):
        wrong = await center.post(f"{form_path}?lang={lang}", {**revised, "capacity": "0", "version": version})
        assert wrong.status_code == 422
        assert error_beside(well_formed(doc(wrong.text)), "capacity")
    assert (await center.post(form_path, {**revised, "version": '"99"'})).status_code == 412
    assert (await group.post(form_path, {**revised, "version": version})).status_code == 403
    assert (await center.post(form_path, {**revised, "version": version}, csrf=False)).status_code == 403
    assert site.domain_events(HUB) == before
    done = await center.post(form_path, {**revised, "version": version})
    assert done.status_code == 303, done.text[:3000]
    assert done.headers["location"] == f"{path}?done=training_revised"
    assert await title_of(site, meeting["id"]) == "第2回 協働推進意見交換会"
    page = await center.page(path)
    announce = f"{path}/announcement"
    assert (await center.post(announce, {"version": version_on(page, announce)})).status_code == 303

    # Another training cancelled with its reason (not without one); its public page says so.
    other = await announced(p, plan())
    other_path = f"/center/trainings/{other['id']}"
    cancel = f"{other_path}/cancellation"
    page = await center.page(other_path)
    for lang in ("ja", "en"):
        wrong = await center.post(f"{cancel}?lang={lang}", {"version": version_on(page, cancel), "reason_ja": ""})
        assert wrong.status_code == 422
        assert error_beside(doc(wrong.text), "reason_ja")
    forced = await group.post(cancel, {"version": version_on(page, cancel), "reason_ja": "講師の都合"})
    assert forced.status_code == 403
    cancelled = await center.post(cancel, {"version": version_on(page, cancel), "reason_ja": "講師の都合により中止"})
    assert cancelled.status_code == 303, cancelled.text[:2000]
    assert "講師の都合により中止" in text(await center.page(other_path, lang="ja"))
    public = await site.visitor().get(f"/trainings/{other['id']}", params={"lang": "ja"})
    assert "講師の都合により中止" in public.text

    # Minutes: not before the meeting has ended (said why); then published and read on the portal.
    page = await center.page(path, lang="ja")
    assert not page.xpath(f"//form[@action='{path}/minutes']")
    assert "議事録は意見交換会の終了後に公開できます" in text(page)
    move_hub_clock(p, datetime.fromisoformat(meeting["ends_at"]) + timedelta(minutes=10))
    page = await center.page(path, lang="ja")
    well_formed(page)
    minutes = f"{path}/minutes"
    no_text = await center.post(minutes, {"version": version_on(page, minutes), "minutes_ja": ""})
    assert no_text.status_code == 422
    assert error_beside(doc(no_text.text), "minutes_ja")
    body = {"version": version_on(page, minutes), "minutes_ja": "地域の居場所づくりについて意見を交わした。"}
    assert (await group.post(minutes, body)).status_code == 403
    published = await center.post(minutes, body)
    assert published.status_code == 303, published.text[:2000]
    assert "議事録を公開しました" in text(await center.page(path, lang="ja", done="minutes_published"))
    public = await site.visitor().get(f"/trainings/{meeting['id']}", params={"lang": "ja"})
    assert "地域の居場所づくりについて意見を交わした。" in public.text
    for lang in ("ja", "en"):
        well_formed(await center.page(path, lang=lang))
        well_formed(await center.page("/center/trainings", lang=lang))
