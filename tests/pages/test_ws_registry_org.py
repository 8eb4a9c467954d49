"""The coordinator's organisation pages in the registry (departments, the team, committees, declared interests):
each form posts to a page route that calls the API route's own application method, so what a form does is checked
through the public API afterwards; invalid input comes back beside its fields in Japanese and English with nothing
stored; a reader who is not a coordinator sees why a form is missing and is refused (403) when forcing a post."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from kyodo_registry.app import RegistryApplication

from support.portal_b import headings_in_order, one, table, text
from support.workspace import Site, workspace

COORDINATOR = "coord-org"


@pytest_asyncio.fixture(scope="module")
async def site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    folder: Path = tmp_path_factory.mktemp("ws-registry-org")
    async with workspace(["registry"], folder, nats_url, f"t{uuid.uuid4().hex[:8]}") as running:
        yield running


def app_of(site: Site) -> RegistryApplication:
    app: RegistryApplication = site.platform.apps["registry"].state.kernel.application
    return app


def stored_events(site: Site) -> int:
    return app_of(site).recorder.max_notification_id() or 0


async def api_get(site: Site, path: str) -> Any:
    response = await site.api("registry").get(path)
    assert response.status_code == 200, response.text
    return response.json()


def version_on(page: Any, action: str) -> str:
    return str(one(page, f"//form[@action='{action}']//input[@name='version']").get("value"))


def errors_beside(page: Any, name: str) -> str:
    """The error text shown beside the field `name` (the kit's `field-<name>-error`)."""
    field_id = "field-" + name.replace(".", "-")
    return text(one(page, f"//*[@id='{field_id}-error']"))


async def test_a_coordinator_registers_a_department_assigns_staff_and_appoints_the_liaison(site: Site) -> None:
    coordinator = site.browser(COORDINATOR, "coordinator")
    page = await coordinator.page("/registry/departments")
    assert headings_in_order(page)
    assert one(page, "//h1").text_content() == "部署"

    answer = await coordinator.post(
        "/registry/departments", {"code": "KOSODATE", "name_ja": "子ども子育て支援課", "name_en": "Child Support"}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/registry/departments?done=department_registered"
    listed = await coordinator.page(answer.headers["location"])
    assert "部署を登録しました" in text(one(listed, "//*[@role='status']"))
    [found] = [d for d in (await api_get(site, "/departments"))["items"] if d["code"] == "KOSODATE"]
    here = f"/registry/departments/{found['id']}"
    assert one(listed, f"//a[@href='{here}']").text_content() == "子ども子育て支援課"

    page = await coordinator.page(here)
    assert headings_in_order(page)
    answer = await coordinator.post(
        f"{here}/staff",
        {
            "staff_sub": "staff-ko-1",
            "job_title": "主査",
            "since": "2026-04-01",
            "version": version_on(page, f"{here}/staff"),
        },
    )
    assert answer.status_code == 303, answer.text
    page = await coordinator.page(f"{here}/liaison")
    answer = await coordinator.post(
        f"{here}/liaison", {"staff_sub": "staff-ko-1", "version": version_on(page, f"{here}/liaison")}
    )
    assert answer.status_code == 303, answer.text
    department = await api_get(site, f"/departments/{found['id']}")
    assert [s["staff_sub"] for s in department["staff"]] == ["staff-ko-1"]
    assert department["staff"][0]["job_title"] == "主査"
    assert department["liaison"]["staff_sub"] == "staff-ko-1"
    page = await coordinator.page(here)
    assert table(page, "職員")[1][0].startswith("staff-ko-1")
