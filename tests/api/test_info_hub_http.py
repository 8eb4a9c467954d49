"""info-hub's public lists over HTTP (real NATS; SQLite and PostgreSQL stores): the directory and the calls pages
follow the kernel's list convention — page/per_page, total in the body, Link headers to the other pages.

The directory is fed through info-hub's own bus handler, in one transaction as the consumer runtime applies a
batch; the registry's side of the flow is covered end to end in tests/e2e.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest_asyncio

from kyodo_contracts import registry as r
from kyodo_info_hub.bus.directory import on_groups_registered
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, platform, settings_for

AREAS = ["本町", "光町", "西元町"]


@pytest_asyncio.fixture(loop_scope="session")
async def info_hub(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("info-hub", api_backend, nats_url, bus_namespace, issuer)
    async with platform({"info-hub": settings}, issuer) as p:
        yield p


def registered(n: int) -> Envelope:
    profile = r.GroupProfile(
        name=f"こくぶんじ市民の会 {n:02d}",
        purpose="地域の見守り活動",
        fields_of_activity=["まちづくり"],
        area=AREAS[n % len(AREAS)],
        founded=date(2019, 4, 1),
    )
    event = r.GroupRegistered(
        group_id=uuid.uuid4(), profile=profile, representative_sub=f"rep-{n}", renewal_due=date(2027, 3, 31)
    )
    return Envelope(
        id=str(uuid.uuid4()),
        source="registry",
        type=event.ce_type(),
        time=datetime(2026, 4, 1, tzinfo=UTC),
        subject=str(event.group_id),
        sequence=n + 1,
        correlation_id="c",
        causation_id="c",
        data=event,
    )


def seed_directory(p: Platform, count: int) -> None:
    with p.apps["info-hub"].state.kernel.db.transaction() as tx:
        on_groups_registered([registered(n) for n in range(count)], tx)


def links(response: httpx.Response) -> dict[str, str]:
    found = re.findall(r'<([^>]*)>; rel="([a-z]+)"', response.headers["link"])
    return {rel: str(response.request.url.join(target)) for target, rel in found}


async def get(p: Platform, url: str, **params: Any) -> httpx.Response:
    response = await p.clients["info-hub"].get(url, params=params)
    assert response.status_code == 200, response.text
    return response


async def test_the_directory_is_paged_with_its_total_and_links_that_keep_the_search(info_hub: Platform) -> None:
    seed_directory(info_hub, 25)
    response = await get(info_hub, "/groups", area="光町", per_page=3)
    body = response.json()
    assert (body["total"], body["page"], body["per_page"]) == (8, 1, 3)
    assert [item["area"] for item in body["items"]] == ["光町"] * 3
    assert set(links(response)) == {"first", "next", "last"}
    assert parse_qsl(urlsplit(links(response)["last"]).query) == [("area", "光町"), ("page", "3"), ("per_page", "3")]

    names: list[str] = []
    while True:
        names += [item["name"] for item in response.json()["items"]]
        following = links(response).get("next")
        if following is None:
            break
        response = await info_hub.clients["info-hub"].get(following)
    assert names == sorted(names)
    assert len(names) == len(set(names)) == 8
    assert set(links(response)) == {"first", "prev", "last"}


async def test_the_directory_refuses_more_than_100_per_page(info_hub: Platform) -> None:
    refused = await info_hub.clients["info-hub"].get("/groups", params={"per_page": 101})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "query.per_page"


async def test_the_calls_list_follows_the_same_convention(info_hub: Platform) -> None:
    response = await get(info_hub, "/calls", status="cancelled", page=2, per_page=5)
    assert response.json() == {"items": [], "total": 0, "page": 2, "per_page": 5}
    assert parse_qsl(urlsplit(links(response)["prev"]).query) == [
        ("status", "cancelled"),
        ("page", "1"),
        ("per_page", "5"),
    ]


async def test_open_data_and_single_entries_keep_their_urls(info_hub: Platform) -> None:
    seed_directory(info_hub, 1)
    group_id = (await get(info_hub, "/groups")).json()["items"][0]["id"]
    assert (await get(info_hub, f"/groups/{group_id}")).json()["name"] == "こくぶんじ市民の会 00"
    missing = await info_hub.clients["info-hub"].get(f"/calls/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()["code"]) == (404, "call_not_found")
    assert (await get(info_hub, "/open-data/checkpoints", service="registry")).json() == {
        "service": "registry",
        "items": [],
    }
    assert (await get(info_hub, "/open-data/keys", service="registry")).json() == {"service": "registry", "keys": {}}
