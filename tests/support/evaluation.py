"""Helpers for end-to-end tests of the evaluation service: an evaluation committee in the registry, a call decided
in proposals whose adoption becomes a project, an agreement body, and moving the evaluation service's clock.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from support.calls import (
    appointed_committee,
    close_and_open_review,
    coordinator,
    ok,
    published_call,
    registered_group,
    review_board,
    score,
    submit,
)
from support.harness import Platform, eventually
from support.screening import Department, department

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo_today() -> date:
    """Today in Tokyo: the registry dates offices and terms by it (UTC's date differs for nine hours a day)."""
    return datetime.now(TOKYO).date()


def evaluation_view(p: Platform) -> Any:
    return p.apps["evaluation"].state.kernel.application.view


async def evaluation_committee(p: Platform, members: list[str], chair: str, vice: str | None) -> str:
    """An evaluation committee (協働事業評価委員会) in the registry, once the evaluation service has heard it all."""
    today = tokyo_today()
    committee_id = await appointed_committee(
        p, "evaluation_committee", "協働事業評価委員会", members, chair, vice, today
    )
    view = evaluation_view(p)
    expected = (tuple(sorted(members)), chair, vice)
    await eventually(lambda: astuple(view.board(committee_id, today)) == expected, timeout=20)
    return committee_id


async def adoption(p: Platform, department_id: str | None, group_id: str, rep: str) -> tuple[str, str]:
    """A call (of the department, if given) decided in proposals with the group's proposal adopted:
    (call_id, proposal_id)."""
    board = await review_board(p, ["r-1", "r-2"], "r-1", "r-2")
    rules = {"department_id": department_id} if department_id else {}
    call_id, deadline = await published_call(p, board, quorum=2, **rules)
    await submit(p, call_id, group_id, rep, "地域の居場所づくり")
    await close_and_open_review(p, call_id, deadline)
    proposals = p.clients["proposals"]
    listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("r-1", "reviewer")))
    proposal_id = listed.json()["items"][0]["proposal_id"]
    for member in ("r-1", "r-2"):
        await ok(score(p, call_id, member, proposal_id, 8, 7), 201)
    await ok(
        proposals.post(
            f"/calls/{call_id}/review/decision", json={"reasons": "審査により採択"}, headers=p.token("r-1", "reviewer")
        )
    )
    return call_id, proposal_id


async def adopted_project(p: Platform, department_id: str, group_id: str, rep: str) -> dict[str, str]:
    """A call of the department decided in proposals with the group's proposal adopted, and the project the
    evaluation service made of the adoption: {call_id, proposal_id, project_id}."""
    call_id, proposal_id = await adoption(p, department_id, group_id, rep)
    evaluation = p.clients["evaluation"]

    async def created() -> str | None:
        page = await evaluation.get("/projects", headers=coordinator(p))
        items = [i for i in page.json()["items"] if i["links"].get("proposal_id") == proposal_id]
        return str(items[0]["project_id"]) if items else None

    project_id = await eventually(created, timeout=30)
    return {"call_id": call_id, "proposal_id": proposal_id, "project_id": project_id}


async def partners(p: Platform, rep: str, group_name: str, liaison: str) -> tuple[Department, str]:
    """A department (its first staff member the liaison) and a registered group, heard by the evaluation service."""
    dept = await department(p, "KYODO", "協働推進課", [liaison, "staff-2"], tokyo_today() - timedelta(days=30))
    group_id = await registered_group(p, rep, group_name)
    view = evaluation_view(p)
    await eventually(
        lambda: view.is_liaison(liaison, dept.id, tokyo_today()) and view.acts_for(rep, group_id), timeout=20
    )
    return dept, group_id


def agreement(start: date, **overrides: Any) -> dict[str, Any]:
    """A 90-day agreement with two interim report dates (days 30 and 60) and two indicators."""
    body: dict[str, Any] = {
        "title_ja": "地域の居場所づくり協働事業 協定書",
        "role_group_ja": "居場所の運営と参加者の募集",
        "role_department_ja": "会場の確保と広報",
        "budget": {"total_yen": 1_200_000, "city_yen": 1_000_000, "group_yen": 200_000},
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=90)).isoformat(),
        "deliverables": ["週3回の居場所の開設", "活動報告書"],
        "indicators": [
            {
                "key": "visitors",
                "name_ja": "延べ参加者数",
                "unit": "人",
                "value_type": "count",
                "baseline": "0",
                "target": "600",
                "method_ja": "受付名簿で数える",
            },
            {
                "key": "satisfaction",
                "name_ja": "満足と答えた割合",
                "unit": "%",
                "value_type": "percent",
                "baseline": "0",
                "target": "80",
                "method_ja": "参加者アンケート",
            },
        ],
        "report_dates": [(start + timedelta(days=30)).isoformat(), (start + timedelta(days=60)).isoformat()],
    }
    return {**body, **overrides}


def values(visitors: str, satisfaction: str) -> list[dict[str, str]]:
    return [
        {"key": "visitors", "value": visitors, "unit": "人"},
        {"key": "satisfaction", "value": satisfaction, "unit": "%"},
    ]


def move_evaluation_clock(p: Platform, to: datetime) -> None:
    """The evaluation service (its application and timers) lives at `to` from now on, running on from there."""
    offset = to - datetime.now(UTC)
    p.apps["evaluation"].state.kernel.clock = lambda: datetime.now(UTC) + offset
