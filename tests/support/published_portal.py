"""A small second platform for the browser tests: info-hub alone, its pages and API behind the gateway
(`mount_services`), served by uvicorn on a free loopback port in a background thread, on the test's NATS and a
temporary SQLite store. Its read models are fed the way the page tests feed them (`support.portal_b.Feed`: info-hub's
own handlers, each event in its own transaction) with what the demo never publishes: a call's results and an
evaluation report; and a survey answered by seven groups and closed, so its charts have bars
(support.published_survey)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

from kyodo_contracts import evaluation as ev
from kyodo_contracts import registry_org as o
from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.contract_builders import ACHIEVEMENT, agreement, report_published
from support.harness import Backend, Platform, settings_for
from support.info_hub_open_data import call, group, result
from support.portal_b import Feed
from support.published_survey import closed_survey

START = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
DEPARTMENT = uuid.UUID(int=0xA)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PublishedPortal:
    """info-hub behind the gateway on http://127.0.0.1:<port>, in a thread of its own until `stop`."""

    folder: Path
    nats_url: str
    namespace: str
    port: int = field(default_factory=free_port)
    ids: dict[str, str | None] = field(default_factory=dict)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        issuer = DevIssuer.load_or_create(self.folder / "issuer")
        settings = settings_for("info-hub", Backend("sqlite", self.folder), self.nats_url, self.namespace, issuer)
        app = discover()["info-hub"].create_app(settings, JwksVerifier(settings.auth))
        gateway = mount_services({"info-hub": app})
        config = uvicorn.Config(gateway, host="127.0.0.1", port=self.port, lifespan="on", log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:  # polled: uvicorn says when it listens
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError(f"info-hub (published results) did not start on {self.origin}")
            time.sleep(0.05)
        hub = Platform({"info-hub": app}, {}, issuer)
        self.ids = seed(Feed(hub))

        assert self._loop is not None
        survey = asyncio.run_coroutine_threadsafe(closed_survey(hub, self.origin), self._loop)
        self.ids["survey"] = survey.result(timeout=90)

    async def _serve(self) -> None:
        assert self._server is not None
        self._loop = asyncio.get_running_loop()
        await self._server.serve()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)


def seed(feed: Feed) -> dict[str, str | None]:
    """A department, two groups, a call with its results published (one group set aside, not in the directory) and
    a published evaluation report; the ids the pages' paths name."""
    first, second = group("こくぶんじ子ども食堂"), group("西元町 見守り隊")
    feed(first, second)
    department = o.DepartmentCreated(
        department_id=DEPARTMENT, code="0100", name_ja="市民協働課", name_en="Civic Collaboration"
    )
    feed(department)
    published = call("地域の居場所づくり協働事業")
    feed(published)
    ranked = [first.group_id, second.group_id]
    feed(result(published.call_id, ranked, set_aside=uuid.uuid4(), reasons="地域との連携が具体的であるため"))
    project_id = report(feed, first.group_id)
    return {"results_call": str(published.call_id), "report": str(project_id)}


def report(feed: Feed, group_id: uuid.UUID) -> uuid.UUID:
    """A project and its evaluation report, as tests/pages/test_portal_screening_evaluation.py publishes them."""
    project_id = uuid.uuid4()
    criteria = [ACHIEVEMENT, ev.Criterion(key="collaboration", name_ja="協働の質", name_en="Collaboration")]
    feed(
        ev.ProjectCreated(
            project_id=project_id,
            source=ev.Source.ADOPTION,
            group_id=group_id,
            department_id=DEPARTMENT,
            title_ja="子育てひろば協働事業",
            call_id=uuid.uuid4(),
            proposal_id=uuid.uuid4(),
            criteria=criteria,
        )
    )
    indicator = ev.Indicator(
        key="visitors",
        name_ja="来場者数",
        unit="人",
        value_type=ev.ValueType.COUNT,
        baseline="100",
        target="300",
        method_ja="受付で数える",
    )
    group_self = ev.SelfEvaluation(
        partner=ev.Partner.GROUP,
        ratings=[ev.CriterionRating(key="achievement", rating=4, comment_ja="目標を概ね達成")],
        achieved=[ev.IndicatorValue(key="visitors", value="280", unit="人")],
        summary_ja="団体としての振り返り",
        content_hash="a" * 64,
        submitted_at=START,
    )
    feed(
        report_published(
            project_id,
            group_id,
            DEPARTMENT,
            agreement(2026, indicators=[indicator]),
            indicators=[ev.IndicatorResult(indicator=indicator, achieved_group="280", achieved_department="275")],
            self_evaluations=[group_self],
            criteria=criteria,
            evaluations=[
                ev.LabelledEvaluation(label="A", points={"achievement": 4, "collaboration": 3}),
                ev.LabelledEvaluation(label="B", points={"achievement": 5, "collaboration": 4}),
                ev.LabelledEvaluation(label="C", points={"achievement": 4, "collaboration": 4}),
            ],
            criterion_means={"achievement": "13/3", "collaboration": "11/3"},
            overall_mean="4/1",
            recusals=1,
            recommendation=ev.Recommendation.IMPROVE,
            reasons_ja="参加者は増えたが、周知に改善の余地がある",
            published_at=START + timedelta(days=200),
        )
    )
    return project_id
