"""The group workspace's page tests (tests/pages/test_ws_registry_group*.py): a scene arranged through the registry's
API, the application form as a browser fills it, and what the pages show and store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from kyodo_registry.app import RegistryApplication
from kyodo_shared.domain.actors import Principal, Role

from support.registry import CRITERIA, application
from support.workspace import Browser, Site, workspace

BYLAWS_PDF = "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% 恋ヶ窪あそび場の会 会則\n%%EOF\n".encode()


@asynccontextmanager
async def group_site(folder: Path, nats_url: str) -> AsyncIterator[Site]:
    async with workspace(["registry"], folder, nats_url) as running:
        yield running


def app_of(site: Site) -> RegistryApplication:
    app: RegistryApplication = site.application("registry")
    return app


def stored_events(site: Site) -> int:
    return site.domain_events("registry")


async def api_group(site: Site, group_id: str, sub: str) -> Any:
    response = await site.api("registry").get(f"/groups/{group_id}", headers=site.platform.token(sub, "group"))
    assert response.status_code == 200, response.text
    return response.json()


async def applied_by_api(site: Site, sub: str, name: str) -> str:
    response = await site.api("registry").post(
        "/groups", json=application(name), headers=site.platform.token(sub, "group")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def application_form(name: str = "恋ヶ窪あそび場の会") -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": name,
        "purpose": "子どもの外遊びの場を地域で見守り、世代を越えた交流を育てる。",
        "fields_of_activity": "子どもの健全育成\nまちづくり",
        "area": "東恋ヶ窪",
        "founded": "2019-04-01",
        "members_count": "24",
        "website": "",
        "representative.name": "佐藤 陽子",
        "representative.email": "yoko@example.jp",
        "representative.phone": "042-300-1234",
        **{f"criteria.{c}.evidence": f"{c}: 会則第2条・総会議事録" for c in CRITERIA},
        # The second row is left blank: the third row is sent as the API's `ties.0`.
        "ties.0.kind": "",
        "ties.0.counterpart": "",
        "ties.0.description": "",
        "ties.2.kind": "commercial",
        "ties.2.counterpart": "恋ヶ窪商店会",
        "ties.2.description": "夏祭りの共催",
    }
    return fields


def pdf(content: bytes = BYLAWS_PDF) -> dict[str, tuple[str, bytes, str]]:
    return {"bylaws": ("会則.pdf", content, "application/pdf")}


def principal_of(browser: Browser) -> Any:
    return Principal(browser.sub, frozenset({Role.GROUP}))


def version_of(group: dict[str, Any]) -> dict[str, str]:
    return {"version": f'"{group["version"]}"'}


async def assessed(site: Site, group_id: str, representative: str, unmet: tuple[str, ...] = ()) -> dict[str, Any]:
    """The six criteria assessed by a coordinator through the API (met unless named in `unmet`)."""
    group: dict[str, Any] = await api_group(site, group_id, representative)
    for criterion in CRITERIA:
        version = group["version"]
        response = await site.api("registry").post(
            f"/groups/{group_id}/assessments",
            json={"criterion": criterion, "met": criterion not in unmet, "reason": "会則と議事録で確認"},
            headers={**site.platform.token("coord-assess", "coordinator"), "If-Match": f'"{version}"'},
        )
        assert response.status_code == 200, response.text
        group = response.json()
    return group
