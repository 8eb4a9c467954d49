"""Listing and searching groups in the registry: by field of activity, area, status and Japanese-normalized text,
paginated; applications are listed to coordinators only.
"""

from __future__ import annotations

from typing import Any

from support.harness import Platform, eventually
from support.lifecycle import GroupClient


async def listing(p: Platform, token: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    response = await p.clients["registry"].get("/groups", params=params, headers=token or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def seeded(p: Platform) -> dict[str, str]:
    groups = {
        "スポーツ": GroupClient(p, representative="rep-a"),
        "史跡": GroupClient(p, representative="rep-b"),
        "申請中": GroupClient(p, representative="rep-c"),
    }
    await groups["スポーツ"].apply(name="こくぶんじスポーツクラブ", fields_of_activity=["スポーツ振興"], area="光町")
    await groups["史跡"].apply(name="西元町史跡の会", fields_of_activity=["文化・芸術"], area="西元町")
    await groups["申請中"].apply(name="ひかり子ども食堂", fields_of_activity=["子どもの健全育成"], area="光町")
    await groups["スポーツ"].assess_all()
    await groups["史跡"].assess_all()
    coordinator = p.token("coord-1", "coordinator")

    async def indexed() -> bool:
        statuses = sorted(item["status"] for item in (await listing(p, coordinator))["items"])
        return statuses == ["registered", "registered", "under_review"]

    await eventually(indexed, timeout=20)
    return {key: client.group_id for key, client in groups.items()}


async def test_the_public_lists_registered_groups_and_coordinators_also_see_applications(registry: Platform) -> None:
    ids = await seeded(registry)
    public = await listing(registry)
    assert [item["name"] for item in public["items"]] == ["こくぶんじスポーツクラブ", "西元町史跡の会"]
    assert all(item["status"] == "registered" for item in public["items"])
    staff = await listing(registry, registry.token("coord-1", "coordinator"), status="under_review")
    assert [item["id"] for item in staff["items"]] == [ids["申請中"]]
    refused = await registry.clients["registry"].get("/groups", params={"status": "under_review"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "status"


async def test_searches_by_field_area_and_text_with_japanese_normalized(registry: Platform) -> None:
    ids = await seeded(registry)
    coordinator = registry.token("coord-1", "coordinator")
    by_field = await listing(registry, field="ｽﾎﾟｰﾂ振興")
    assert [item["id"] for item in by_field["items"]] == [ids["スポーツ"]]
    by_area = await listing(registry, coordinator, area="光町")
    assert {item["id"] for item in by_area["items"]} == {ids["スポーツ"], ids["申請中"]}
    by_text = await listing(registry, q="ｼｾｷ")
    assert by_text["total"] == 0, "katakana search does not match kanji"
    by_kana = await listing(registry, coordinator, q="ﾋｶﾘ子ども")
    assert [item["id"] for item in by_kana["items"]] == [ids["申請中"]]
    first = await listing(registry, coordinator, per_page=2)
    second = await listing(registry, coordinator, per_page=2, page=2)
    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    assert {i["id"] for i in first["items"] + second["items"]} == set(ids.values())


async def test_a_page_of_groups_links_to_the_next_and_keeps_the_search(registry: Platform) -> None:
    await seeded(registry)
    client = registry.clients["registry"]
    coordinator = registry.token("coord-1", "coordinator")
    first = await client.get("/groups", params={"area": "光町", "per_page": 1}, headers=coordinator)
    links = first.headers["Link"]
    assert '<?area=%E5%85%89%E7%94%BA&page=2&per_page=1>; rel="next"' in links
    assert 'rel="prev"' not in links
    following = await client.get(first.url.join(first.links["next"]["url"]), headers=coordinator)
    assert following.status_code == 200
    assert (following.json()["page"], following.json()["total"]) == (2, 2)
