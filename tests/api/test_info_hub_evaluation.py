"""info-hub's collaboration projects and evaluation reports (協働事業と評価結果) over HTTP (real NATS; SQLite and
PostgreSQL stores): the projects and their filters, one project's agreement and public timeline in the source's
order, the published report whole, and a call's results naming the project each adopted proposal became with its
recommendation. The read models are fed through info-hub's own handlers, one message per transaction as the consumer
applies them; one test publishes on the evaluation stream, a reminder among the messages, for the consumer.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest_asyncio
from nats.js.api import StreamConfig

from kyodo_contracts import Contract, stream_name, stream_subjects
from kyodo_contracts import evaluation as ev
from kyodo_contracts import proposals as p
from kyodo_info_hub.bus import SUBSCRIPTIONS
from kyodo_info_hub.bus.evaluation import TABLES
from kyodo_shared.bus.cloudevents import Envelope, encode, message_id
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, platform, settings_for

START = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)
GROUP, OTHER_GROUP = uuid.UUID(int=0x61), uuid.UUID(int=0x62)
DEPT_A, DEPT_B = uuid.UUID(int=0xA), uuid.UUID(int=0xB)
CALL, PROPOSAL, NOT_ADOPTED = uuid.UUID(int=0xCA11), uuid.UUID(int=0x9901), uuid.UUID(int=0x9902)
ADOPTED, SCREENED = uuid.UUID(int=0xE1), uuid.UUID(int=0xE2)
CRITERIA = [ev.Criterion(key="achievement", name_ja="目標の達成度", name_en="Achievement")]
HASH_1, HASH_2 = "1" * 64, "2" * 64


@pytest_asyncio.fixture(loop_scope="session")
async def info_hub(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("info-hub", api_backend, nats_url, bus_namespace, issuer)
    async with platform({"info-hub": settings}, issuer) as p_:
        yield p_


def envelope(event: Contract, sequence: int) -> Envelope:
    source = event.source_service()
    return Envelope(
        id=message_id(source, sequence, 0),
        source=f"/kyodo/{source}",
        type=event.ce_type(),
        time=START + timedelta(minutes=sequence),
        subject=source,
        sequence=sequence,
        correlation_id="c",
        causation_id="c",
        data=event,
        notification_id=sequence,
    )


class Feed:
    """Applies events as info-hub's consumer does, each in its own transaction, sequences per source; a contract
    info-hub does not follow takes its sequence and is passed by, as the consumer passes it."""

    def __init__(self, hub: Platform) -> None:
        self.db = hub.apps["info-hub"].state.kernel.db
        self.handlers = {c: h for sub in SUBSCRIPTIONS for c, h in sub.handlers.items()}
        self.sequences: dict[str, int] = {}
        self.applied: list[Envelope] = []

    def __call__(self, *events: Contract) -> None:
        for event in events:
            source = event.source_service()
            self.sequences[source] = self.sequences.get(source, 0) + 1
            self.apply(envelope(event, self.sequences[source]))

    def apply(self, message: Envelope) -> None:
        handler = self.handlers.get(type(message.data))
        if handler is not None:
            with self.db.transaction() as tx:
                handler(message, tx)
        self.applied.append(message)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        with self.db.transaction(read_only=True) as tx:
            return {t: sorted(tx.fetchall(f"SELECT * FROM {t}"), key=repr) for t in TABLES}


# ------------------------------------------------------------------------------------------------ building events


def created(project_id: uuid.UUID, *, adopted: bool = True) -> ev.ProjectCreated:
    if adopted:
        return ev.ProjectCreated(
            project_id=project_id,
            source=ev.Source.ADOPTION,
            group_id=GROUP,
            department_id=DEPT_A,
            title_ja="子育てひろば協働事業",
            call_id=CALL,
            proposal_id=PROPOSAL,
            criteria=CRITERIA,
        )
    return ev.ProjectCreated(
        project_id=project_id,
        source=ev.Source.SCREENING,
        group_id=OTHER_GROUP,
        department_id=DEPT_B,
        title_ja="環境フェア共催",
        screening_decision_id=uuid.UUID(int=0xD1),
        screening_project_id=uuid.UUID(int=0x5C1),
        form="co_hosting",
        criteria=CRITERIA,
    )


def agreement(total: int) -> ev.Agreement:
    indicator = ev.Indicator(
        key="visitors",
        name_ja="来場者数",
        unit="人",
        value_type=ev.ValueType.COUNT,
        baseline="100",
        target="300",
        method_ja="受付で数える",
    )
    return ev.Agreement(
        title_ja="子育てひろば協働事業",
        role_group_ja="運営",
        role_department_ja="会場の提供",
        budget=ev.Budget(total_yen=total, city_yen=total // 2, group_yen=total - total // 2),
        period_start=date(2027, 4, 1),
        period_end=date(2028, 3, 31),
        deliverables=["報告書"],
        indicators=[indicator],
        report_dates=[date(2027, 9, 30), date(2027, 12, 28)],
    )


def concluded(project_id: uuid.UUID, version: int, reason: str | None = None) -> ev.AgreementConcluded:
    return ev.AgreementConcluded(
        project_id=project_id,
        agreement_version=version,
        agreement_hash=HASH_1 if version == 1 else HASH_2,
        agreement=agreement(1_000_000 * version),
        amendment_reason=reason,
        concluded_at=START + timedelta(days=version),
    )


# The center's own criteria for the project, set before its agreement (they replace the published defaults).
OWN_CRITERIA = [
    ev.Criterion(key="achievement", name_ja="目標の達成度"),
    ev.Criterion(key="reach", name_ja="参加者の広がり"),
]
SUBSTITUTE_REASON = "回避により定足数に満たないため"


def lifecycle(project_id: uuid.UUID) -> list[Contract]:
    """From the agreement to the published report, a reminder and an overdue report on the way."""
    self_evaluation = ev.SelfEvaluation(
        partner=ev.Partner.GROUP,
        ratings=[ev.CriterionRating(key="achievement", rating=4, comment_ja="概ね達成")],
        achieved=[ev.IndicatorValue(key="visitors", value="280", unit="人")],
        summary_ja="概ね達成した",
        content_hash="a" * 64,
        submitted_at=START + timedelta(days=380),
    )
    return [
        ev.CriteriaSet(project_id=project_id, criteria=OWN_CRITERIA),
        concluded(project_id, 1),
        ev.ReportReminderDue(project_id=project_id, partner=ev.Partner.GROUP, report_index=1, due_on=date(2027, 9, 30)),
        ev.ReportFiled(
            project_id=project_id,
            partner=ev.Partner.GROUP,
            report_index=1,
            due_on=date(2027, 9, 30),
            values=[ev.IndicatorValue(key="visitors", value="150", unit="人")],
            summary_ja="順調",
            late=True,
            filed_at=datetime(2027, 10, 2, 1, 0, tzinfo=UTC),
        ),
        ev.ReportOverdue(
            project_id=project_id, partner=ev.Partner.DEPARTMENT, report_index=1, due_on=date(2027, 9, 30)
        ),
        concluded(project_id, 2, "予算の増額"),
        ev.ProjectEnded(
            project_id=project_id,
            ended_on=date(2028, 3, 31),
            self_evaluation_deadline=datetime(2028, 4, 30, 14, 59, tzinfo=UTC),
        ),
        ev.SelfEvaluationsUnsealed(project_id=project_id, cause="deadline", self_evaluations=[self_evaluation]),
        ev.CommitteeOpened(
            project_id=project_id,
            committee_id=uuid.UUID(int=0xC0),
            opened_on=date(2028, 5, 10),
            member_subs=["member-1", "member-2", "member-3"],
            chair_sub="member-1",
            vice_chair_sub="member-2",
            quorum=2,
            criteria=CRITERIA,
        ),
        ev.CommitteeSubstituteAdded(project_id=project_id, member_sub="member-4", reason=SUBSTITUTE_REASON),
        published(project_id, self_evaluation),
    ]


def published(project_id: uuid.UUID, self_evaluation: ev.SelfEvaluation) -> ev.ReportPublished:
    return ev.ReportPublished(
        project_id=project_id,
        group_id=GROUP,
        department_id=DEPT_A,
        call_id=CALL,
        proposal_id=PROPOSAL,
        agreement_version=2,
        agreement_hash=HASH_2,
        agreement=agreement(2_000_000),
        indicators=[
            ev.IndicatorResult(indicator=agreement(1).indicators[0], achieved_group="280", achieved_department=None)
        ],
        self_evaluations=[self_evaluation],
        criteria=CRITERIA,
        evaluations=[ev.LabelledEvaluation(label="A", points={"achievement": 4})],
        criterion_means={"achievement": "4/1"},
        overall_mean="4/1",
        recusals=1,
        recommendation=ev.Recommendation.IMPROVE,
        reasons_ja="来場者の目標に近く、改善して継続する",
        reasons_en="Continue with improvements",
        confirmed_by="vice_chair",
        published_at=datetime(2028, 6, 1, 3, 0, tzinfo=UTC),
    )


def call_events() -> list[Contract]:
    rules = p.CallRules(
        kind=p.CallKind.OPEN_CALL,
        title_ja="子育て支援の提案募集",
        description_ja="子育て支援",
        department_id=DEPT_A,
        criteria=[p.CallCriterion(key="impact", name_ja="効果", weight=1, max_points=5)],
        formula=p.Formula.WEIGHTED_SUM_OF_MEANS,
        passing_score="3/1",
        select=1,
        tie_rule=p.TieRule.LOTTERY,
        priority=[],
        quorum=1,
        deadline=START - timedelta(days=30),
        committee_id=uuid.UUID(int=0xB0),
        minimum_extension_days=7,
    )

    def result(proposal_id: uuid.UUID, rank: int, selected: bool) -> p.ProposalResult:
        return p.ProposalResult(
            proposal_id=proposal_id,
            group_id=GROUP if selected else OTHER_GROUP,
            rank=rank,
            score="4/1" if selected else "2/1",
            score_display="4.00" if selected else "2.00",
            criterion_means={"impact": "4/1" if selected else "2/1"},
            passes=selected,
            selected=selected,
            tie_broken=False,
            lottery_key="0" * 64,
            recusals=0,
            scores=[],
        )

    return [
        p.CallPublished(
            call_id=CALL,
            rules=rules,
            board_subs=["b-1"],
            chair_sub="b-1",
            vice_chair_sub=None,
            seed_commitment="0" * 64,
            published_at=START - timedelta(days=60),
        ),
        p.CallClosed(call_id=CALL, closed_at=START - timedelta(days=30)),
        p.CallResultsPublished(
            call_id=CALL,
            proposals=[result(PROPOSAL, 1, True), result(NOT_ADOPTED, 2, False)],
            selected=[PROPOSAL],
            reasons="効果が高い",
            seed="0" * 64,
        ),
    ]


async def get(hub: Platform, url: str, **params: Any) -> Any:
    response = await hub.clients["info-hub"].get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


TIMELINE = [
    ("project_created", {"source": "adoption", "title_ja": "子育てひろば協働事業", "form": None}),
    ("criteria_set", {"criteria": ["achievement", "reach"]}),
    ("agreement_concluded", {"version": 1, "agreement_hash": HASH_1, "amendment_reason": None}),
    ("report_filed", {"partner": "group", "report_index": 1, "due_on": "2027-09-30", "late": True}),
    ("report_overdue", {"partner": "department", "report_index": 1, "due_on": "2027-09-30"}),
    ("agreement_amended", {"version": 2, "agreement_hash": HASH_2, "amendment_reason": "予算の増額"}),
    ("project_ended", {"ended_on": "2028-03-31", "self_evaluation_deadline": "2028-04-30T23:59:00+09:00"}),
    ("self_evaluations_unsealed", {"cause": "deadline", "partners": ["group"]}),
    (
        "committee_opened",
        {"committee_id": str(uuid.UUID(int=0xC0)), "opened_on": "2028-05-10", "members": 3, "quorum": 2},
    ),
    ("committee_substitute_added", {"reason": SUBSTITUTE_REASON}),
    ("report_published", {"recommendation": "improve", "overall_mean": "4/1"}),
]


# ------------------------------------------------------------------------------------------------------ the portal


async def test_the_portal_lists_projects_and_shows_one_with_its_latest_agreement_and_timeline_in_order(
    info_hub: Platform,
) -> None:
    feed = Feed(info_hub)
    feed(created(ADOPTED), created(SCREENED, adopted=False), *lifecycle(ADOPTED))
    listed = await get(info_hub, "/collaboration-projects")
    assert (listed["total"], [i["id"] for i in listed["items"]]) == (2, [str(SCREENED), str(ADOPTED)])
    adopted = await get(info_hub, "/collaboration-projects", group_id=str(GROUP))
    assert [(i["id"], i["stage"], i["recommendation"]) for i in adopted["items"]] == [
        (str(ADOPTED), "reported", "improve")
    ]
    by_department = await get(info_hub, "/collaboration-projects", department_id=str(DEPT_B))
    assert [(i["id"], i["source"], i["form"], i["stage"]) for i in by_department["items"]] == [
        (str(SCREENED), "screening", "co_hosting", "created")
    ]
    assert (await get(info_hub, "/collaboration-projects", recommendation="end"))["items"] == []
    assert (await get(info_hub, "/collaboration-projects", recommendation="improve"))["total"] == 1

    detail = await get(info_hub, f"/collaboration-projects/{ADOPTED}")
    assert (detail["call_id"], detail["proposal_id"]) == (str(CALL), str(PROPOSAL))
    assert detail["criteria"] == [c.model_dump(mode="json") for c in OWN_CRITERIA]
    agreed = detail["agreement"]
    assert (agreed["version"], agreed["amendment_reason"], agreed["agreement"]["budget"]["total_yen"]) == (
        2,
        "予算の増額",
        2_000_000,
    )
    # One row per public event, in the stream's order; the reminder is not one of them, and nobody is named.
    assert [(t["kind"], t["detail"]) for t in detail["timeline"]] == TIMELINE
    sequences = [t["sequence"] for t in detail["timeline"]]
    assert sequences == sorted(sequences)
    assert detail["timeline"][3]["at"] == "2027-10-02T10:00:00+09:00"
    assert "member-1" not in str(detail)
    assert "member-4" not in str(detail)
    fresh = await get(info_hub, f"/collaboration-projects/{SCREENED}")
    assert (fresh["agreement"], [t["kind"] for t in fresh["timeline"]]) == (None, ["project_created"])


async def test_the_report_is_shown_whole_and_the_call_results_name_the_project_and_its_recommendation(
    info_hub: Platform,
) -> None:
    feed = Feed(info_hub)
    feed(*call_events(), created(ADOPTED), created(SCREENED, adopted=False))
    call = await get(info_hub, f"/calls/{CALL}")
    assert call["status"] == "results_published"
    assert call["collaboration_projects"] == [
        {"proposal_id": str(PROPOSAL), "project_id": str(ADOPTED), "recommendation": None, "report_published_at": None}
    ]
    assert (await get(info_hub, "/evaluation-reports"))["total"] == 0

    events = lifecycle(ADOPTED)
    feed(*events)
    report = events[-1]
    assert isinstance(report, ev.ReportPublished)
    listed = await get(info_hub, "/evaluation-reports", call_id=str(CALL))
    assert [(r["project_id"], r["title_ja"], r["recommendation"]) for r in listed["items"]] == [
        (str(ADOPTED), "子育てひろば協働事業", "improve")
    ]
    assert (await get(info_hub, "/evaluation-reports", recommendation="expand"))["total"] == 0
    shown = await get(info_hub, f"/evaluation-reports/{ADOPTED}")
    assert shown["report"] == report.model_dump(mode="json")
    assert (shown["call_id"], shown["proposal_id"], shown["published_at"]) == (
        str(CALL),
        str(PROPOSAL),
        "2028-06-01T12:00:00+09:00",
    )
    # The call's results link back: the adopted proposal, its project, and the recommendation now published.
    for results in (
        (await get(info_hub, f"/calls/{CALL}")),
        (await get(info_hub, "/calls", status="results_published"))["items"][0],
    ):
        assert results["collaboration_projects"] == [
            {
                "proposal_id": str(PROPOSAL),
                "project_id": str(ADOPTED),
                "recommendation": "improve",
                "report_published_at": "2028-06-01T12:00:00+09:00",
            }
        ]


async def test_an_unknown_project_or_report_is_a_404_problem_in_japanese_and_english(info_hub: Platform) -> None:
    client = info_hub.clients["info-hub"]
    Feed(info_hub)(created(SCREENED, adopted=False))
    for url, title_ja, title_en in (
        (f"/collaboration-projects/{uuid.uuid4()}", "協働事業が見つかりません", "Collaboration project not found"),
        (f"/evaluation-reports/{SCREENED}", "評価結果が見つかりません", "Evaluation report not found"),
    ):
        missing = await client.get(url)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert (missing.json()["title_ja"], missing.json()["title_en"]) == (title_ja, title_en)
    refused = await client.get("/collaboration-projects", params={"recommendation": "maybe"})
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "query.recommendation")


async def test_the_same_messages_applied_again_change_nothing(info_hub: Platform) -> None:
    feed = Feed(info_hub)
    feed(*call_events(), created(ADOPTED), *lifecycle(ADOPTED))
    rows = feed.rows()
    detail = await get(info_hub, f"/collaboration-projects/{ADOPTED}")
    for message in list(feed.applied):
        feed.apply(message)
    assert feed.rows() == rows
    assert await get(info_hub, f"/collaboration-projects/{ADOPTED}") == detail
    assert detail["stage"] == "reported"


# --------------------------------------------------------------------------------------------- through the bus


async def test_a_reminder_on_the_evaluation_stream_is_passed_by_and_the_messages_after_it_arrive(
    info_hub: Platform, nats_url: str, bus_namespace: str
) -> None:
    events: list[Contract] = [
        created(ADOPTED),
        ev.ReportReminderDue(project_id=ADOPTED, partner=ev.Partner.GROUP, report_index=1, due_on=date(2027, 9, 30)),
        ev.SelfEvaluationReminderDue(
            project_id=ADOPTED, partner=ev.Partner.DEPARTMENT, deadline=datetime(2028, 4, 30, tzinfo=UTC)
        ),
        concluded(ADOPTED, 1),
    ]
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_stream(
            StreamConfig(
                name=stream_name(bus_namespace, "evaluation"), subjects=[stream_subjects(bus_namespace, "evaluation")]
            )
        )
        for sequence, event in enumerate(events, start=1):
            headers, data = encode(envelope(event, sequence))
            await js.publish(event.subject(bus_namespace), data, headers=headers)
    finally:
        await nc.close()

    async def agreed() -> Any:
        response = await info_hub.clients["info-hub"].get(f"/collaboration-projects/{ADOPTED}")
        return response.status_code == 200 and response.json()["agreement"] is not None and response.json()

    detail = await eventually(agreed, timeout=20)
    assert [(t["kind"], t["sequence"]) for t in detail["timeline"]] == [
        ("project_created", 1),
        ("agreement_concluded", 4),
    ]
    assert detail["stage"] == "agreed"


def test_every_evaluation_contract_but_the_reminders_has_a_handler() -> None:
    followed = {sub.source: set(sub.handlers) for sub in SUBSCRIPTIONS}["evaluation"]
    reminders = {ev.ReportReminderDue, ev.SelfEvaluationReminderDue}
    assert followed == set(ev.PUBLISHED) - reminders
