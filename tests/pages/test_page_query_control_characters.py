"""A page's query parameter holding a control character is refused as the API's is — the kit's error page, 422, with
the reason — on SQLite and PostgreSQL. After issue 22's fuzzing found `?q=%00` answered 500 by the APIs on PostgreSQL
(its text refuses NUL), the portal's directory page still sent it to the store (pages/routing.py, CheckedRoute)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.harness import Backend, platform, settings_for


@pytest.fixture(params=["sqlite", "postgres"])
def page_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path)
    return Backend("postgres", tmp_path, request.getfixturevalue("pg_database"))


@pytest_asyncio.fixture(loop_scope="session")
async def site(
    tmp_path: Path, nats_url: str, bus_namespace: str, page_backend: Backend
) -> AsyncIterator[httpx.AsyncClient]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    services = {
        name: settings_for(name, page_backend, nats_url, bus_namespace, issuer) for name in ("registry", "info-hub")
    }
    async with platform(services, issuer) as p:
        gateway = mount_services(p.apps)
        transport = httpx.ASGITransport(app=gateway, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.mark.parametrize("query", ["q=%00", "area=%1B%5B2J", "field=%00"])
async def test_a_control_character_in_the_directory_pages_query_is_refused_not_searched(
    site: httpx.AsyncClient, query: str
) -> None:
    response = await site.get(f"/groups?{query}")
    assert response.status_code == 422, response.text[:500]
    assert "text/html" in response.headers["content-type"]
    assert "使用できない制御文字が含まれています" in response.text
    assert "\x00" not in response.text
    assert "\x1b" not in response.text


async def test_the_directory_page_still_searches_japanese_text(site: httpx.AsyncClient) -> None:
    response = await site.get("/groups?q=%E6%9C%AC%E7%94%BA")
    assert response.status_code == 200, response.text[:500]
