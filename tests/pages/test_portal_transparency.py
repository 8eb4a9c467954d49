"""The portal's transparency page (real store, real NATS): every service's mirrored checkpoints with a link to its
own transparency page, how to run `kyodo audit verify --url` (the real command and options), and info-hub's own
signed checkpoints and keys — once info-hub has events, its checkpoint is signed, published on the bus and mirrored,
and the page shows it on both sides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from support.harness import Backend, eventually
from support.info_hub_surveys import drafted, questionnaire
from support.portal_b import Portal, headings_in_order, one, portal, table, text


@pytest_asyncio.fixture(loop_scope="session")
async def hub(tmp_path: Path, nats_url: str, bus_namespace: str, backend: Backend) -> AsyncIterator[Portal]:
    async with portal(tmp_path, backend, nats_url, bus_namespace) as found:
        yield found


async def test_the_transparency_page_shows_each_services_checkpoints_and_how_to_verify_the_history(hub: Portal) -> None:
    await drafted(hub.platform, questionnaire())  # events for info-hub's chain, so a checkpoint is signed
    hub.platform.apps["info-hub"].state.kernel.nudge()

    async def mirrored() -> Any:
        page = await hub.page("/transparency", lang="ja")
        rows = {row[0]: row for row in table(page, "ポータルが複製した署名付きチェックポイント")[1:]}
        own = page.xpath("//section[contains(@class, 'checkpoints')]//table//tbody/tr")
        return [page, rows] if rows["info-hub"][1] != "0" and own else None

    page, rows = await eventually(mirrored, timeout=30)
    assert headings_in_order(page)
    assert list(rows) == ["registry", "screening", "proposals", "evaluation", "info-hub"]
    for service in ("registry", "screening", "proposals", "evaluation"):
        assert page.xpath(f"//a[@href='/{service}/transparency']")
        assert page.xpath(f"//a[@href='/api/info-hub/open-data/checkpoints?service={service}']")
    # The mirrored copy and info-hub's own list name the same latest position.
    latest = page.xpath("//caption[@id='checkpoints-caption-info-hub']/..//tbody/tr/td[1]")[0]
    assert int(rows["info-hub"][2].replace(",", "")) <= int(text(latest).replace(",", ""))
    assert page.xpath("//caption[@id='keys-caption-info-hub']/..//tbody/tr/th/code")  # info-hub's public key
    commands = [text(code) for code in page.xpath("//pre/code")]
    assert any(c.endswith("kyodo audit verify registry --url http://test/api/registry") for c in commands)
    assert any(
        "--checkpoints-url 'http://test/api/info-hub/open-data/checkpoints?service=registry'" in c for c in commands
    )
    assert "kyodo audit verify info-hub --url http://test/api/info-hub" in commands
    sealed = text(one(page, "//h2[text()='封印されるものと公開される時期']/following-sibling::ul[1]"))
    assert "締切まで封印" in sealed
