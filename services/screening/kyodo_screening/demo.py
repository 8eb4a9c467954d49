"""The screening service's part of `kyodo up --demo`: two departments in the registry (their staff, liaisons and
the cross-department team, through the registry's public API), an inventory imported from a CSV file, and a
round for the current fiscal year with one project screened and decided suitable."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

import httpx

from kyodo_screening.vocabulary import fiscal_year_of, fiscal_year_span
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.service import DemoContext

INVENTORY = """事業番号,事業名,目的,根拠法令,予算額,対象者,実施方法,期間,担当
K-001,子育てひろば運営事業,乳幼児と保護者の交流の場をつくる,児童福祉法,"3,200,000円",乳幼児と保護者,直営,通年,子育て支援課
K-002,放課後の居場所づくり,小学生の放課後の安全な居場所を確保する,,"1,500,000",小学生,委託,通年,子育て支援課
"""
ANSWERS = [
    {"key": key, "rating": "yes", "reason": reason}
    for key, reason in (
        ("citizen_view", "利用者である保護者の視点が欠かせない"),
        ("expertise", "子育て支援団体の経験が活かせる"),
        ("flexibility", "家庭ごとの事情に応じた対応が必要"),
        ("community", "地域の見守りと結びつく"),
        ("cost_effectiveness", "ボランティアの参加で費用を抑えられる"),
    )
]


async def _until(attempt: Callable[[], Awaitable[httpx.Response]], status: int = 200) -> httpx.Response:
    """Retry while the screening service has not yet heard the registry's events over the bus."""
    response = await attempt()
    for _ in range(150):
        if response.status_code == status:
            return response
        await asyncio.sleep(0.2)
        response = await attempt()
    response.raise_for_status()
    return response


async def seed(demo: DemoContext) -> None:
    coordinator = demo.headers("demo-coordinator", "coordinator")
    async with (
        httpx.AsyncClient(base_url=demo.url("registry"), timeout=30) as registry,
        httpx.AsyncClient(base_url=demo.url("screening"), timeout=30) as screening,
    ):
        childcare = await _department(registry, coordinator, "KOSODATE", "子育て支援課", "demo-staff-kosodate")
        civic = await _department(registry, coordinator, "KYODO", "協働コミュニティ課", "demo-staff-kyodo")
        await _team(registry, coordinator, [("demo-staff-kosodate", childcare), ("demo-staff-kyodo", civic)])
        await _screen(demo, screening, coordinator, childcare, civic)


async def _department(client: httpx.AsyncClient, coordinator: dict[str, str], code: str, name: str, staff: str) -> str:
    created = await client.post("/departments", json={"code": code, "name_ja": name}, headers=coordinator)
    created.raise_for_status()
    department_id, etag = created.json()["id"], created.headers["ETag"]
    assigned = await client.post(
        f"/departments/{department_id}/staff",
        json={"staff_sub": staff, "job_title": "主事"},
        headers={**coordinator, "If-Match": etag},
    )
    assigned.raise_for_status()
    liaison = await client.put(
        f"/departments/{department_id}/liaison",
        json={"staff_sub": staff},
        headers={**coordinator, "If-Match": assigned.headers["ETag"]},
    )
    liaison.raise_for_status()
    return str(department_id)


async def _team(client: httpx.AsyncClient, coordinator: dict[str, str], members: list[tuple[str, str]]) -> None:
    for sub, department_id in members:
        team = await client.get("/team")
        headers = {**coordinator, "If-Match": team.headers["ETag"]} if team.headers.get("ETag") else coordinator
        joined = await client.post(
            "/team/members", json={"staff_sub": sub, "department_id": department_id}, headers=headers
        )
        joined.raise_for_status()


async def _screen(
    demo: DemoContext, client: httpx.AsyncClient, coordinator: dict[str, str], childcare: str, civic: str
) -> None:
    now = datetime.now(TOKYO)
    fiscal_year = fiscal_year_of(now.date())
    staff = demo.headers("demo-staff-kosodate", "staff")
    csv_headers = {**staff, "Content-Type": "text/csv"}
    last_day = datetime.combine(fiscal_year_span(fiscal_year)[1], time(17, 0), tzinfo=TOKYO)
    if last_day - now < timedelta(days=2):
        # The year is ending: the demo screens the next one (a round's deadline lies within its fiscal year).
        fiscal_year += 1
        last_day = datetime.combine(fiscal_year_span(fiscal_year)[1], time(17, 0), tzinfo=TOKYO)
    deadline = min(now + timedelta(days=30), last_day)
    await _until(
        lambda: client.post(
            f"/departments/{childcare}/projects/import",
            params={"fiscal_year": fiscal_year},
            content=INVENTORY.encode("utf-8"),
            headers=csv_headers,
        )
    )
    body = {
        "fiscal_year": fiscal_year,
        "title_ja": f"{fiscal_year}年度 事業の選別",
        "title_en": f"FY{fiscal_year} screening of city projects",
        "department_ids": [childcare, civic],
        "self_check_deadline": deadline.isoformat(),
    }
    drafted = await _until(lambda: client.post("/rounds", json=body, headers=coordinator), 201)
    round_id = drafted.json()["id"]
    # The round's team is the registry's team on the day it opens: refused (409) until both members have arrived.
    etag = drafted.headers["ETag"]
    await _until(lambda: client.post(f"/rounds/{round_id}/opening", headers={**coordinator, "If-Match": etag}))
    projects = await _until(lambda: client.get(f"/rounds/{round_id}/projects", params={"department_id": childcare}))
    project_id = next(p["id"] for p in projects.json()["items"] if p["project_number"] == "K-001")
    base = f"/rounds/{round_id}/projects/{project_id}"
    (await client.put(f"{base}/self-check", json={"answers": ANSWERS}, headers=staff)).raise_for_status()
    for sub in ("demo-staff-kosodate", "demo-staff-kyodo"):
        member = demo.headers(sub, "staff", "team")
        (await client.post(f"{base}/assessments", json={"answers": ANSWERS}, headers=member)).raise_for_status()
    current = await client.get(base, headers=coordinator)
    decision = {
        "outcome": "suitable",
        "forms": ["commission", "cooperation"],
        "reasons_ja": "保護者の視点と団体の経験が活かせるため、委託と事業協力で協働する。",
        "reasons_en": "Parents' viewpoint and groups' experience: commission and cooperation.",
    }
    decided = await client.post(
        f"{base}/decisions", json=decision, headers={**coordinator, "If-Match": current.headers["ETag"]}
    )
    decided.raise_for_status()
