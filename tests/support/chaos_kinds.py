"""The chaos workload's units beyond the registry and proposals: a city project entered in screening's inventory and
screened in an open round (self-check, two assessments, a decision), the collaboration evaluation starts from that
decision (agreement drafted, confirmed by both partners), a case raised at info-hub's window and routed, and a proposal
submitted to a published call and revised.

Each crosses services: screening screens a project of a department it heard from the registry, with the team it heard;
evaluation starts its project only once it has heard screening's decision and the registry's group; info-hub takes the
case of a group it heard from the registry and routes it to a department it heard. A command refused because its service
has not heard yet (`waiting`) is sent again later: nothing was written.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import httpx

from support.calls import content, ok
from support.chaos import ChaosPlatform
from support.chaos_workload import TOKYO, Unit, Workload, _Clients
from support.evaluation import agreement
from support.harness import eventually
from support.info_hub_cases import case_body
from support.registry import CRITERIA, application
from support.screening import answers, department, join_team, round_body

if TYPE_CHECKING:
    from support.harness import Platform

# The world's people: each department's liaison and the team member it sends, the group's representative.
LIAISON_A, MEMBER_A, LIAISON_B, MEMBER_B, REP = "liaison-a", "member-a", "liaison-b", "member-b", "rep-world"


@dataclass
class World:
    """Two departments (projects are entered in A; B's member gives the outside assessment), an open screening
    round over both with a two-member team, and a registered group every collaboration and case is for."""

    department_a: str
    department_b: str
    group_id: str
    round_id: str
    fiscal_year: int


async def prepare_world(platform: ChaosPlatform) -> World:
    async with _Clients(platform) as plat:
        like_a_platform = cast("Platform", plat)
        now = datetime.now(TOKYO).replace(microsecond=0)
        since = now.date() - timedelta(days=30)
        a = await department(like_a_platform, "CHAOSA", "混沌推進課", [LIAISON_A, MEMBER_A], since)
        b = await department(like_a_platform, "CHAOSB", "混沌対策課", [LIAISON_B, MEMBER_B], since)
        await join_team(like_a_platform, [(MEMBER_A, a.id), (MEMBER_B, b.id)], since)
        group_id = await registered_group(plat, REP, "混沌の世界の会")
        coordinator = platform.token("coord-1", "coordinator")
        fiscal_year = now.year if now.month >= 4 else now.year - 1
        deadline = min(now + timedelta(days=30), datetime(fiscal_year + 1, 3, 31, 23, 0, tzinfo=TOKYO))
        body = round_body(fiscal_year, [a.id, b.id], deadline)
        screening = plat.clients["screening"]

        async def drafted() -> httpx.Response | None:  # once screening has heard both departments
            answer = await screening.post("/rounds", json=body, headers=coordinator)
            return answer if answer.status_code == 201 else None

        draft = await eventually(drafted, timeout=60, interval=0.5)
        round_id = draft.json()["id"]

        async def opened() -> bool:  # once screening has heard the whole team (fewer is refused)
            headers = {**coordinator, "If-Match": draft.headers["ETag"]}
            answer = await screening.post(f"/rounds/{round_id}/opening", headers=headers)
            return answer.status_code == 200

        await eventually(opened, timeout=60, interval=0.5)
    return World(a.id, b.id, group_id, round_id, fiscal_year)


async def registered_group(plat: _Clients, rep: str, name: str) -> str:
    registry, coordinator = plat.clients["registry"], plat.token("coord-1", "coordinator")
    applied = await ok(registry.post("/groups", json=application(name=name), headers=plat.token(rep, "group")), 201)
    group_id, etag = applied.json()["id"], applied.headers["ETag"]
    for criterion in CRITERIA:
        assessment = {"criterion": criterion, "met": True, "reason": "確認"}
        headers = {**coordinator, "If-Match": etag}
        assessed = await ok(registry.post(f"/groups/{group_id}/assessments", json=assessment, headers=headers))
        etag = assessed.headers["ETag"]
    return str(group_id)


async def screened(workload: Workload, world: World) -> str:
    """A project entered in department A's inventory, then screened in the open round: suitable for co-hosting.
    The unit follows the screening (its version); the entry is checked by title in the inventory. Returns the
    decision's id."""
    n = next(_numbers)
    unit = Unit("screening", steps=5, name=f"混沌事業{n}")
    workload.record.units.append(unit)
    coordinator = workload.platform.token("coord-1", "coordinator")
    entry = {
        "department_id": world.department_a,
        "fiscal_year": world.fiscal_year,
        "project_number": f"C-{n}",
        "title": unit.name,
        "purpose": "地域の子育て支援",
        "budget_yen": 1_000_000,
    }
    project = await workload.step(unit, "screening", "POST", "/projects", coordinator, json=entry)
    unit.id, unit.etag = project["id"], ""  # from here on the unit's version is the screening's, not the entry's
    path = f"/rounds/{world.round_id}/projects/{unit.id}"
    staff = workload.platform.token
    await workload.step(unit, "screening", "PUT", f"{path}/self-check", staff(LIAISON_A, "staff"), json=answers())
    for member in (MEMBER_A, MEMBER_B):
        await workload.step(unit, "screening", "POST", f"{path}/assessments", staff(member, "team"), json=answers())
    decision = {"outcome": "suitable", "forms": ["co_hosting"], "reasons_ja": "協働にふさわしい"}
    decided = await workload.step(unit, "screening", "POST", f"{path}/decisions", coordinator, json=decision)
    return str(decided["decisions"][-1]["decision_id"])


async def collaboration(workload: Workload, world: World, decision_id: str) -> None:
    """The co-hosting project evaluation starts from the decision (once it has heard it), its agreement drafted by
    the department's liaison and confirmed by both partners."""
    unit = Unit("collaboration", steps=4)
    workload.record.units.append(unit)
    token = workload.platform.token
    coordinator, liaison = token("coord-1", "coordinator"), token(LIAISON_A, "staff")
    body = {"screening_decision_id": decision_id, "group_id": world.group_id, "form": "co_hosting"}
    waiting = frozenset({"screening_decision_not_found", "group_not_registered"})
    started = await workload.step(unit, "evaluation", "POST", "/projects", coordinator, json=body, waiting=waiting)
    unit.id = started["id"]
    path = f"/projects/{unit.id}"
    start = datetime.now(TOKYO).date() - timedelta(days=10)
    terms = agreement(start, report_dates=[str(start + timedelta(days=30)), str(start + timedelta(days=60))])
    drafted = await workload.step(unit, "evaluation", "PUT", f"{path}/agreement", liaison, json={"agreement": terms})
    confirmation = {"agreement_hash": drafted["draft"]["hash"]}
    for headers in (token(REP, "group"), liaison):
        await workload.step(unit, "evaluation", "POST", f"{path}/agreement/confirmations", headers, json=confirmation)


async def screened_and_collaborating(workload: Workload, world: World) -> None:
    await collaboration(workload, world, await screened(workload, world))


async def case(workload: Workload, world: World) -> None:
    """A case the group raises at info-hub's window (once info-hub has heard the group), routed to department A."""
    n = next(_numbers)
    unit = Unit("case", steps=2, name=f"混沌の相談{n}: 集まれる場所が足りない")
    workload.record.units.append(unit)
    body = case_body(group_id=world.group_id, problem_ja=unit.name)
    waiting = frozenset({"case_group_unknown", "case_not_for_this_group"})
    token = workload.platform.token
    raised = await workload.step(unit, "info-hub", "POST", "/cases", token(REP, "group"), json=body, waiting=waiting)
    unit.id = raised["id"]
    routing = {"department_ids": [world.department_a]}
    await workload.step(
        unit, "info-hub", "POST", f"/cases/{unit.id}/routings", token("coord-1", "coordinator"), json=routing
    )


async def proposed(workload: Workload, world: World) -> None:
    """A call drafted and published, then the group's proposal submitted to it (once proposals has heard the group
    and its representative) and revised."""
    call = await workload.call()
    n = next(_numbers)
    unit = Unit("proposal", steps=2)
    workload.record.units.append(unit)
    rep = workload.platform.token(REP, "group")
    body = {"group_id": world.group_id, "content": content(f"混沌の提案{n}"), "attachments": []}
    waiting = frozenset({"not_acting_for_group", "group_not_eligible"})
    path = f"/calls/{call.id}/proposals"
    await workload.step(unit, "proposals", "POST", path, rep, json=body, waiting=waiting)
    unit.id = f"{call.id}/proposals/{world.group_id}"  # the proposal's place: one per group and call
    revised = {"content": content(f"混沌の提案{n}（改訂）"), "attachments": []}
    await workload.step(unit, "proposals", "PUT", f"/calls/{unit.id}", rep, json=revised)


_numbers = itertools.count(1)
# Sealed until the call's deadline (which the run never reaches): no other service reads a proposal.
UNREAD = frozenset({"proposal"})


# --- what the convergence check reads -----------------------------------------------------------------------------


async def kind_state(platform: ChaosPlatform, world: World, unit: Unit) -> tuple[int, bool, str]:
    """A new kind's aggregate in its source: its version, whether it reached the unit's last state, and what its
    reader is asked for (the decision's id in info-hub's register; the aggregate's id otherwise)."""
    if unit.kind == "screening":
        service, path = "screening", f"/rounds/{world.round_id}/projects/{unit.id}"
    elif unit.kind == "collaboration":
        service, path = "evaluation", f"/projects/{unit.id}"
    elif unit.kind == "case":
        service, path = "info-hub", f"/cases/{unit.id}"
    else:
        service, path = "proposals", f"/calls/{unit.id}"
    reader = platform.token(REP, "group") if unit.kind == "proposal" else platform.token("coord-1", "coordinator")
    async with httpx.AsyncClient(base_url=platform.services[service].base, timeout=30) as client:
        answer = await client.get(path, headers=reader)
    assert answer.status_code == 200, f"{service} {path}: {answer.text}"
    body = answer.json()
    version = int(body["version"] or 0)  # a project entered but not yet screened has no screening (None)
    if unit.kind == "screening":
        decided = bool(body["decisions"])
        return version, decided, str(body["decisions"][-1]["decision_id"]) if decided else ""
    if unit.kind == "collaboration":
        return version, body["agreement"] is not None, unit.id
    if unit.kind == "proposal":
        return version, False, unit.id  # see UNREAD
    return version, bool(body["routings"]), unit.id


async def kind_in_reader(platform: ChaosPlatform, world: World, unit: Unit, key: str) -> bool:
    """Whether the reader shows the unit's last state: info-hub's screening register the decision, info-hub's
    collaboration projects the concluded agreement, info-hub's case list the case routed to department A."""
    async with httpx.AsyncClient(base_url=platform.services["info-hub"].base, timeout=30) as hub:
        if unit.kind == "screening":
            if not key:
                return False  # no decision in the source: nothing the register could show
            answer = await hub.get(f"/screening/register/{key}")
            assert answer.status_code in (200, 404), answer.text
            return answer.status_code == 200
        if unit.kind == "collaboration":
            answer = await hub.get(f"/collaboration-projects/{key}")
            assert answer.status_code in (200, 404), answer.text
            return answer.status_code == 200 and answer.json()["agreement"] is not None
    routed = await case_list(platform, {"department_id": world.department_a})
    return key in {c["case_id"] for c in routed}


async def case_list(platform: ChaosPlatform, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """info-hub's case list (its query table) as the coordinator sees it, every page."""
    return await _pages(platform, "info-hub", "/cases", params or {})


async def inventory_titles(platform: ChaosPlatform, world: World) -> list[str]:
    """The titles in department A's inventory (screening's query table): each unit enters one of its own."""
    params = {"fiscal_year": str(world.fiscal_year)}
    path = f"/departments/{world.department_a}/projects"
    return [str(p["title"]) for p in await _pages(platform, "screening", path, params)]


async def _pages(platform: ChaosPlatform, service: str, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=platform.services[service].base, timeout=30) as client:
        for page in range(1, 1000):
            paged: dict[str, str | int] = {**params, "page": page, "per_page": 100}
            answer = await client.get(path, params=paged, headers=platform.token("coord-1", "coordinator"))
            assert answer.status_code == 200, answer.text
            found = answer.json()["items"]
            items.extend(found)
            if len(found) < 100:
                return items
    return items
