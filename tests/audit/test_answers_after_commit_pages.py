"""A page's form action answers without the store once its command has committed (issue 22): the one-time link of a
survey invitation, issued or reissued, is shown even when the survey's page cannot be read back — a coordinator shown
an error instead would invite the group a second time. (With the store there, the link is shown on the survey's
page itself: tests/pages/test_ws_center_surveys.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from support.after_commit import summary, watching
from support.info_hub_cases import HUB, hub_now
from support.info_hub_surveys import drafted, questionnaire
from support.page_reading import doc, text
from support.workspace import Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace(["registry", HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


async def test_an_invitations_link_is_shown_on_its_page_even_when_the_store_is_gone_after_the_save(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey = await drafted(site.platform, questionnaire(hub_now(site.platform)))
    path = f"/center/surveys/{survey['id']}"
    coordinator = site.browser("coord-1", "coordinator")
    with watching(monkeypatch) as watched:
        invited = await coordinator.post(f"{path}/invitations", {"name_ja": "招待の会"})
        assert not watched.reaching_after_save(), summary(watched.reaching_after_save())
        assert invited.status_code == 200, invited.text[:2000]
        assert invited.headers["cache-control"] == "no-store"
        (link,) = [text(code) for code in doc(invited.text).xpath("//code[@data-link]")]
        assert f"/surveys/{survey['id']}/answers/" in link
        assert "#token=" in link
        assert doc(invited.text).xpath(f"//a[@href='{path}']"), "a way back to the survey"
        assert [w.tolerated for w in watched.saved()][-1], "the survey's page was tried, and given up"
    page = await coordinator.page(path, lang="ja")
    (reissue,) = page.xpath("//form[contains(@action, '/reissue')]/@action")
    with watching(monkeypatch) as watched:
        again = await coordinator.post(str(reissue), {})
        assert not watched.reaching_after_save(), summary(watched.reaching_after_save())
        assert again.status_code == 200, again.text[:2000]
        (new_link,) = [text(code) for code in doc(again.text).xpath("//code[@data-link]")]
        assert new_link != link
