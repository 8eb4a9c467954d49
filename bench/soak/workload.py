"""The soak's steady mixed workload: one HTTP request per tick, open loop, at a fixed rate, through the public APIs.

Each tick takes the next kind from a fixed cycle (`CYCLE`, 60 ticks: 24 writes, 36 reads). A write whose
precondition is not there yet (no application waiting for an assessment, no registered group the proposals service
has heard of) becomes a read of the same service for that tick, so the rate stays what was asked. Screening's and
evaluation's kinds (a city project screened, the collaboration started from its decision) are in bench/soak/city.py.
Every request is timed and counted by kind and by minute of the run; an answer other than the kind's expected status
is an error (counted, its status kept).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from bench.soak.city import CityKinds
from bench.soak.platform import Platform, new_training
from bench.soak.tally import Tally
from kyodo_shared.domain.calendar import TOKYO

# kind -> ticks per cycle of 60 (each stage of screening and evaluation once: a project, a collaboration a cycle)
MIX: dict[str, int] = {
    "registry.apply": 1,  # POST /groups (a new group's application, 6 criteria, bylaws)
    "registry.assess": 6,  # POST /groups/{id}/assessments (the sixth registers the group)
    "proposals.submit": 1,  # POST /calls/{call}/proposals (a registered group's proposal)
    "proposals.open_call": 1,  # POST /calls (a draft from the review board), then POST /calls/{id}/publication
    "screening.enter": 1,  # POST /projects (a city project in department A's inventory: it joins the open round)
    "screening.self_check": 1,  # PUT /rounds/{r}/projects/{p}/self-check (A's liaison)
    "screening.assessment": 2,  # POST /rounds/{r}/projects/{p}/assessments (each team member)
    "screening.decision": 1,  # POST /rounds/{r}/projects/{p}/decisions (suitable for co-hosting, If-Match)
    "evaluation.start": 1,  # POST /projects (a collaboration from that decision, with a registered group)
    "evaluation.agreement": 1,  # PUT /projects/{id}/agreement (the liaison's draft, If-Match)
    "evaluation.confirmation": 2,  # POST /projects/{id}/agreement/confirmations (the group, then the liaison)
    "evaluation.report": 1,  # POST /projects/{id}/reports/1 (the group's interim report)
    "info-hub.news": 2,  # POST /news, then POST /news/{id}/publication
    "info-hub.training_registration": 3,  # POST /trainings/{id}/registrations (staff), a new training when full
    "info-hub.directory": 3,  # GET /api/info-hub/groups?q=…
    "info-hub.group": 4,  # GET /api/info-hub/groups/{id}
    "info-hub.news_list": 2,  # GET /api/info-hub/news
    "info-hub.open_data_csv": 2,  # GET /api/info-hub/open-data/datasets/groups.csv
    "info-hub.trainings": 2,  # GET /api/info-hub/trainings
    "info-hub.screening_register": 2,  # GET /api/info-hub/screening/register (screening's decisions, published)
    "info-hub.collaborations": 2,  # GET /api/info-hub/collaboration-projects (evaluation's projects, published)
    "registry.group": 4,  # GET /api/registry/groups/{id} (coordinator)
    "proposals.calls": 2,  # GET /api/proposals/calls
    "screening.rounds": 2,  # GET /api/screening/rounds
    "screening.project": 2,  # GET /api/screening/rounds/{r}/projects/{p} (a project screened here)
    "evaluation.projects": 2,  # GET /api/evaluation/projects
    "evaluation.project": 2,  # GET /api/evaluation/projects/{id} (a collaboration started here)
    "page.portal": 3,  # GET / (info-hub's portal page, HTML)
    "page.directory": 2,  # GET /groups?q=… (the portal's directory page, HTML)
}
CYCLE: list[str] = [kind for kind, n in MIX.items() for _ in range(n)]
# Spread a kind's ticks over the cycle instead of running them back to back (17 is prime to the cycle's length).
CYCLE = [CYCLE[(i * 17) % len(CYCLE)] for i in range(len(CYCLE))]
TRAINING_SEATS = 40
PROPOSAL = {
    "summary": "空き店舗を使い、子育て中の親子が集う居場所を週3回開く。",
    "plan": "地域の空き店舗で週3回の居場所を開く。",
    "budget": [{"item": "会場費", "amount_yen": 240000}],
    "schedule": [{"period": "4月〜6月", "activity": "準備"}],
    "team": [{"role": "代表", "description": "統括"}],
}
CALL = {
    "kind": "open_call",
    "description_ja": "市と協働で取り組む新しい公共サービスの提案を募集します。",
    "criteria": [
        {"key": "need", "name_ja": "必要性・公益性", "weight": 2, "max_points": 10},
        {"key": "feasibility", "name_ja": "実現可能性", "weight": 1, "max_points": 10},
    ],
    "passing_score": "15",
    "select": 1,
}
FIELDS = ["環境保全", "社会教育", "まちづくり", "国際協力", "子どもの健全育成"]


@dataclass
class State:
    """What the workload made that later ticks build on."""

    pending: deque[tuple[str, str, list[str]]] = field(default_factory=deque)  # group, etag, criteria left
    registered: deque[tuple[str, str, float]] = field(default_factory=deque)  # group, representative, registered at
    partners: deque[tuple[str, str, float]] = field(default_factory=deque)  # the same, for evaluation's projects
    groups: list[str] = field(default_factory=list)  # registered groups, for reads
    registered_at: list[float] = field(default_factory=list)  # when each of `groups` was registered
    representatives: dict[str, str] = field(default_factory=dict)  # group -> its representative's sub
    training_id: str = ""
    seats_taken: int = 0
    serial: itertools.count[int] = field(default_factory=itertools.count)


class Workload:
    def __init__(self, p: Platform, client: httpx.AsyncClient, tally: Tally) -> None:
        from kyodo_registry.domain import Criterion

        self.p, self.client, self.tally = p, client, tally
        self.state = State(training_id=p.facts["training_id"])
        self.criteria = [c.value for c in Criterion]
        self.coordinator = p.coordinator()
        self.reader = p.headers("soak-reader", "coordinator")
        self.city = CityKinds(p, self.timed, self.partner)

    async def timed(self, kind: str, method: str, url: str, expected: int = 200, **kw: Any) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.tally.record(kind, 0.0, -1, expected)
            self.tally.errors[kind][type(exc).__name__] += 1
            return None
        self.tally.record(kind, (time.perf_counter() - t0) * 1000, response.status_code, expected)
        return response if response.status_code == expected else None

    def op(self, kind: str) -> Callable[[], Awaitable[None]]:
        name = "do_" + kind.replace(".", "_").replace("-", "_")
        return getattr(self, name, None) or getattr(self.city, name)  # type: ignore[no-any-return]

    def partner(self, age: float) -> tuple[str, str] | None:
        """The oldest group registered at least `age` s ago not yet a partner of a collaboration, with its
        representative (each group takes part in one)."""
        if not self.state.partners or time.monotonic() - self.state.partners[0][2] < age:
            return None
        group_id, rep, _ = self.state.partners.popleft()
        return group_id, rep

    # ------------------------------------------------------------------------------------------- writes

    async def do_registry_apply(self) -> None:
        from kyodo_registry import demo

        n = next(self.state.serial)
        profile = {
            "name": f"耐久試験の会 {n}",
            "purpose": "市内の公園で清掃活動と自然観察会を開き、地域の人が集う場をつくる。",
            "fields_of_activity": [FIELDS[n % len(FIELDS)]],
            "area": "本町",
        }
        rep = f"soak-rep-{n}"
        created = await self.timed(
            "registry.apply", "POST", f"{self.p.api('registry')}/groups", 201,
            json=demo._application(profile, n), headers=self.p.headers(rep, "group"),
        )  # fmt: skip
        if created is not None:
            self.state.pending.append((str(created.json()["id"]), created.headers["ETag"], list(self.criteria)))
            self.state.representatives[str(created.json()["id"])] = rep

    async def do_registry_assess(self) -> None:
        if not self.state.pending:
            return await self.do_registry_group()
        group_id, etag, left = self.state.pending.popleft()
        assessed = await self.timed(
            "registry.assess", "POST", f"{self.p.api('registry')}/groups/{group_id}/assessments", 200,
            json={"criterion": left[0], "met": True, "reason": "会則と活動実績により確認した。"},
            headers={**self.coordinator, "If-Match": etag},
        )  # fmt: skip
        if assessed is None:
            return None  # counted as an error; the application is dropped
        if left[1:]:
            self.state.pending.append((group_id, assessed.headers["ETag"], left[1:]))
        else:
            rep = self.state.representatives.pop(group_id)
            self.state.registered.append((group_id, rep, time.monotonic()))
            self.state.partners.append((group_id, rep, time.monotonic()))
            self.state.groups.append(group_id)
            self.state.registered_at.append(time.monotonic())
        return None

    async def do_proposals_submit(self) -> None:
        # The proposals service learns of a registration over the bus: a group registered a few seconds ago.
        if not self.state.registered or time.monotonic() - self.state.registered[0][2] < 5:
            return await self.do_proposals_calls()
        group_id, rep, _ = self.state.registered.popleft()
        await self.timed(
            "proposals.submit", "POST", f"{self.p.api('proposals')}/calls/{self.p.facts['call_id']}/proposals", 201,
            json={"group_id": group_id, "content": PROPOSAL, "attachments": []},
            headers=self.p.headers(rep, "group"),
        )  # fmt: skip
        return None

    async def do_proposals_open_call(self) -> None:
        deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=30)
        body = {**CALL, "title_ja": f"協働事業提案 {next(self.state.serial)}", "deadline": deadline.isoformat()}
        calls = f"{self.p.api('proposals')}/calls"
        drafted = await self.timed(
            "proposals.open_call", "POST", calls, 201,
            json={**body, "committee_id": self.p.facts["board_id"]}, headers=self.coordinator,
        )  # fmt: skip
        if drafted is not None:
            await self.timed(
                "proposals.call_publication", "POST", f"{calls}/{drafted.json()['id']}/publication", 200,
                headers={**self.coordinator, "If-Match": drafted.headers["ETag"]},
            )  # fmt: skip

    async def do_info_hub_news(self) -> None:
        from kyodo_info_hub import demo

        n = next(self.state.serial)
        item = {**demo.NEWS[n % len(demo.NEWS)], "title_ja": f"お知らせ {n}"}
        hub = self.p.api("info-hub")
        drafted = await self.timed("info-hub.news", "POST", f"{hub}/news", 201, json=item, headers=self.coordinator)
        if drafted is not None:
            await self.timed(
                "info-hub.news_publication", "POST", f"{hub}/news/{drafted.json()['id']}/publication", 200,
                headers={**self.coordinator, "If-Match": drafted.headers["ETag"]},
            )  # fmt: skip

    async def do_info_hub_training_registration(self) -> None:
        if self.state.seats_taken >= TRAINING_SEATS:
            # A training is only so big: the next one takes the registrations (its announcement not timed here).
            self.state.seats_taken = 0
            self.state.training_id = await new_training(self.p, capacity=TRAINING_SEATS)
        self.state.seats_taken += 1
        staff = self.p.headers(f"soak-staff-{next(self.state.serial)}", "staff")
        hub = self.p.api("info-hub")
        await self.timed(
            "info-hub.training_registration", "POST", f"{hub}/trainings/{self.state.training_id}/registrations", 201,
            json={}, headers=staff,
        )  # fmt: skip

    # -------------------------------------------------------------------------------------------- reads

    def _some_group(self) -> str | None:
        """A group registered at least 5 s ago (every service has heard of it by then)."""
        known = bisect.bisect_right(self.state.registered_at, time.monotonic() - 5)
        return self.state.groups[next(self.state.serial) % known] if known else None

    async def do_info_hub_directory(self) -> None:
        q = FIELDS[next(self.state.serial) % len(FIELDS)]
        await self.timed("info-hub.directory", "GET", f"{self.p.api('info-hub')}/groups", params={"q": q})

    async def do_info_hub_group(self) -> None:
        group_id = self._some_group()
        if group_id is None:
            return await self.do_info_hub_directory()
        await self.timed("info-hub.group", "GET", f"{self.p.api('info-hub')}/groups/{group_id}")
        return None

    async def do_info_hub_news_list(self) -> None:
        await self.timed("info-hub.news_list", "GET", f"{self.p.api('info-hub')}/news")

    async def do_info_hub_open_data_csv(self) -> None:
        url = f"{self.p.api('info-hub')}/open-data/datasets/groups.csv"
        await self.timed("info-hub.open_data_csv", "GET", url)

    async def do_info_hub_trainings(self) -> None:
        await self.timed("info-hub.trainings", "GET", f"{self.p.api('info-hub')}/trainings")

    async def do_registry_group(self) -> None:
        group_id = self._some_group()
        if group_id is None:
            return await self.do_info_hub_directory()
        url = f"{self.p.api('registry')}/groups/{group_id}"
        await self.timed("registry.group", "GET", url, headers=self.reader)
        return None

    async def do_proposals_calls(self) -> None:
        await self.timed("proposals.calls", "GET", f"{self.p.api('proposals')}/calls", headers=self.reader)

    async def do_page_portal(self) -> None:
        await self.timed("page.portal", "GET", f"{self.p.site('info-hub')}/")

    async def do_page_directory(self) -> None:
        q = FIELDS[next(self.state.serial) % len(FIELDS)]
        await self.timed("page.directory", "GET", f"{self.p.site('info-hub')}/groups", params={"q": q})


async def drive(p: Platform, tally: Tally, rate: float, duration: float, max_in_flight: int = 32) -> None:
    """Open loop: one tick every 1/rate s for `duration` s; a tick finding `max_in_flight` requests out is skipped."""
    limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        work = Workload(p, client, tally)
        in_flight: set[asyncio.Task[None]] = set()
        start = time.monotonic()
        for tick in itertools.count():
            due = start + tick / rate
            if due - start >= duration:
                break
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if len(in_flight) >= max_in_flight:
                tally.skipped += 1
                continue
            task = asyncio.create_task(_guarded(tally, CYCLE[tick % len(CYCLE)], work.op(CYCLE[tick % len(CYCLE)])))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=60)


async def _guarded(tally: Tally, kind: str, op: Callable[[], Awaitable[None]]) -> None:
    """An op that raised (a bug of the workload or an answer it could not read) is counted, not lost."""
    try:
        await op()
    except Exception as exc:
        tally.errors[kind][f"raised {type(exc).__name__}: {exc}"[:120]] += 1
