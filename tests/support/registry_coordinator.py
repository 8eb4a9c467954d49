"""The coordinator's registry workspace under test: a registry behind the gateway (tests/support/workspace.py) and
the scenes its pages act on, arranged through the registry's API as a group and another coordinator would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from kyodo_shared.pages.i18n import LANG_COOKIE

from support.registry import CRITERIA, application
from support.workspace import Browser, Site, workspace

COORDINATOR = "coord-ws"


@asynccontextmanager
async def registry_site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    """The registry alone behind the gateway, on its own store and bus namespace (a test module's fixture)."""
    folder: Path = tmp_path_factory.mktemp("ws-registry-coordinator")
    async with workspace(["registry"], folder, nats_url) as running:
        yield running


def headers(site: Site, sub: str, role: str, version: int | None = None) -> dict[str, str]:
    found = site.platform.token(sub, role)
    return {**found, "If-Match": f'"{version}"'} if version is not None else found


async def apply(site: Site, name: str, rep: str, **overrides: Any) -> str:
    body = application(name, **overrides)
    answer = await site.api("registry").post("/groups", json=body, headers=headers(site, rep, "group"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def group(site: Site, gid: str) -> dict[str, Any]:
    answer = await site.api("registry").get(f"/groups/{gid}", headers=headers(site, "auditor-ws", "coordinator"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def register_via_api(site: Site, gid: str) -> None:
    for criterion in CRITERIA:
        version = (await group(site, gid))["version"]
        answer = await site.api("registry").post(
            f"/groups/{gid}/assessments",
            json={"criterion": criterion, "met": True, "reason": "確認しました"},
            headers=headers(site, "coord-api", "coordinator", version),
        )
        assert answer.status_code == 200, answer.text


def coordinator(site: Site, lang: str = "ja") -> Browser:
    browser = site.browser(COORDINATOR, "coordinator")
    if lang != "ja":
        browser.client.cookies.set(LANG_COOKIE, lang)
    return browser


def version_of(page: Any) -> str:
    return str(page.xpath("//form//input[@name='version']/@value")[0])


def assessment(
    criterion: str, version: str, met: str | None = "true", reason: str = "会則第3条で確認"
) -> dict[str, str]:
    data = {"criterion": criterion, "version": version, f"{criterion}.reason": reason}
    if met is not None:
        data[f"{criterion}.met"] = met
    return data


def names_in_queue(page: Any) -> list[str]:
    return [str(a.text_content()).strip() for a in page.xpath("//table//tbody//th/a")]
