"""Helpers for end-to-end tests of screening: departments with staff and liaisons and the cross-department team in
the registry (through its HTTP API), waiting until the screening service has heard of them, and common bodies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from support.calls import coordinator, ok
from support.harness import Platform, eventually

TOKYO = ZoneInfo("Asia/Tokyo")
CHECKLIST_KEYS = ("citizen_view", "expertise", "flexibility", "community", "cost_effectiveness")


def answers(rating: str = "yes", reason: str = "理由があります") -> dict[str, Any]:
    return {"answers": [{"key": k, "rating": rating, "reason": reason} for k in CHECKLIST_KEYS]}


@dataclass(frozen=True)
class Department:
    id: str
    staff: str
    liaison: str


async def department(p: Platform, code: str, name: str, staff: list[str], since: date) -> Department:
    """A department with its staff (the first is the liaison), all from `since`."""
    registry = p.clients["registry"]
    created = await ok(registry.post("/departments", json={"code": code, "name_ja": name}, headers=coordinator(p)), 201)
    department_id, etag = created.json()["id"], created.headers["ETag"]
    for sub in staff:
        body = {"staff_sub": sub, "job_title": "主事", "since": since.isoformat()}
        assigned = await ok(
            registry.post(
                f"/departments/{department_id}/staff", json=body, headers={**coordinator(p), "If-Match": etag}
            )
        )
        etag = assigned.headers["ETag"]
    await ok(
        registry.put(
            f"/departments/{department_id}/liaison",
            json={"staff_sub": staff[0], "since": since.isoformat()},
            headers={**coordinator(p), "If-Match": etag},
        )
    )
    return Department(str(department_id), staff[-1], staff[0])


async def join_team(p: Platform, members: list[tuple[str, str]], on: date) -> None:
    registry = p.clients["registry"]
    for sub, department_id in members:
        team = await registry.get("/team")
        headers = coordinator(p)
        if team.status_code == 200 and team.headers.get("ETag"):
            headers = {**headers, "If-Match": team.headers["ETag"]}
        body = {"staff_sub": sub, "department_id": department_id, "joined_on": on.isoformat()}
        await ok(registry.post("/team/members", json=body, headers=headers))


async def heard(p: Platform, departments: list[Department], team: list[str], on: date) -> None:
    """Wait until screening's view of the registry has the departments, their liaisons and the whole team."""
    view = p.apps["screening"].state.kernel.application.view

    def complete() -> bool:
        if any(view.liaison(d.id) != d.liaison for d in departments):
            return False
        return sorted(view.team_on(on)) == sorted(team)

    await eventually(complete, timeout=20)


def round_body(fiscal_year: int, departments: list[str], deadline: datetime, **overrides: Any) -> dict[str, Any]:
    body = {
        "fiscal_year": fiscal_year,
        "title_ja": f"{fiscal_year}年度 事業の選別",
        "department_ids": departments,
        "self_check_deadline": deadline.isoformat(),
    }
    return {**body, **overrides}


def screening_now(p: Platform) -> datetime:
    """Now on the screening service's clock, with room before its fiscal year ends: within 20 days of the year's
    end (March in Tokyo), the service is moved 25 days ahead into the next year, so a round's deadlines and dates
    fit in one fiscal year whatever day the tests run (the registry keeps real time; its dates lie before)."""
    real = datetime.now(TOKYO)
    fiscal_year = real.year if real.month >= 4 else real.year - 1
    if datetime(fiscal_year + 1, 4, 1, tzinfo=TOKYO) - real < timedelta(days=20):
        shift = timedelta(days=25)
        p.apps["screening"].state.kernel.clock = lambda: datetime.now(UTC) + shift
    clock: Callable[[], datetime] = p.apps["screening"].state.kernel.clock
    return clock().astimezone(TOKYO).replace(microsecond=0)


@dataclass(frozen=True)
class OpenRound:
    round_id: str
    project_id: str
    department_id: str
    fiscal_year: int
    deadline: datetime


async def open_round_with_a_project(p: Platform, screening: Any) -> OpenRound:
    """子ども家庭課 (liaison a-liaison, staff a-staff, team member t-a) and 環境対策課 (b-liaison, t-b), heard by
    screening; project A-1 子育てひろば registered by a-staff; a round over 子ども家庭課 opened by the coordinator,
    closing in three days (or at the fiscal year's end). `screening` is its HTTP client."""
    now = screening_now(p)
    fiscal_year = now.year if now.month >= 4 else now.year - 1
    deadline = min(now + timedelta(days=3), datetime(fiscal_year + 1, 3, 31, 23, 0, tzinfo=TOKYO))
    since = datetime.now(TOKYO).date() - timedelta(days=30)
    kodomo = await department(p, "KODOMO", "子ども家庭課", ["a-liaison", "a-staff", "t-a"], since)
    kankyo = await department(p, "KANKYO", "環境対策課", ["b-liaison", "t-b"], since)
    await join_team(p, [("t-a", kodomo.id), ("t-b", kankyo.id)], since)
    await heard(p, [kodomo, kankyo], ["t-a", "t-b"], now.date())
    record = {"project_number": "A-1", "title": "子育てひろば", "purpose": "交流", "budget_yen": 3200000}
    entry = {**record, "department_id": kodomo.id, "fiscal_year": fiscal_year}
    project = (await ok(screening.post("/projects", json=entry, headers=p.token("a-staff", "staff")), 201)).json()
    body = round_body(fiscal_year, [kodomo.id], deadline)
    drafted = await ok(screening.post("/rounds", json=body, headers=coordinator(p)), 201)
    round_id = drafted.json()["id"]
    opening = {**coordinator(p), "If-Match": drafted.headers["ETag"]}
    await ok(screening.post(f"/rounds/{round_id}/opening", headers=opening))
    return OpenRound(round_id, project["id"], kodomo.id, fiscal_year, deadline)
