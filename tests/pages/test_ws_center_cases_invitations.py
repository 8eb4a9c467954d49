"""The invitation form of a coordination case (`/me/cases/{cid}` as the center), worded for where the matching
stands (issue 21): with no matching group found, any registered group is offered as such — not as "or another";
beside matching groups still to invite, "or another registered group"; once every matching group is invited,
"another registered group" with the reason; with nobody left, the form is unavailable and says why. In Japanese and
English, read from the page (info-hub with the registry beside it, real stores, real NATS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from support.info_hub_cases import HUB, raised, read, world
from support.page_reading import text, version_on, well_formed
from support.workspace import Browser, Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace(["registry", HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


async def posted(browser: Browser, path: str, action: str, data: dict[str, Any] | None = None) -> Any:
    page = await browser.page(path)
    target = f"{path}/{action}"
    return await browser.post(target, {**(data or {}), "version": version_on(page, target)})


def other_group(page: Any) -> tuple[str, list[str]]:
    """The other-group choice of the invitation form: its label and hint (the field's words), and its groups' ids."""
    (field,) = page.xpath("//select[@name='other_group_id']/ancestor::div[contains(@class, 'form-group')][1]")
    offered = [str(v) for v in field.xpath(".//option/@value") if v]
    return text(field.xpath(".//label")[0]) + " | " + " ".join(text(h) for h in field.xpath(".//p")), offered


async def test_the_invitation_form_is_worded_for_no_some_and_all_matching_groups_invited(site: Site) -> None:
    p = site.platform
    w = await world(p)
    case = await raised(p, w)  # 子育て in 本町, raised by G: H matches (子育て, 本町), K does not (スポーツ, 西町)
    path = f"/me/cases/{case['id']}"
    center = site.browser("coord-1", "coordinator")

    # No matching group found yet: any registered group, said so (not "or another"); the raiser is not offered.
    page = well_formed(await center.page(path, lang="ja"))
    words, offered = other_group(page)
    assert words.startswith("登録団体を招待する")
    assert "一致する団体は見つかっていません" in words
    assert "または" not in words
    assert sorted(offered) == sorted([w.h, w.k])
    english, _ = other_group(well_formed(await center.page(path, lang="en")))
    assert english.startswith("Invite a registered group")
    assert "No matching group has been found" in english

    # H found and not invited yet: its box to tick, and K as "or another registered group".
    assert (await posted(center, path, "suggestions")).status_code == 303
    page = well_formed(await center.page(path, lang="ja"))
    assert page.xpath(f"//input[@name='group_ids'][@value='{w.h}']")
    words, offered = other_group(page)
    assert words.startswith("または他の登録団体")
    assert offered == [w.k]

    # Every matching group invited: no box left, K offered as another registered group, with the reason.
    assert (await posted(center, path, "invitations", {"group_ids": w.h})).status_code == 303
    page = well_formed(await center.page(path, lang="ja"))
    assert not page.xpath("//input[@name='group_ids']")
    words, offered = other_group(page)
    assert words.startswith("他の登録団体を招待する")
    assert "一致した団体はすべて招待済みです。" in words
    assert offered == [w.k]
    english, _ = other_group(well_formed(await center.page(path, lang="en")))
    assert english.startswith("Invite another registered group")
    assert "Every matching group is invited already." in english

    # K invited too: nobody is left, and the page says both reasons instead of a form.
    assert (await posted(center, path, "invitations", {"other_group_id": w.k})).status_code == 303
    assert sorted(i["group_id"] for i in (await read(p, case["id"]))["invited"]) == sorted([w.h, w.k])
    page = well_formed(await center.page(path, lang="ja"))
    assert not page.xpath(f"//form[@action='{path}/invitations']")
    reason = text(page.xpath("//p[@id='invite-unavailable']")[0])
    assert reason == "一致した団体はすべて招待済みで、ほかに招待できる登録団体は残っていません。"
