"""info-hub's calls API names the groups in a call's results (real NATS; SQLite and PostgreSQL stores): each ranked
and set-aside proposal carries `group_name` from the directory, read when answering — null for a group the directory
does not hold (dissolved, or never registered) — beside the results exactly as the decision published them.

The read models are fed through info-hub's own bus handlers (tests/support/info_hub_open_data.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from kyodo_contracts import registry as r
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, platform, settings_for
from support.info_hub_open_data import call, feed, group, hub, result


@pytest_asyncio.fixture(loop_scope="session")
async def info_hub(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("info-hub", api_backend, nats_url, bus_namespace, issuer)
    assert isinstance(settings, InfoHubSettings)
    async with platform({"info-hub": settings}, issuer) as p:
        yield p


async def get(p: Platform, url: str, **params: Any) -> Any:
    response = await hub(p).get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def without_names(results: dict[str, Any]) -> dict[str, Any]:
    strip = [{k: v for k, v in e.items() if k != "group_name"} for e in results["proposals"]]
    aside = [{k: v for k, v in e.items() if k != "group_name"} for e in results["set_aside"]]
    return {**results, "proposals": strip, "set_aside": aside}


async def test_a_calls_results_name_each_group_from_the_directory_and_null_for_one_not_in_it(
    info_hub: Platform,
) -> None:
    kodomo, mimamori, stranger = group("こくぶんじ子ども食堂"), group("西元町 見守り隊"), uuid.uuid4()
    feed(info_hub, "registry", kodomo, mimamori)
    published = call()
    decision = result(published.call_id, [kodomo.group_id, mimamori.group_id], stranger, "地域との連携が具体的")
    feed(info_hub, "proposals", published, decision)

    one = await get(info_hub, f"/calls/{published.call_id}")
    listed = await get(info_hub, "/calls", status="results_published")
    assert [c["id"] for c in listed["items"]] == [str(published.call_id)]
    for results in (one["results"], listed["items"][0]["results"]):
        ranked = [(p["rank"], p["group_id"], p["group_name"]) for p in results["proposals"]]
        assert ranked == [
            (1, str(kodomo.group_id), "こくぶんじ子ども食堂"),
            (2, str(mimamori.group_id), "西元町 見守り隊"),
        ]
        # A group the directory never held: its id, and no name — never a guess.
        assert [(s["group_id"], s["group_name"], s["reason"]) for s in results["set_aside"]] == [
            (str(stranger), None, "lapsed")
        ]
        # Additive: without the names, the results are the decision as published, field for field.
        assert without_names(results) == decision.model_dump(mode="json", exclude={"call_id"})


async def test_a_name_is_read_when_answering_so_a_group_dissolved_since_has_none(
    info_hub: Platform,
) -> None:
    kodomo = group("こくぶんじ子ども食堂")
    feed(info_hub, "registry", kodomo)
    published = call()
    feed(info_hub, "proposals", published, result(published.call_id, [kodomo.group_id], uuid.uuid4(), "理由"))
    path = f"/calls/{published.call_id}"
    assert (await get(info_hub, path))["results"]["proposals"][0]["group_name"] == "こくぶんじ子ども食堂"

    feed(info_hub, "registry", r.GroupDissolved(group_id=kodomo.group_id, reason="解散"))  # it leaves the directory
    assert (await get(info_hub, path))["results"]["proposals"][0]["group_name"] is None


async def test_the_api_document_describes_group_name_and_what_null_means(info_hub: Platform) -> None:
    schemas = (await get(info_hub, "/openapi.json"))["components"]["schemas"]
    for model in ("RankedProposalView", "SetAsideView"):
        field = schemas[model]["properties"]["group_name"]
        assert "null" in field["description"]
        assert "not in" in field["description"]
        assert {"type": "null"} in field["anyOf"]
