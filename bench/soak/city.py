"""The soak's city-side kinds: screening and evaluation written to, not only read (issue 22).

A city project goes through screening one tick at a time: entered in department A's inventory (it joins the open
round), its self-check by A's liaison, the two team members' assessments (one from department B), the coordinator's
decision — suitable for co-hosting (共催). Evaluation then starts a collaboration project from that decision with a
group the soak registered, the liaison drafts its agreement, the group's representative and the liaison confirm it,
and the group files its first interim report (中間報告). Each stage takes the oldest item waiting for it; with none
waiting, the tick reads the same service instead, so the rate stays what was asked.

Evaluation learns of a decision and of a group over the bus: both must be `HEARD_AFTER` seconds old. The departments,
the team and the open round are seeded once (`seed`), with the screening demo's own pieces.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any, Protocol

import httpx

from bench.soak.platform import Platform

LIAISON_A, LIAISON_B = "soak-liaison-a", "soak-liaison-b"  # each its department's liaison, both on the team
HEARD_AFTER = 10.0  # s; the soak's own groups use 5 s (bench/soak/workload.py), a decision crosses two services
DECISION = {
    "outcome": "suitable",
    "forms": ["co_hosting"],
    "reasons_ja": "地域の団体と市が共催することで、事業を地域に根づかせる。",
    "reasons_en": "Co-hosted with a local group, the project takes root in the community.",
}
REPORT = {"values": [{"key": "participants", "value": "120", "unit": "人"}], "summary_ja": "順調に進んでいる。"}


class Timed(Protocol):
    def __call__(
        self, kind: str, method: str, url: str, expected: int = 200, **kw: Any
    ) -> Awaitable[httpx.Response | None]: ...


@dataclass
class Screened:
    """A project in the round: its id and the ETag its last answer gave (the decision needs it)."""

    project_id: str
    etag: str = ""


@dataclass
class Collaboration:
    project_id: str
    group_id: str
    representative: str
    etag: str = ""
    hash: str = ""


@dataclass
class Pipelines:
    """Items waiting for their next stage (oldest first), and what the reads pick from."""

    entered: deque[Screened] = field(default_factory=deque)
    checked: deque[Screened] = field(default_factory=deque)
    assessed_once: deque[Screened] = field(default_factory=deque)
    assessed: deque[Screened] = field(default_factory=deque)
    decisions: deque[tuple[str, float]] = field(default_factory=deque)  # decision id, when decided
    started: deque[Collaboration] = field(default_factory=deque)
    drafted: deque[Collaboration] = field(default_factory=deque)
    confirmed_once: deque[Collaboration] = field(default_factory=deque)
    concluded: deque[Collaboration] = field(default_factory=deque)
    screened: list[str] = field(default_factory=list)  # projects with a self-check at least, for reads
    projects: list[str] = field(default_factory=list)  # collaboration projects, for reads
    serial: itertools.count[int] = field(default_factory=itertools.count)


class CityKinds:
    """The screening and evaluation kinds (writes and reads); `partners` yields a group registered long enough ago
    for evaluation to have heard it, with its representative, or None."""

    def __init__(self, p: Platform, timed: Timed, partners: Callable[[float], tuple[str, str] | None]) -> None:
        self.p, self.timed, self.partners = p, timed, partners
        self.lines = Pipelines()
        self.coordinator = p.coordinator()
        self.reader = p.headers("soak-reader", "coordinator")
        self.round = f"{p.api('screening')}/rounds/{p.facts['round_id']}/projects"
        self.projects = f"{p.api('evaluation')}/projects"

    # --------------------------------------------------------------------------------------- screening

    async def do_screening_enter(self) -> None:
        n = next(self.lines.serial)
        entry = {
            "department_id": self.p.facts["department_a"],
            "fiscal_year": int(self.p.facts["fiscal_year"]),
            "project_number": f"S-{n}",
            "title": f"耐久試験の事業 {n}",
            "purpose": "地域の子育て家庭が集える場を公民館で開く。",
            "budget_yen": 1_000_000 + n,
        }
        entered = await self.timed(
            "screening.enter", "POST", f"{self.p.api('screening')}/projects", 201, json=entry, headers=self.coordinator
        )
        if entered is not None:
            self.lines.entered.append(Screened(str(entered.json()["id"])))

    async def do_screening_self_check(self) -> None:
        if not self.lines.entered:
            return await self.do_screening_rounds()
        item = self.lines.entered.popleft()
        checked = await self.timed(
            "screening.self_check", "PUT", f"{self.round}/{item.project_id}/self-check", 200,
            json={"answers": _answers()}, headers=self.p.headers(LIAISON_A, "staff"),
        )  # fmt: skip
        if checked is not None:
            self.lines.checked.append(item)
            self.lines.screened.append(item.project_id)
        return None

    async def do_screening_assessment(self) -> None:
        """A's liaison's assessment, then B's (a member of another department): the later one first, so projects
        move on rather than pile up half-assessed."""
        if self.lines.assessed_once:
            item, member, after = self.lines.assessed_once.popleft(), LIAISON_B, self.lines.assessed
        elif self.lines.checked:
            item, member, after = self.lines.checked.popleft(), LIAISON_A, self.lines.assessed_once
        else:
            return await self.do_screening_project()
        assessed = await self.timed(
            "screening.assessment", "POST", f"{self.round}/{item.project_id}/assessments", 201,
            json={"answers": _answers()}, headers=self.p.headers(member, "staff", "team"),
        )  # fmt: skip
        if assessed is not None:
            item.etag = assessed.headers["ETag"]
            after.append(item)
        return None

    async def do_screening_decision(self) -> None:
        if not self.lines.assessed:
            return await self.do_screening_rounds()
        item = self.lines.assessed.popleft()
        decided = await self.timed(
            "screening.decision", "POST", f"{self.round}/{item.project_id}/decisions", 201,
            json=DECISION, headers={**self.coordinator, "If-Match": item.etag},
        )  # fmt: skip
        if decided is not None:
            self.lines.decisions.append((str(decided.json()["decisions"][-1]["decision_id"]), time.monotonic()))
        return None

    async def do_screening_rounds(self) -> None:
        await self.timed("screening.rounds", "GET", f"{self.p.api('screening')}/rounds", headers=self.reader)

    async def do_screening_project(self) -> None:
        """A project's screening in the round (status, self-check, decisions), as the coordinator sees it."""
        if not self.lines.screened:
            return await self.do_screening_rounds()
        project_id = self.lines.screened[next(self.lines.serial) % len(self.lines.screened)]
        await self.timed("screening.project", "GET", f"{self.round}/{project_id}", headers=self.reader)
        return None

    # -------------------------------------------------------------------------------------- evaluation

    async def do_evaluation_start(self) -> None:
        decisions = self.lines.decisions
        if not decisions or time.monotonic() - decisions[0][1] < HEARD_AFTER:
            return await self.do_evaluation_projects()
        partner = self.partners(HEARD_AFTER)
        if partner is None:
            return await self.do_evaluation_projects()
        decision_id, _ = decisions.popleft()
        group_id, representative = partner
        body = {"screening_decision_id": decision_id, "group_id": group_id, "form": "co_hosting"}
        started = await self.timed("evaluation.start", "POST", self.projects, 201, json=body, headers=self.coordinator)
        if started is not None:
            project_id = str(started.json()["id"])
            self.lines.started.append(Collaboration(project_id, group_id, representative, started.headers["ETag"]))
            self.lines.projects.append(project_id)
        return None

    async def do_evaluation_agreement(self) -> None:
        from kyodo_evaluation import demo

        if not self.lines.started:
            return await self.do_evaluation_project()
        item = self.lines.started.popleft()
        drafted = await self.timed(
            "evaluation.agreement", "PUT", f"{self.projects}/{item.project_id}/agreement", 200,
            json={"agreement": demo._agreement()},
            headers={**self.p.headers(LIAISON_A, "staff"), "If-Match": item.etag},
        )  # fmt: skip
        if drafted is not None:
            item.hash = str(drafted.json()["draft"]["hash"])
            self.lines.drafted.append(item)
        return None

    async def do_evaluation_confirmation(self) -> None:
        """The group's representative confirms the draft, then the liaison (which concludes the agreement)."""
        if self.lines.confirmed_once:
            item, after = self.lines.confirmed_once.popleft(), self.lines.concluded
            headers = self.p.headers(LIAISON_A, "staff")
        elif self.lines.drafted:
            item, after = self.lines.drafted.popleft(), self.lines.confirmed_once
            headers = self.p.headers(item.representative, "group")
        else:
            return await self.do_evaluation_project()
        confirmed = await self.timed(
            "evaluation.confirmation", "POST", f"{self.projects}/{item.project_id}/agreement/confirmations", 200,
            json={"agreement_hash": item.hash}, headers=headers,
        )  # fmt: skip
        if confirmed is not None:
            after.append(item)
        return None

    async def do_evaluation_report(self) -> None:
        if not self.lines.concluded:
            return await self.do_evaluation_projects()
        item = self.lines.concluded.popleft()
        await self.timed(
            "evaluation.report", "POST", f"{self.projects}/{item.project_id}/reports/1", 201,
            json=REPORT, headers=self.p.headers(item.representative, "group"),
        )  # fmt: skip
        return None

    async def do_evaluation_projects(self) -> None:
        await self.timed("evaluation.projects", "GET", self.projects, headers=self.reader)

    async def do_evaluation_project(self) -> None:
        if not self.lines.projects:
            return await self.do_evaluation_projects()
        project_id = self.lines.projects[next(self.lines.serial) % len(self.lines.projects)]
        await self.timed("evaluation.project", "GET", f"{self.projects}/{project_id}", headers=self.reader)
        return None

    # ------------------------------------------------------------------- info-hub's readers of the two

    async def do_info_hub_screening_register(self) -> None:
        """The public register of screening decisions (info-hub's projection of screening's events)."""
        await self.timed("info-hub.screening_register", "GET", f"{self.p.api('info-hub')}/screening/register")

    async def do_info_hub_collaborations(self) -> None:
        """The public list of collaboration projects (info-hub's projection of evaluation's events)."""
        await self.timed("info-hub.collaborations", "GET", f"{self.p.api('info-hub')}/collaboration-projects")


def _answers() -> list[dict[str, str]]:
    from kyodo_screening import demo

    return demo.ANSWERS


async def seed(p: Platform) -> None:
    """Departments A and B (each with its liaison) and the team of both liaisons in the registry, then an open
    screening round over both for this fiscal year (the next one when this one ends within two days: a round's
    deadline lies within its year), retried until screening has heard the departments and the team."""
    from kyodo_screening import demo
    from kyodo_screening.vocabulary import fiscal_year_of, fiscal_year_span
    from kyodo_shared.domain.calendar import TOKYO

    coordinator = p.coordinator()
    async with httpx.AsyncClient(base_url=p.api("registry"), timeout=60) as registry:
        a = await demo._department(registry, coordinator, "SOAKA", "耐久試験推進課", LIAISON_A)
        b = await demo._department(registry, coordinator, "SOAKB", "耐久試験協働課", LIAISON_B)
        await demo._team(registry, coordinator, [(LIAISON_A, a), (LIAISON_B, b)])
    now = datetime.now(TOKYO)
    fiscal_year = fiscal_year_of(now.date())
    last_day = datetime.combine(fiscal_year_span(fiscal_year)[1], clock_time(17, 0), tzinfo=TOKYO)
    if last_day - now < timedelta(days=2):
        fiscal_year += 1
        last_day = datetime.combine(fiscal_year_span(fiscal_year)[1], clock_time(17, 0), tzinfo=TOKYO)
    body = {
        "fiscal_year": fiscal_year,
        "title_ja": f"{fiscal_year}年度 耐久試験の選別",
        "department_ids": [a, b],
        "self_check_deadline": min(now + timedelta(days=30), last_day).isoformat(),
    }
    async with httpx.AsyncClient(base_url=p.api("screening"), timeout=60) as screening:
        drafted = await _until(lambda: screening.post("/rounds", json=body, headers=coordinator), 201)
        round_id, etag = str(drafted.json()["id"]), drafted.headers["ETag"]
        # The team is fixed when the round opens: refused (409) until screening has heard both members.
        await _until(lambda: screening.post(f"/rounds/{round_id}/opening", headers={**coordinator, "If-Match": etag}))
    p.facts.update(department_a=a, department_b=b, round_id=round_id, fiscal_year=str(fiscal_year))


async def _until(attempt: Callable[[], Awaitable[httpx.Response]], status: int = 200) -> httpx.Response:
    """Again every 0.2 s for up to 60 s while screening has not heard the registry's events."""
    deadline = time.monotonic() + 60
    while True:
        answer = await attempt()
        if answer.status_code == status or time.monotonic() > deadline:
            answer.raise_for_status()
            return answer
        await asyncio.sleep(0.2)
