"""Every service serves the auditor's pages from its kernel (`/registry/audit`, `/proposals/audit`,
`/screening/audit`, `/evaluation/audit`, and `/info-hub/audit` for info-hub, whose pages are the portal at `/`): each
shows its own history, checkpoints and keys, in Japanese and English; evaluation's recompute page answers for a
project; a service's index lists the audit page for an auditor; anyone else gets the 403 page.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from kyodo_shared.pages.kit_pages import SERVICE_NAMES

from support.page_reading import text, well_formed
from support.workspace import workspace

SERVICES = ["registry", "screening", "proposals", "evaluation", "info-hub"]
# Each page is headed by the service's name (the kit's SERVICE_NAMES), never its key.
NAMES_JA = {
    "registry": "団体登録",
    "screening": "市の事業の選別",
    "proposals": "協働事業の提案募集",
    "evaluation": "協働事業の評価",
    "info-hub": "こくぶんじ市民活動センター",
}


async def test_every_service_serves_the_auditors_pages_and_refuses_anyone_else(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        auditor = site.browser("aud-1", "auditor")
        staff = site.browser("staff-1", "staff", "coordinator")
        for service in SERVICES:
            path = f"/{service}/audit"
            for lang, heading in (("ja", f"監査：{NAMES_JA[service]}"), ("en", f"Audit: {SERVICE_NAMES[service]}")):
                page = well_formed(await auditor.page(path, lang=lang))
                assert text(page.xpath("//h1")[0]) == heading
                # Its own API's downloads.
                exports = page.xpath("//h2[@id='exports']/following-sibling::ul[1]//a/@href")
                assert f"/api/{service}/audit/checkpoints" in exports
                assert any(href.startswith(f"/api/{service}/audit/events?") for href in exports)
            # The auditor's browser downloads them with its session.
            for href in exports:
                answer = await auditor.get(href)
                assert answer.status_code == 200, (href, answer.text[:500])
                assert answer.headers["content-type"].startswith("application/json")
            await staff.page(path, status=403)
        # The recompute of an evaluation: a project the history does not hold is no agreement.
        project = uuid.uuid4()
        for lang, shown in (
            ("ja", "再計算は提言と一致しません"),
            ("en", "The recompute differs from the recommendation"),
        ):
            page = well_formed(await auditor.page(f"/evaluation/audit/projects/{project}", lang=lang))
            assert page.xpath("//*[@data-verdict]/@data-verdict") == ["differs"]
            assert shown in text(page)
        await staff.page(f"/evaluation/audit/projects/{project}", status=403)
        # Each service's index lists its audit page for an auditor only.
        for service in ("registry", "screening", "proposals", "evaluation"):
            index = await auditor.page(f"/{service}/", lang="en")
            assert index.xpath(f"//a[@href='/{service}/audit']")
            assert not (await staff.page(f"/{service}/", lang="en")).xpath(f"//a[@href='/{service}/audit']")
