"""Helpers for end-to-end tests of calls: a review board in the registry, registered groups, a published call,
submissions, and moving the proposals service's clock past the deadline.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from support.harness import Platform, eventually
from support.lifecycle import GroupClient

TOKYO = ZoneInfo("Asia/Tokyo")


async def ok(response: Any, status: int = 200) -> httpx.Response:
    result: httpx.Response = await response
    assert result.status_code == status, result.text
    return result


async def audit_bodies(client: httpx.AsyncClient, token: dict[str, str], aggregate: str) -> dict[str, list[Any]]:
    """The bodies `/audit/events` answers for one aggregate's events (its first 100), by published type."""
    answered = await ok(client.get("/audit/events", params={"aggregate": aggregate, "limit": 100}, headers=token))
    found: dict[str, list[Any]] = {}
    for item in answered.json()["items"]:
        found.setdefault(item["type"], []).append(item["body"])
    return found


def coordinator(p: Platform) -> dict[str, str]:
    return p.token("coord-1", "coordinator")


async def appointed_committee(
    p: Platform, kind: str, name_ja: str, members: list[str], chair: str, vice: str | None, today: date
) -> str:
    """A committee of the registry with its members (terms around `today`) and officers; the caller waits for the
    service that needs it to have heard it all."""
    registry = p.clients["registry"]
    created = await ok(
        registry.post("/committees", json={"kind": kind, "name_ja": name_ja}, headers=coordinator(p)), 201
    )
    committee_id, etag = created.json()["id"], created.headers["ETag"]
    term = {"term_start": str(today - timedelta(days=1)), "term_end": str(today + timedelta(days=700))}
    for n, sub in enumerate(members):
        appointed = await ok(
            registry.post(
                f"/committees/{committee_id}/members",
                json={"member_sub": sub, "name": f"委員{n}", **term},
                headers={**coordinator(p), "If-Match": etag},
            )
        )
        etag = appointed.headers["ETag"]
    await ok(
        registry.put(
            f"/committees/{committee_id}/officers",
            json={"chair_sub": chair, "vice_chair_sub": vice},
            headers={**coordinator(p), "If-Match": etag},
        )
    )
    return str(committee_id)


async def review_board(p: Platform, members: list[str], chair: str, vice: str | None) -> str:
    committee_id = await appointed_committee(p, "review_board", "協働事業審査会", members, chair, vice, date.today())
    # Wait for the whole board, officers included: the officers arrive in a later event than the members, and a
    # call published between the two would fix a board without its chair.
    view = p.apps["proposals"].state.kernel.application.view
    expected = (tuple(sorted(members)), chair, vice)
    await eventually(lambda: astuple(view.board(committee_id, date.today())) == expected, timeout=20)
    return committee_id


async def appoint(p: Platform, committee_id: str, sub: str) -> None:
    """Appoint one more member to the committee (e.g. a substitute after a call's board was fixed)."""
    registry = p.clients["registry"]
    current = await ok(registry.get(f"/committees/{committee_id}"))
    term = {"term_start": str(date.today() - timedelta(days=1)), "term_end": str(date.today() + timedelta(days=700))}
    await ok(
        registry.post(
            f"/committees/{committee_id}/members",
            json={"member_sub": sub, "name": "補充委員", **term},
            headers={**coordinator(p), "If-Match": current.headers["ETag"]},
        )
    )
    view = p.apps["proposals"].state.kernel.application.view
    await eventually(lambda: sub in view.board(committee_id, date.today()).members, timeout=20)


async def registered_group(p: Platform, rep: str, name: str) -> str:
    group = GroupClient(p, representative=rep)
    await group.apply(name=name)
    await group.assess_all()
    view = p.apps["proposals"].state.kernel.application.view
    await eventually(lambda: (view.group(group.group_id) or ("", ""))[1] == "registered", timeout=20)
    return group.group_id


async def published_call(p: Platform, committee_id: str, **rules: Any) -> tuple[str, datetime]:
    deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=20)
    body = {
        "kind": "open_call",
        "title_ja": "協働事業提案",
        "description_ja": "提案を募集します。",
        "criteria": [
            {"key": "need", "name_ja": "必要性", "weight": 2, "max_points": 10},
            {"key": "feasibility", "name_ja": "実現性", "weight": 1, "max_points": 10},
        ],
        "passing_score": "15",
        "select": 1,
        "deadline": deadline.isoformat(),
        "committee_id": committee_id,
        **rules,
    }
    proposals = p.clients["proposals"]
    drafted = await ok(proposals.post("/calls", json=body, headers=coordinator(p)), 201)
    call_id = drafted.json()["id"]
    await ok(
        proposals.post(f"/calls/{call_id}/publication", headers={**coordinator(p), "If-Match": drafted.headers["ETag"]})
    )
    return call_id, deadline


def content(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "plan": "地域の空き店舗で週3回の居場所を開く。",
        "budget": [{"item": "会場費", "amount_yen": 240000}],
        "schedule": [{"period": "4月〜6月", "activity": "準備"}],
        "team": [{"role": "代表", "description": "統括"}],
    }


async def submit(
    p: Platform, call_id: str, group_id: str, rep: str, summary: str, attachments: list[dict[str, str]] | None = None
) -> httpx.Response:
    return await ok(
        p.clients["proposals"].post(
            f"/calls/{call_id}/proposals",
            json={"group_id": group_id, "content": content(summary), "attachments": attachments or []},
            headers=p.token(rep, "group"),
        ),
        201,
    )


async def close_and_open_review(p: Platform, call_id: str, deadline: datetime) -> dict[str, Any]:
    kernel = p.apps["proposals"].state.kernel
    kernel.clock = lambda: deadline + timedelta(seconds=1)
    proposals = p.clients["proposals"]

    async def closed() -> bool:
        return bool((await proposals.get(f"/calls/{call_id}")).json()["status"] == "closed")

    await eventually(closed, timeout=20)
    opened = await ok(proposals.post(f"/calls/{call_id}/review", headers=coordinator(p)))
    body: dict[str, Any] = opened.json()
    return body


async def score(
    p: Platform, call_id: str, member: str, proposal_id: str, need: int, feasibility: int
) -> httpx.Response:
    return await p.clients["proposals"].post(
        f"/calls/{call_id}/review/scores",
        json={"proposal_id": proposal_id, "points": {"need": need, "feasibility": feasibility}, "comment": "所見"},
        headers=p.token(member, "reviewer"),
    )
