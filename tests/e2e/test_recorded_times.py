"""Recorded times follow the service's clock (tasks/recorded_time.py), on SQLite and PostgreSQL with real NATS: on a
platform whose clocks were moved past a call's deadline, a group suspended *after* the deadline was in good standing
*at* it, so its proposal goes to the board. With times recorded on real time, the suspension read as made before the
(moved) deadline and the proposal was set aside — an unfair outcome a staging platform would have shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok, published_call, review_board, submit
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.lifecycle import GroupClient

pytestmark = pytest.mark.smoke


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "proposals")}


def move_every_clock(p: Platform, to: datetime) -> None:
    for service in ("registry", "proposals"):
        p.apps[service].state.kernel.clock = lambda: to


async def test_a_suspension_after_the_moved_deadline_does_not_set_the_proposal_aside(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        green = GroupClient(p, representative="rep-g")
        await green.apply(name="みどりの会")
        await green.assess_all()
        view = p.apps["proposals"].state.kernel.application.view
        await eventually(lambda: (view.group(green.group_id) or ("", ""))[1] == "registered", timeout=20)
        call_id, deadline = await published_call(p, committee, quorum=3)
        await submit(p, call_id, green.group_id, "rep-g", "緑地の保全")

        # Staging moves the whole platform an hour past the deadline; the call closes.
        after = deadline + timedelta(hours=1)
        move_every_clock(p, after)
        proposals = p.clients["proposals"]

        async def closed() -> bool:
            return bool((await proposals.get(f"/calls/{call_id}")).json()["status"] == "closed")

        await eventually(closed, timeout=20)
        # Then the group is suspended: after the deadline, by the platform's clock.
        suspended = await green.post("/suspension", {"reason": "会計報告の未提出"}, "coord-1", "coordinator")
        assert suspended.status_code == 200, suspended.text
        await eventually(lambda: (view.group(green.group_id) or ("", ""))[1] == "suspended", timeout=20)

        # The registry recorded the suspension at the moved time (its audit history shows when).
        auditor = p.token("auditor-1", "auditor")
        events = await ok(
            p.clients["registry"].get("/audit/events", params={"type": "registry.Group.Suspended"}, headers=auditor)
        )
        (event,) = events.json()["items"]
        assert datetime.fromisoformat(event["recorded_at"]) >= after

        # In good standing at the deadline: the proposal goes to the board.
        opened = await ok(proposals.post(f"/calls/{call_id}/review", headers=coordinator(p)))
        assert (opened.json()["proposals"], opened.json()["ineligible"]) == (1, [])
