"""Calls for proposals end to end, on SQLite and PostgreSQL with real NATS: the board comes from the registry's
review board, publication fixes it and commits to the lottery seed, an amendment extends the deadline, the
deadline closes the call by its durable timer, a cancelled call says why — and info-hub shows open calls.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kyodo_proposals.app import CLOSE_TIMER
from kyodo_shared.tasks.timers import timer_id_for
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok, review_board
from support.harness import Backend, eventually, platform, settings_for

pytestmark = pytest.mark.smoke
TOKYO = ZoneInfo("Asia/Tokyo")
MEMBERS = ("m-1", "m-2", "m-3", "m-4")


def draft_body(committee_id: str, deadline: datetime, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "open_call",
        "title_ja": "令和9年度 協働事業提案制度",
        "description_ja": "市民活動団体から、市と協働で取り組む新しい事業の提案を募集します。",
        "criteria": [
            {"key": "need", "name_ja": "必要性", "weight": 2, "max_points": 10},
            {"key": "feasibility", "name_ja": "実現性", "weight": 1, "max_points": 10},
        ],
        "passing_score": "18",
        "select": 2,
        "tie_rule": "lottery",
        "deadline": deadline.isoformat(),
        "committee_id": committee_id,
    }
    return {**body, **overrides}


async def test_a_call_is_published_with_its_board_amended_closed_by_its_deadline_and_shown_in_info_hub(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    names = ("registry", "proposals", "info-hub")
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in names}
    async with platform(services, issuer) as p:
        proposals, hub = p.clients["proposals"], p.clients["info-hub"]
        committee_id = await review_board(p, list(MEMBERS), "m-1", "m-2")
        deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=30)
        drafted = await ok(
            proposals.post("/calls", json=draft_body(committee_id, deadline), headers=coordinator(p)), 201
        )
        call_id, etag = drafted.json()["id"], drafted.headers["ETag"]
        assert (await proposals.get(f"/calls/{call_id}")).status_code == 404, "a draft is not public"

        published = await ok(
            proposals.post(f"/calls/{call_id}/publication", headers={**coordinator(p), "If-Match": etag})
        )
        body = published.json()
        assert (body["status"], body["board"], body["chair_sub"], body["vice_chair_sub"]) == (
            "published",
            list(MEMBERS),
            "m-1",
            "m-2",
        )
        seed = p.apps["proposals"].state.kernel.application.seed(uuid.UUID(call_id))
        assert body["seed_commitment"] == hashlib.sha256(seed).hexdigest()

        async def open_in_hub() -> bool:
            response = await hub.get(f"/calls/{call_id}")
            return response.status_code == 200 and response.json()["status"] == "open"

        await eventually(open_in_hub, timeout=20)
        shown = (await hub.get(f"/calls/{call_id}")).json()
        assert [c["weight"] for c in shown["rules"]["criteria"]] == [2, 1]
        assert shown["deadline"].endswith("+09:00")

        too_short = await proposals.post(
            f"/calls/{call_id}/amendments",
            json={
                "reason": "評価基準の明確化",
                "passing_score": "20",
                "deadline": (deadline + timedelta(days=3)).isoformat(),
            },
            headers={**coordinator(p), "If-Match": published.headers["ETag"]},
        )
        assert (too_short.status_code, too_short.json()["code"]) == (409, "extension_too_short")
        undecidable = await proposals.post(
            f"/calls/{call_id}/amendments",
            json={
                "reason": "同点時の扱いの変更",
                "tie_rule": "criteria_priority_then_lottery",
                "deadline": (deadline + timedelta(days=8)).isoformat(),
            },
            headers={**coordinator(p), "If-Match": published.headers["ETag"]},
        )
        assert (undecidable.status_code, undecidable.json()["code"]) == (422, "invalid_rules")
        new_deadline = deadline + timedelta(days=7)
        amended = await ok(
            proposals.post(
                f"/calls/{call_id}/amendments",
                json={"reason": "評価基準の明確化", "passing_score": "20", "deadline": new_deadline.isoformat()},
                headers={**coordinator(p), "If-Match": published.headers["ETag"]},
            )
        )
        assert amended.json()["rules"]["passing_score"] == "20/1"
        # The board changes too, by an amendment of its own (a member resigned); the chair stays.
        newer_deadline = new_deadline + timedelta(days=7)
        reboarded = await ok(
            proposals.post(
                f"/calls/{call_id}/amendments",
                json={"reason": "委員の辞任", "board": ["m-1", "m-3", "m-4"], "deadline": newer_deadline.isoformat()},
                headers={**coordinator(p), "If-Match": amended.headers["ETag"]},
            )
        )
        assert (reboarded.json()["board"], reboarded.json()["chair_sub"]) == (["m-1", "m-3", "m-4"], "m-1")
        outsider = await proposals.post(
            f"/calls/{call_id}/amendments",
            json={
                "reason": "x",
                "board": ["m-1", "m-3", "x-9"],
                "deadline": (newer_deadline + timedelta(days=7)).isoformat(),
            },
            headers={**coordinator(p), "If-Match": reboarded.headers["ETag"]},
        )
        assert (outsider.status_code, outsider.json()["code"]) == (409, "not_a_member")
        new_deadline = newer_deadline

        async def amended_in_hub() -> bool:
            shown = (await hub.get(f"/calls/{call_id}")).json()
            return bool(shown["amendments"]) and shown["rules"]["passing_score"] == "20/1"

        await eventually(amended_in_hub, timeout=20)

        # Time passes beyond the original deadline: still open; beyond the amended one: closed by the timer.
        kernel = p.apps["proposals"].state.kernel
        kernel.clock = lambda: deadline + timedelta(days=1)
        old_timer = timer_id_for(CLOSE_TIMER, call_id, deadline)
        await eventually(lambda: kernel.timers.state_of(old_timer) == "fired", timeout=10)
        assert (await proposals.get(f"/calls/{call_id}")).json()["status"] == "published"
        kernel.clock = lambda: new_deadline + timedelta(seconds=1)

        async def closed_in_hub() -> bool:
            return bool((await hub.get(f"/calls/{call_id}")).json()["status"] == "closed")

        async def closed_here() -> bool:
            return bool((await proposals.get(f"/calls/{call_id}")).json()["status"] == "closed")

        await eventually(closed_here, timeout=20)
        await eventually(closed_in_hub, timeout=20)
        closed = (await proposals.get(f"/calls/{call_id}")).json()
        assert datetime.fromisoformat(closed["closed_at"]) == new_deadline


async def test_a_cancelled_call_shows_its_reason_and_a_board_below_quorum_cannot_publish(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    names = ("registry", "proposals", "info-hub")
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in names}
    async with platform(services, issuer) as p:
        proposals, hub = p.clients["proposals"], p.clients["info-hub"]
        deadline = datetime.now(TOKYO) + timedelta(days=30)
        empty_board = str(uuid.uuid4())
        drafted = await ok(
            proposals.post("/calls", json=draft_body(empty_board, deadline), headers=coordinator(p)), 201
        )
        refused = await proposals.post(
            f"/calls/{drafted.json()['id']}/publication",
            headers={**coordinator(p), "If-Match": drafted.headers["ETag"]},
        )
        assert (refused.status_code, refused.json()["code"]) == (409, "board_below_quorum")

        committee_id = await review_board(p, list(MEMBERS), "m-1", "m-2")

        # A partner selection for a city project (プロポーザル方式), here following no screening decision (one that
        # does: tests/e2e/test_partner_selection.py).
        partner = draft_body(committee_id, deadline, kind="partner_selection")
        other = await ok(proposals.post("/calls", json=partner, headers=coordinator(p)), 201)
        assert (other.json()["rules"]["kind"], other.json()["rules"]["screening_decision_id"]) == (
            "partner_selection",
            None,
        )
        call_id = other.json()["id"]
        published = await ok(
            proposals.post(
                f"/calls/{call_id}/publication", headers={**coordinator(p), "If-Match": other.headers["ETag"]}
            )
        )
        await ok(
            proposals.post(
                f"/calls/{call_id}/cancellation",
                json={"reason": "事業予算が措置されなかったため"},
                headers={**coordinator(p), "If-Match": published.headers["ETag"]},
            )
        )

        async def cancelled_in_hub() -> bool:
            shown = await hub.get(f"/calls/{call_id}")
            return shown.status_code == 200 and shown.json()["status"] == "cancelled"

        await eventually(cancelled_in_hub, timeout=20)
        assert (await hub.get(f"/calls/{call_id}")).json()["status_reason"] == "事業予算が措置されなかったため"
        listed = (await hub.get("/calls", params={"status": "cancelled"})).json()
        assert [c["id"] for c in listed["items"]] == [call_id]
        assert listed["items"][0]["rules"]["kind"] == "partner_selection"
        public = (await proposals.get("/calls")).json()
        assert [c["id"] for c in public["items"]] == [call_id], "drafts are not listed publicly"
