"""The evaluation service's part of `kyodo up --demo`, all through public HTTP APIs (services never import each
other): the evaluation committee in the registry, the screening round's second project decided suitable for
co-hosting (共催), and from that decision a collaboration project with a demo group whose agreement both partners
have concluded."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.service import DemoContext

# Who the earlier demos made (registry: groups and their representatives demo-representative-<n>; screening: the
# departments' liaisons and the team), read by name and through the APIs.
DEMO_GROUP = "恋ヶ窪子育てネットワーク"
LIAISON = "demo-staff-kosodate"
TEAM = ("demo-staff-kosodate", "demo-staff-kyodo")
PROJECT_NUMBER = "K-002"
# The screening round's default checklist (the same answers screening's demo gives K-001).
ANSWERS = [
    {"key": key, "rating": "yes", "reason": reason}
    for key, reason in (
        ("citizen_view", "子どもと保護者の声を居場所づくりに活かせる"),
        ("expertise", "子育て支援団体の見守りの経験が活かせる"),
        ("flexibility", "地域ごとの事情に応じた運営が必要"),
        ("community", "地域の大人が関わる居場所になる"),
        ("cost_effectiveness", "団体との共催で費用を分担できる"),
    )
]


async def _until(
    attempt: Callable[[], Awaitable[httpx.Response]],
    status: int = 200,
    ready: Callable[[httpx.Response], bool] = lambda _: True,
) -> httpx.Response:
    """Retry (about 30 seconds at most) while a service has not yet heard the events another published, or its
    lists do not yet show what was just written."""
    response = await attempt()
    for _ in range(150):
        if response.status_code == status and ready(response):
            return response
        await asyncio.sleep(0.2)
        response = await attempt()
    response.raise_for_status()
    raise RuntimeError(f"demo: {response.request.url} did not show what the evaluation demo needs")


def _numbered(number: str) -> Callable[[httpx.Response], bool]:
    return lambda r: any(p["project_number"] == number for p in r.json()["items"])


def _named(name: str) -> Callable[[httpx.Response], bool]:
    return lambda r: any(g["name"] == name for g in r.json()["items"])


async def seed(demo: DemoContext) -> None:
    coordinator = demo.headers("demo-coordinator", "coordinator")
    async with (
        httpx.AsyncClient(base_url=demo.url("registry"), timeout=30) as registry,
        httpx.AsyncClient(base_url=demo.url("screening"), timeout=30) as screening,
        httpx.AsyncClient(base_url=demo.url("evaluation"), timeout=30) as evaluation,
    ):
        await _committee(registry, coordinator)
        decision_id = await _co_hosting_decision(demo, screening, coordinator)
        group_id, representative = await _demo_group(registry, coordinator)
        await _project(demo, evaluation, coordinator, decision_id, group_id, representative)


async def _committee(client: httpx.AsyncClient, coordinator: dict[str, str]) -> None:
    """The collaboration-project evaluation committee (協働事業評価委員会): three members, a chair and a vice-chair."""
    created = await client.post(
        "/committees", json={"kind": "evaluation_committee", "name_ja": "協働事業評価委員会"}, headers=coordinator
    )
    created.raise_for_status()
    committee_id, etag = str(created.json()["id"]), created.headers["ETag"]
    today = datetime.now(TOKYO).date()
    term = {"term_start": today.isoformat(), "term_end": (today + timedelta(days=730)).isoformat()}
    for index, name in enumerate(("学識経験者 評価委員", "市民公募 評価委員", "市民活動団体 評価委員"), start=1):
        appointed = await client.post(
            f"/committees/{committee_id}/members",
            json={"member_sub": f"demo-evaluator-{index}", "name": name, **term},
            headers={**coordinator, "If-Match": etag},
        )
        appointed.raise_for_status()
        etag = appointed.headers["ETag"]
    officers = await client.put(
        f"/committees/{committee_id}/officers",
        json={"chair_sub": "demo-evaluator-1", "vice_chair_sub": "demo-evaluator-2"},
        headers={**coordinator, "If-Match": etag},
    )
    officers.raise_for_status()


async def _co_hosting_decision(demo: DemoContext, client: httpx.AsyncClient, coordinator: dict[str, str]) -> str:
    """As screening's demo decided K-001: the liaison's self-check, both team members' assessments (one from
    another department), then the coordinator's decision — here suitable for co-hosting."""
    rounds = await _until(lambda: client.get("/rounds", headers=coordinator), ready=lambda r: bool(r.json()["items"]))
    round_id = rounds.json()["items"][0]["id"]
    projects = await _until(
        lambda: client.get(f"/rounds/{round_id}/projects", headers=coordinator), ready=_numbered(PROJECT_NUMBER)
    )
    project_id = next(p["id"] for p in projects.json()["items"] if p["project_number"] == PROJECT_NUMBER)
    base = f"/rounds/{round_id}/projects/{project_id}"
    checked = await client.put(f"{base}/self-check", json={"answers": ANSWERS}, headers=demo.headers(LIAISON, "staff"))
    checked.raise_for_status()
    for sub in TEAM:
        assessed = await client.post(
            f"{base}/assessments", json={"answers": ANSWERS}, headers=demo.headers(sub, "staff", "team")
        )
        assessed.raise_for_status()
    current = await client.get(base, headers=coordinator)
    decision = {
        "outcome": "suitable",
        "forms": ["co_hosting"],
        "reasons_ja": "地域の子育て団体と市が共催することで、放課後の居場所を地域に根づかせる。",
        "reasons_en": "Co-hosted with a local childcare group, the after-school places take root in the community.",
    }
    decided = await client.post(
        f"{base}/decisions", json=decision, headers={**coordinator, "If-Match": current.headers["ETag"]}
    )
    decided.raise_for_status()
    return str(decided.json()["decisions"][-1]["decision_id"])


async def _demo_group(client: httpx.AsyncClient, coordinator: dict[str, str]) -> tuple[str, str]:
    """The registered demo group and its representative, from the registry's public group list."""
    listed = await _until(
        lambda: client.get("/groups", params={"status": "registered", "q": DEMO_GROUP}, headers=coordinator),
        ready=_named(DEMO_GROUP),
    )
    group_id = next(str(g["id"]) for g in listed.json()["items"] if g["name"] == DEMO_GROUP)
    group = await client.get(f"/groups/{group_id}", headers=coordinator)
    group.raise_for_status()
    return group_id, str(group.json()["representative_sub"])


def _agreement() -> dict[str, Any]:
    start = datetime.now(TOKYO).date()
    return {
        "title_ja": "放課後の居場所づくり 共催事業",
        "title_en": "After-school places, co-hosted",
        "role_group_ja": "居場所の運営と見守りボランティアの募集を担う。",
        "role_department_ja": "会場の確保と学校・保護者への周知を担う。",
        "budget": {"total_yen": 600000, "city_yen": 300000, "group_yen": 300000},
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=180)).isoformat(),
        "deliverables": ["居場所の開設(週2回)", "活動報告書"],
        "indicators": [
            {
                "key": "participants",
                "name_ja": "延べ参加児童数",
                "unit": "人",
                "value_type": "count",
                "baseline": "0",
                "target": "600",
                "method_ja": "開催日ごとの参加者名簿で数える。",
            }
        ],
        "report_dates": [(start + timedelta(days=90)).isoformat()],
    }


async def _project(
    demo: DemoContext,
    client: httpx.AsyncClient,
    coordinator: dict[str, str],
    decision_id: str,
    group_id: str,
    representative: str,
) -> None:
    """The coordinator starts the project (404 with Retry-After until evaluation has heard the decision); the
    department's liaison drafts the agreement; the group's representative and the liaison confirm its hash."""
    body = {"screening_decision_id": decision_id, "group_id": group_id, "form": "co_hosting"}
    created = await _until(lambda: client.post("/projects", json=body, headers=coordinator), 201)
    project_id, etag = created.json()["id"], created.headers["ETag"]
    liaison = demo.headers(LIAISON, "staff")
    drafted = await _until(
        lambda: client.put(
            f"/projects/{project_id}/agreement", json={"agreement": _agreement()}, headers={**liaison, "If-Match": etag}
        )
    )
    confirmation = {"agreement_hash": drafted.json()["draft"]["hash"]}
    url = f"/projects/{project_id}/agreement/confirmations"
    for headers in (demo.headers(representative, "group"), liaison):
        await _until(partial(client.post, url, json=confirmation, headers=headers))
