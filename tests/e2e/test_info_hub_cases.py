"""A case of the coordination window (総合的な窓口) end to end, on SQLite and PostgreSQL with real NATS and the real
registry: a group raises it, the center routes it to two departments, one acknowledges in time and the other is
marked overdue by the moved clock (then acknowledges late); the center suggests matching groups with their reasons
and invites one, whose people then see the case while another group still finds nothing; a proposal is linked and
the case resolved; the month's figures are published by their timer (and a past month by a coordinator), the
contracts are on info-hub's stream, and the audit chain verifies clean.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kyodo_contracts import info_hub_cases as c
from kyodo_info_hub.cases_figures import first_day, month_of, next_month
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.cli import cli_env
from support.evaluation import TOKYO
from support.harness import Backend, Platform, eventually, platform
from support.info_hub_cases import (
    HUB,
    act,
    hub_messages,
    hub_now,
    hub_settings,
    move_hub_clock,
    raised,
    read,
    world,
)


async def statistics(p: Platform, month: str) -> dict[str, Any] | None:
    found = await p.clients[HUB].get(f"/cases/statistics/{month}")
    if found.status_code == 404:
        return None
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


async def test_a_case_runs_from_its_raising_through_routing_matching_and_resolution_to_the_months_figures(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, tmp_path: Path
) -> None:
    settings = hub_settings(backend, nats_url, bus_namespace, issuer)
    async with platform(settings, issuer) as p:
        hub = p.clients[HUB]
        w = await world(p)
        case = await raised(p, w, fields_of_activity=["子育て", "まちづくり"], urgency="high")
        cid = case["id"]
        raised_month = month_of(case["raised_at"])
        assert (case["raiser_kind"], case["raiser_id"], case["status"]) == ("group", w.g, "open")

        # Routed to both departments: each must acknowledge by the end of the fifth day (Tokyo midnight after it).
        routed = await act(p, cid, "/routings", {"department_ids": [w.a.id, w.b.id]})
        # From the routing's own time (not "today" read after it, which may be past midnight already).
        routed_on = datetime.fromisoformat(routed["routings"][0]["routed_at"]).astimezone(TOKYO).date()
        due = datetime.combine(routed_on + timedelta(days=6), datetime.min.time(), tzinfo=TOKYO)
        assert {r["department_id"]: r["acknowledge_by"] for r in routed["routings"]} == {
            w.a.id: due.isoformat(),
            w.b.id: due.isoformat(),
        }
        on_time = await ok(
            hub.post(f"/cases/{cid}/routings/{w.a.id}/acknowledgement", headers=p.token("liaison-a", "staff"))
        )
        assert [r["late"] for r in on_time.json()["routings"] if r["department_id"] == w.a.id] == [False]

        # The deadline passes: B is marked overdue once, by its timer, visible in the case and its list.
        move_hub_clock(p, due + timedelta(minutes=1))

        async def overdue() -> list[str]:
            return [r["department_id"] for r in (await read(p, cid))["routings"] if r["overdue_at"]]

        assert await eventually(overdue, timeout=30) == [w.b.id]

        async def listed_overdue() -> bool:
            page = (await ok(hub.get("/cases", params={"overdue": "true"}, headers=coordinator(p)))).json()
            return bool([i for i in page["items"] if i["case_id"] == cid and i["overdue"] == 1])

        await eventually(listed_overdue, timeout=20)
        late = await ok(
            hub.post(f"/cases/{cid}/routings/{w.b.id}/acknowledgement", headers=p.token("liaison-b", "staff"))
        )
        assert [r["late"] for r in late.json()["routings"] if r["department_id"] == w.b.id] == [True]

        # Matching: H shares 子育て and 本町; K shares nothing; G raised it.
        suggested = await act(p, cid, "/suggestions")
        assert suggested["suggestions"] == [
            {"group_id": w.h, "name": "ひだまりの会", "reasons": {"fields": ["子育て"], "area": "本町"}}
        ]
        assert (await hub.get(f"/cases/{cid}", headers=p.token("rep-h", "group"))).status_code == 404
        await act(p, cid, "/invitations", {"group_ids": [w.h]})
        seen = await ok(hub.get(f"/cases/{cid}", headers=p.token("rep-h", "group")))
        assert seen.json()["problem_ja"] == case["problem_ja"]
        assert (await hub.get(f"/cases/{cid}", headers=p.token("rep-k", "group"))).status_code == 404

        proposal = str(uuid.uuid4())
        await act(p, cid, "/links", {"kind": "proposal", "target_id": proposal})
        closed = await act(p, cid, "/closure", {"outcome": "resolved", "reason_ja": "団体Hと協働で居場所を開設した"})
        assert (closed["status"], closed["closing"]["outcome"]) == ("closed", "resolved")
        closed_month = month_of(closed["closing"]["closed_at"])

        async def history_complete() -> list[str]:
            found = await ok(hub.get(f"/cases/{cid}/history", headers=p.token("rep-g", "group")))
            kinds = [e["kind"] for e in found.json()["items"]]
            return kinds if kinds and kinds[-1] == "Closed" else []

        assert await eventually(history_complete, timeout=20) == [
            "Raised",
            "Routed",
            "Acknowledged",
            "AcknowledgementOverdue",
            "Acknowledged",
            "GroupsSuggested",
            "GroupsInvited",
            "Linked",
            "Closed",
        ]
        invited_view = await ok(hub.get(f"/cases/{cid}/history", headers=p.token("rep-h", "group")))
        assert [e["kind"] for e in invited_view.json()["items"]] == ["Raised", "GroupsInvited", "Linked", "Closed"]

        # The month's figures: published by the timer at the first midnight after each month.
        move_hub_clock(p, datetime.combine(first_day(next_month(closed_month)), datetime.min.time(), tzinfo=TOKYO))
        months = sorted({raised_month, closed_month})

        async def published() -> list[dict[str, Any]]:
            found = [await statistics(p, m) for m in months]
            return [f for f in found if f is not None] if all(found) else []

        figures = await eventually(published, timeout=30)
        assert sum(f["received"] for f in figures) == 1
        assert sum(f["routed"] for f in figures) == 1
        assert sum(f["acknowledgements_overdue"] for f in figures) == 1
        assert sum(f["closed_by_outcome"]["resolved"] for f in figures) == 1
        # まちづくり and 子育て are the directory's, but named by one case only: a cell that small is その他.
        by_field = [x for f in figures for x in f["received_by_field"]]
        assert by_field == [{"field": "その他", "count": 1}]
        resolved = next(f for f in figures if f["closed"])
        assert resolved["median_hours_to_resolution"] > 24 * 5

        async def listed() -> str:
            public = await ok(hub.get("/cases/statistics"))
            return public.text if {i["month"] for i in public.json()["items"]} >= set(months) else ""

        public = await eventually(listed, timeout=20)
        assert "problem_ja" not in public
        assert case["problem_ja"] not in public

        # A past month without figures, published by a coordinator (once); the current month is not over.
        past = await ok(hub.post("/cases/statistics/2020-01", headers=coordinator(p)), 201)
        assert (past.json()["received"], past.json()["closed"]) == (0, 0)
        again = await hub.post("/cases/statistics/2020-01", headers=coordinator(p))
        assert (again.status_code, again.json()["code"]) == (409, "figures_published")
        current = await hub.post(f"/cases/statistics/{month_of(hub_now(p))}", headers=coordinator(p))
        assert (current.status_code, current.json()["code"]) == (422, "month_not_over")

        # On info-hub's stream as the contracts say, with no problem text.
        routed_out = await eventually(lambda: hub_messages(nats_url, bus_namespace, c.CaseRouted), timeout=20)
        assert [(str(m.case_id), sorted(map(str, m.department_ids))) for m in routed_out] == [
            (cid, sorted([w.a.id, w.b.id]))
        ]
        overdue_out = await eventually(
            lambda: hub_messages(nats_url, bus_namespace, c.CaseAcknowledgementOverdue), timeout=20
        )
        assert [str(m.department_id) for m in overdue_out] == [w.b.id]
        closed_out = await eventually(lambda: hub_messages(nats_url, bus_namespace, c.CaseClosed), timeout=20)
        assert [m.outcome for m in closed_out] == [c.Outcome.RESOLVED]

        async def figures_out() -> set[str]:
            found = await hub_messages(nats_url, bus_namespace, c.MonthlyFigures)
            return {m.month for m in found}

        assert await eventually(lambda: _covers(figures_out, {*months, "2020-01"}), timeout=20)

    env = cli_env(settings[HUB])
    verify = [sys.executable, "-m", "kyodo_shared.cli.main", "audit", "verify", HUB, "--pin", str(tmp_path / "p.json")]
    verified = await asyncio.to_thread(subprocess.run, verify, env=env, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def _covers(found: Any, wanted: set[str]) -> bool:
    months: set[str] = await found()
    return wanted <= months
