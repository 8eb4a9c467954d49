"""The chaos run's mixed workload.

Workload: groups apply to the registry and are assessed on every criterion (the registry's commands, heard by info-hub's
directory, screening, proposals and evaluation), and calls are drafted and published by proposals (heard by info-hub's
calls); support.chaos_kinds adds projects screened in screening, the collaborations evaluation starts from their
decisions, cases at info-hub's window and proposals submitted to calls. Every command the service acknowledged (2xx) is
recorded, as is the one command of a unit whose answer was lost (the connection dropped: it may or may not have been
written).

A 503 promises nothing was written: the same command is sent again (with the same If-Match), and the convergence
check later finds each acknowledged command exactly once — a 503 that wrote would show as a version too many, or as
the retry's refusal (412 or 409: `written_despite_503`, reported in the figures: support.chaos_run says why it is
not a failure).

The faults are in support.chaos_faults.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import httpx

from support.calls import appointed_committee
from support.chaos import ChaosPlatform
from support.harness import eventually
from support.registry import CRITERIA, application

if TYPE_CHECKING:
    from support.harness import Platform

RETRYABLE = {502, 503, 504}
# A command sent again after a 503 and refused so was written the first time: 412 (the version it made), 409.
WRITTEN_BEFORE = {409, 412}
TOKYO = ZoneInfo("Asia/Tokyo")


class Abandoned(Exception):
    """The unit stops here: its last command's answer was lost (`lost`: it may have been written), or it was
    refused unexpectedly (`status`; `retried`: after a 503)."""

    def __init__(
        self, message: str, *, lost: bool = False, status: int = 0, retried: bool = False, code: str = ""
    ) -> None:
        super().__init__(message)
        self.lost, self.status, self.retried, self.code = lost, status, retried, code


@dataclass
class Unit:
    """One aggregate driven by the workload: how many of its commands were acknowledged, and whether the last one's
    answer was lost."""

    kind: str  # "group", "call" (here), "screening", "collaboration", "case" (support.chaos_kinds)
    id: str = ""
    acknowledged: int = 0
    steps: int = 0
    indeterminate: bool = False
    etag: str = ""
    name: str = ""

    @property
    def complete(self) -> bool:
        return self.acknowledged == self.steps


@dataclass
class Record:
    units: list[Unit] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)  # status codes of commands, as "registry 503"
    outage_answers: list[tuple[str, int, str, str, float]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    # Commands answered 503 (so sent again) whose retry found them written: refused 412 for the version they made,
    # or 409 for what they did (a command without If-Match: assessed already, submitted already, …).
    written_despite_503: list[str] = field(default_factory=list)
    slowest: float = 0.0

    @property
    def acknowledged(self) -> int:
        return sum(u.acknowledged for u in self.units)


@dataclass
class Workload:
    platform: ChaosPlatform
    committee_id: str
    record: Record = field(default_factory=Record)
    outage: asyncio.Event = field(default_factory=asyncio.Event)
    counter: int = 0
    # More kinds of unit (support.chaos_kinds), taken in turn with groups and calls.
    kinds: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    turns: int = 0

    def client(self, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.platform.services[service].base, timeout=30)

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        headers: dict[str, str],
        waiting: frozenset[str] = frozenset(),
        **kw: Any,
    ) -> httpx.Response:
        """One command, again after a 503 (nothing written), a refused connection (nothing sent) or a refusal whose
        code is in `waiting` (the service has not heard yet what the command needs; nothing written); Abandoned when
        its answer is lost or it is refused otherwise."""
        retried = False
        for _ in range(200):
            started = time.monotonic()
            try:
                async with self.client(service) as client:
                    response = await client.request(method, path, headers=headers, **kw)
            except httpx.ConnectError:
                self.record.answers[f"{service} refused-connection"] += 1
                await asyncio.sleep(0.5)
                continue
            except httpx.TransportError as exc:
                self.record.answers[f"{service} {type(exc).__name__}"] += 1
                raise Abandoned(f"{service} {method} {path}: {type(exc).__name__}", lost=True) from None
            took = time.monotonic() - started
            self.record.slowest = max(self.record.slowest, took)
            self.record.answers[f"{service} {response.status_code}"] += 1
            if self.outage.is_set():
                self.record.outage_answers.append(
                    (
                        service,
                        response.status_code,
                        response.headers.get("content-type", ""),
                        response.headers.get("Retry-After", ""),
                        took,
                    )
                )
            if response.status_code < 300:
                return response
            if response.status_code in RETRYABLE:
                retried = True
                await asyncio.sleep(0.5)
                continue
            if waiting and _code(response) in waiting:
                self.record.answers[f"{service} {response.status_code} {_code(response)}"] += 1
                await asyncio.sleep(1.0)
                continue
            status = response.status_code
            self.record.unexpected.append(f"{service} {method} {path}: {status} {response.text[:300]}")
            raise Abandoned(f"{service} answered {status}", status=status, retried=retried, code=_code(response))
        raise Abandoned(f"{service} {method} {path}: no answer after many tries")

    async def step(
        self,
        unit: Unit,
        service: str,
        method: str,
        path: str,
        headers: dict[str, str],
        waiting: frozenset[str] = frozenset(),
        **kw: Any,
    ) -> Any:
        sent = {**headers, "If-Match": unit.etag} if unit.etag else headers
        try:
            response = await self.send(service, method, path, sent, waiting, **kw)
        except Abandoned as exc:
            written = exc.retried and exc.status in WRITTEN_BEFORE
            if written:
                # The command was written although answered 503: its effect is there, once (checked later).
                self.record.written_despite_503.append(f"{service} {method} {path} ({exc.status} {exc.code})")
            unit.indeterminate = exc.lost or written
            raise
        unit.acknowledged += 1
        unit.etag = response.headers.get("ETag", unit.etag)
        return response.json()

    async def group(self) -> None:
        self.counter += 1
        unit = Unit("group", steps=1 + len(CRITERIA))
        self.record.units.append(unit)
        rep = self.platform.token(f"rep-chaos-{self.counter}", "group")
        coordinator = self.platform.token("coord-1", "coordinator")
        unit.name = f"混沌の会{self.counter}"
        applied = application(name=unit.name)
        body = await self.step(unit, "registry", "POST", "/groups", rep, json=applied)
        unit.id = body["id"]
        for criterion in CRITERIA:
            assessment = {"criterion": criterion, "met": True, "reason": "確認"}
            await self.step(unit, "registry", "POST", f"/groups/{unit.id}/assessments", coordinator, json=assessment)

    async def call(self) -> Unit:
        self.counter += 1
        unit = Unit("call", steps=2)
        self.record.units.append(unit)
        coordinator = self.platform.token("coord-1", "coordinator")
        drafted = call_body(self.committee_id, self.counter)
        body = await self.step(unit, "proposals", "POST", "/calls", coordinator, json=drafted)
        unit.id = body["id"]
        await self.step(unit, "proposals", "POST", f"/calls/{unit.id}/publication", coordinator)
        return unit

    async def run(self, stop: asyncio.Event, actors: int = 3) -> None:
        # Groups twice as often as the other kinds: every other service hears them.
        mix: list[Callable[[], Awaitable[object]]] = [self.group, self.call, self.group, *self.kinds]

        async def actor() -> None:
            while not stop.is_set():
                self.turns += 1
                with suppress(Abandoned):
                    await mix[self.turns % len(mix)]()

        await asyncio.gather(*(actor() for _ in range(actors)))


def _code(response: httpx.Response) -> str:
    """A refusal's problem code ("" when the body is not a problem)."""
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return ""


def call_body(committee_id: str, n: int) -> dict[str, Any]:
    deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=20)
    return {
        "kind": "open_call",
        "title_ja": f"協働事業提案{n}",
        "description_ja": "提案を募集します。",
        "criteria": [{"key": "need", "name_ja": "必要性", "weight": 1, "max_points": 10}],
        "passing_score": "5",
        "select": 1,
        "deadline": deadline.isoformat(),
        "committee_id": committee_id,
    }


async def prepare(platform: ChaosPlatform) -> Workload:
    """A review board in the registry, and the workload once proposals has heard of it: a call drafted for it is
    accepted (that draft, never published, is the run's first unit)."""
    async with _Clients(platform) as plat:
        # What the helper uses of a Platform: its clients and token().
        like_a_platform = cast("Platform", plat)
        today = datetime.now(TOKYO).date()
        members = ["m1", "m2", "m3"]
        committee_id = await appointed_committee(
            like_a_platform, "review_board", "協働事業審査会", members, "m1", "m2", today
        )
        coordinator = platform.token("coord-1", "coordinator")

        async def drafted() -> httpx.Response | None:
            answer = await plat.clients["proposals"].post(
                "/calls", json=call_body(committee_id, 0), headers=coordinator
            )
            return answer if answer.status_code == 201 else None

        first = await eventually(drafted, timeout=60, interval=0.5)
    workload = Workload(platform, committee_id)
    workload.record.units.append(Unit("call", first.json()["id"], acknowledged=1, steps=2, etag=first.headers["ETag"]))
    return workload


class _Clients:
    """What support.calls' helpers use of a Platform: a client per service and tokens."""

    def __init__(self, platform: ChaosPlatform) -> None:
        self.platform = platform
        self.clients = {n: httpx.AsyncClient(base_url=s.base, timeout=30) for n, s in platform.services.items()}

    def token(self, sub: str, *roles: str) -> dict[str, str]:
        return self.platform.token(sub, *roles)

    async def __aenter__(self) -> _Clients:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self.clients.values():
            await client.aclose()
