"""The center's, the register's and the survey's open datasets over HTTP (real NATS; SQLite and PostgreSQL stores):
each CSV read back with Python's csv module and with pandas (BOM present, Japanese intact, formula-looking cells
neutralised), its JSON pages, and its data dictionary. Trainings are made through the center's routes; the
screening and evaluation read models are fed through info-hub's own handlers (advancing each source's tracking in the
same transaction, as its consumer does); a past month's figures are published by a coordinator; a closed survey's
row is written as the survey's projection writes it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest_asyncio

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as ev
from kyodo_contracts import registry_org as o
from kyodo_contracts import screening as s
from kyodo_info_hub.bus import SUBSCRIPTIONS
from kyodo_info_hub.opendata_center_events import Publisher, trainings
from kyodo_info_hub.settings import CenterSettings
from kyodo_info_hub.survey_stats import Cell, QuestionStatistics, Statistics
from kyodo_shared.bus.dlq import tracked_in
from kyodo_shared.web.devissuer import DevIssuer

from support.contract_builders import agreement, envelope, project_record, report_published
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.info_hub_trainings import CENTER, TOKYO, announced, drafted, plan

PORTAL = "https://center.example"
DEPT = uuid.UUID(int=0xA)
AT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def info_hub(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    center = CenterSettings(public_url=PORTAL)
    settings = settings_for("info-hub", api_backend, nats_url, bus_namespace, issuer, center=center)
    async with platform({"info-hub": settings}, issuer) as p:
        yield p


def feed(p: Platform, *events: Contract) -> None:
    """Apply each event with info-hub's handler and advance its source's tracking, in one transaction each."""
    kernel = p.apps["info-hub"].state.kernel
    handlers = {sub.source: sub.handlers for sub in SUBSCRIPTIONS}
    for event in events:
        source = event.source_service()
        with kernel.db.transaction() as tx:
            sequence = tracked_in(tx, source) + 1
            message = envelope(event, sequence, AT, id=str(uuid.uuid4()), source=source, notification_id=0)
            handlers[source][type(event)](message, tx)
            kernel.ledger.advance(tx, source, sequence)


async def exported(p: Platform, name: str) -> tuple[list[str], list[dict[str, str]], pd.DataFrame, str]:
    """A dataset's CSV: its header, its rows by the csv module and by pandas, and its raw text."""
    response = await p.clients["info-hub"].get(f"/open-data/datasets/{name}.csv")
    assert response.status_code == 200, response.text
    raw = response.content
    assert raw.startswith(codecs.BOM_UTF8)
    text = raw.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text, newline="")))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame.to_dict("records") == rows, "pandas reads what the csv module reads"
    return header, rows, frame, text


async def records(p: Platform, name: str, per_page: int = 2) -> list[dict[str, Any]]:
    """Every JSON page of a dataset, following the pages until the total."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await p.clients["info-hub"].get(
            f"/open-data/datasets/{name}.json", params={"page": page, "per_page": per_page}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if page * per_page >= body["total"]:
            assert len(items) == body["total"]
            return items
        assert 'rel="next"' in response.headers["Link"]
        page += 1


def tokyo(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(TOKYO)


async def test_trainings_are_an_event_list_in_the_standard_layout_without_drafts_links_or_registrants(
    info_hub: Platform,
) -> None:
    p, hub = info_hub, info_hub.clients["info-hub"]
    first = await announced(p, plan(timedelta(days=10), title_ja="-市民活動入門"))
    online = await announced(p, plan(timedelta(days=11), place=None, online_url="https://meet.example/room-4821"))
    await drafted(p, plan(timedelta(days=9), title_ja="下書きの講座"))
    dropped = await drafted(p, plan(timedelta(days=8), title_ja="下書きのまま中止"))
    called_off = await announced(p, plan(timedelta(days=12), kind="course"))
    cancelled = await hub.post(
        f"/trainings/{called_off['id']}/cancellation",
        json={"reason_ja": "講師の体調不良"},
        headers={**p.token(*CENTER), "If-Match": f'"{called_off["version"]}"'},
    )
    assert cancelled.status_code == 200, cancelled.text
    await hub.post(f"/trainings/{first['id']}/registrations", json={}, headers=p.token("staff-canary", "staff"))

    async def three() -> bool:
        rows = (await exported(p, "trainings"))[1]
        return len(rows) == 3

    await eventually(three, timeout=20)
    # A store written before drafts could no longer be cancelled (8cc9c7c) may hold a cancelled draft: a row that was
    # never announced. Written here as the projection wrote it then; it was never public, so it is not listed.
    with p.apps["info-hub"].state.kernel.db.transaction() as tx:
        assert (
            tx.execute(
                "UPDATE hub_trainings SET status = 'cancelled' WHERE training_id = %s AND status = 'draft'",
                (dropped["id"],),
            )
            == 1
        ), "the draft is projected before the trainings announced after it"
    header, rows, _, text = await exported(p, "trainings")
    # The standard's items as headers (their exact list: test_info_hub_open_data_center_rows).
    assert header == [c.csv_header for c in trainings(Publisher()).columns]
    assert (header[0], header[4], header[31], header[32]) == (
        "都道府県コード又は市区町村コード",
        "イベント名",
        "備考",
        "種別",
    )
    # In the order of the trainings' ids (a rescheduled training keeps its place), no draft.
    assert [r["NO"] for r in rows] == sorted([first["id"], online["id"], called_off["id"]])
    by_id = {r["NO"]: r for r in rows}
    row = by_id[first["id"]]
    starts = tokyo(first["starts_at"])
    assert (row["都道府県コード又は市区町村コード"], row["都道府県名"], row["市区町村名"]) == (
        "132152",
        "東京都",
        "国分寺市",
    )
    assert row["イベント名"] == "'-市民活動入門", "a cell beginning with - is neutralised"
    assert (row["開始日"], row["開始時間"]) == (starts.date().isoformat(), starts.strftime("%H:%M"))
    assert (row["場所名称"], row["定員"], row["状態"]) == ("市民活動センター 会議室A", "20", "announced")
    assert row["URL"] == f"{PORTAL}/api/info-hub/trainings/{first['id']}"
    assert row["開始日時"] == starts.isoformat()
    assert by_id[online["id"]]["場所名称"] == "オンライン"
    cancelled_row = by_id[called_off["id"]]
    assert (cancelled_row["開始日時特記事項"], cancelled_row["状態"], cancelled_row["備考"]) == (
        "中止: 講師の体調不良",
        "cancelled",
        "講座",
    )
    assert "meet.example" not in text
    assert "staff-canary" not in text
    assert "下書き" not in text, "neither a draft nor a draft cancelled before it was announced"

    items = await records(p, "trainings")
    assert [i["no"] for i in items] == [r["NO"] for r in rows]
    by_no = {i["no"]: i for i in items}
    assert (by_no[first["id"]]["event_name"], by_no[first["id"]]["capacity"]) == ("-市民活動入門", 20)
    assert by_no[online["id"]]["online"] is True
    assert by_no[first["id"]]["audience"] == ["groups", "staff", "citizens"]

    dictionary = (await hub.get("/open-data/datasets/trainings")).json()
    assert "イベント一覧" in dictionary["standard"]
    assert [f["csv_header"] for f in dictionary["fields"]] == header


async def test_a_new_training_changes_the_event_lists_etag_and_an_unchanged_list_answers_304(
    info_hub: Platform,
) -> None:
    p, hub = info_hub, info_hub.clients["info-hub"]
    await announced(p, plan())

    async def etag() -> str:
        found = await hub.get("/open-data/datasets/trainings.csv")
        return str(found.headers["ETag"])

    async def settled() -> str:
        # The projection has applied the announcement once the list holds it.
        return await etag() if len((await exported(p, "trainings"))[1]) == 1 else ""

    before = await eventually(settled, timeout=20)
    unchanged = await hub.get("/open-data/datasets/trainings.csv", headers={"If-None-Match": before})
    assert unchanged.status_code == 304
    await announced(p, plan(timedelta(days=20)))

    async def changed() -> bool:
        return await etag() != before

    await eventually(changed, timeout=20)


def decided(record: s.ProjectRecord, round_id: uuid.UUID, minutes: int, **changes: Any) -> s.DecisionMade:
    answer = s.ChecklistAnswer(key="public_benefit", rating=s.Rating.YES, reason="自己点検の理由")
    values: dict[str, Any] = {
        "decision_id": uuid.uuid4(),
        "round_id": round_id,
        "project": record,
        "outcome": s.Outcome.SUITABLE,
        "forms": [s.CollaborationForm.COMMISSION, s.CollaborationForm.SUBSIDY],
        "reasons_ja": f"{record.title}は地域の団体と進められる",
        "reasons_en": None,
        "rescreen_on": None,
        "replaces": None,
        "self_check": [answer],
        "assessments": [s.LabelledAssessment(label="A", from_owner_department=False, answers=[answer])],
        "recusals": 1,
        "cycle": 1,
        "round_fiscal_year": 2026,
        "decided_at": AT + timedelta(minutes=minutes),
        **changes,
    }
    return s.DecisionMade(**values)


def project(n: int) -> s.ProjectRecord:
    return project_record(
        DEPT,
        project_id=uuid.uuid5(uuid.NAMESPACE_URL, f"project/{n}"),
        fiscal_year=2026,
        project_number=f"2026-{n:03d}",
        title=f"=事業 {n}",
        legal_basis="",
        budget_yen=1_200_000,
    )


async def test_the_register_is_one_flat_row_per_current_decision_with_its_department_and_forms(
    info_hub: Platform,
) -> None:
    p = info_hub
    round_id = uuid.UUID(int=0x2026)
    first, other = project(1), project(2)
    wrong = decided(first, round_id, 1, outcome=s.Outcome.NOT_SUITABLE, forms=[])
    corrected = decided(first, round_id, 5, replaces=wrong.decision_id)
    needs_study = decided(other, round_id, 3, outcome=s.Outcome.NEEDS_STUDY, forms=[], rescreen_on=date(2026, 9, 1))
    feed(
        p,
        o.DepartmentCreated(department_id=DEPT, code="0100", name_ja="市民協働課", name_en="Civic Collaboration"),
        s.RoundOpened(
            round_id=round_id,
            fiscal_year=2026,
            title_ja="2026年度 事業の選別",
            title_en="Screening 2026",
            checklist=[s.ChecklistItem(key="public_benefit", name_ja="公益性", name_en="Public benefit")],
            department_ids=[DEPT],
            self_check_deadline=datetime(2026, 5, 31, 8, 0, tzinfo=UTC),
            opened_on=date(2026, 5, 1),
            team_subs=["member-canary-1"],
        ),
        s.ProjectEntered(project=first),
        s.ProjectEntered(project=other),
        wrong,
        needs_study,
        corrected,
    )
    _, rows, _, text = await exported(p, "screening-register")
    # The wrong decision gave way to its correction; decision time order: needs_study (3), the correction (5).
    assert [r["decision_id"] for r in rows] == [str(needs_study.decision_id), str(corrected.decision_id)]
    row = rows[1]
    assert (row["department_name_ja"], row["round_title_ja"], row["fiscal_year"]) == (
        "市民協働課",
        "2026年度 事業の選別",
        "2026",
    )
    assert (row["project_title"], row["outcome_ja"], row["replaces"]) == (
        "'=事業 1",
        "協働に適する",
        str(wrong.decision_id),
    )
    assert (row["forms"], row["forms_ja"], row["budget_yen"]) == ("commission;subsidy", "委託;補助", "1200000")
    assert (row["legal_basis"], row["decided_at"]) == ("", "2026-06-01T10:05:00+09:00")
    assert (rows[0]["rescreen_on"], rows[0]["outcome"]) == ("2026-09-01", "needs_study")
    assert "member-canary-1" not in text
    assert "自己点検の理由" not in text, "the answers stay in the structured document"
    items = await records(p, "screening-register", per_page=1)
    assert (items[1]["forms"], items[1]["budget_yen"], items[1]["project_title"]) == (
        ["commission", "subsidy"],
        1_200_000,
        "=事業 1",
    )


def report(project_id: uuid.UUID) -> ev.ReportPublished:
    return report_published(
        project_id,
        uuid.UUID(int=0x61),
        DEPT,
        agreement(2027, title_ja="子育てひろば協働事業"),
        criteria=[ev.Criterion(key="achievement", name_ja="目標の達成度")],
        criterion_means={"achievement": "29/7"},
        comments={"achievement": ["委員のコメント7f3e"]},
        overall_mean="29/7",
        recusals=1,
        recommendation=ev.Recommendation.IMPROVE,
        reasons_ja="目標に近く、改善して継続する",
        confirmed_by="vice_chair",
        published_at=datetime(2028, 6, 1, 3, 0, tzinfo=UTC),
    )


async def test_an_evaluation_report_is_a_row_with_its_exact_and_decimal_mean_and_no_members_words(
    info_hub: Platform,
) -> None:
    p = info_hub
    project_id = uuid.UUID(int=0xE1)
    feed(
        p,
        o.DepartmentCreated(department_id=DEPT, code="0100", name_ja="市民協働課", name_en=None),
        ev.ProjectCreated(
            project_id=project_id,
            source=ev.Source.ADOPTION,
            group_id=uuid.UUID(int=0x61),
            department_id=DEPT,
            title_ja="子育てひろば協働事業",
            call_id=uuid.UUID(int=0xCA11),
            proposal_id=uuid.UUID(int=0x9901),
            criteria=[ev.Criterion(key="achievement", name_ja="目標の達成度")],
        ),
        report(project_id),
    )
    _, rows, _, text = await exported(p, "evaluation-reports")
    assert len(rows) == 1
    row = rows[0]
    # 29/7 = 4.142… → 4.14; 03:00 UTC is noon in Tokyo.
    assert (row["overall_mean"], row["overall_mean_value"], row["recusals"]) == ("29/7", "4.14", "1")
    assert (row["recommendation"], row["recommendation_ja"], row["title_ja"]) == (
        "improve",
        "改善して継続",
        "子育てひろば協働事業",
    )
    assert (row["department_name_ja"], row["group_name"], row["published_at"]) == (
        "市民協働課",
        "",
        "2028-06-01T12:00:00+09:00",
    )
    assert "委員のコメント7f3e" not in text
    assert (await records(p, "evaluation-reports"))[0]["overall_mean_value"] == 4.14
    _, means, _, text = await exported(p, "evaluation-criterion-means")
    assert [(m["project_id"], m["criterion"], m["criterion_ja"], m["mean"], m["mean_value"]) for m in means] == [
        (str(project_id), "achievement", "目標の達成度", "29/7", "4.14")
    ]
    assert "委員のコメント7f3e" not in text


async def test_a_past_months_figures_published_by_a_coordinator_are_rows_of_measures(info_hub: Platform) -> None:
    p, hub = info_hub, info_hub.clients["info-hub"]
    published = await hub.post("/cases/statistics/2026-01", headers=p.token(*CENTER))
    assert published.status_code == 201, published.text

    async def listed() -> list[dict[str, str]]:
        return (await exported(p, "coordination-figures"))[1]

    rows = await eventually(listed, timeout=20)
    # No case in that month: received 0, three urgencies, routed, overdue, acknowledged, its median (none),
    # closed, three outcomes, its median (none); no field of activity.
    assert len(rows) == 13
    assert {r["month"] for r in rows} == {"2026-01"}
    assert [(r["measure"], r["category"], r["value"]) for r in rows[:4]] == [
        ("received", "", "0"),
        ("received_by_urgency", "low", "0"),
        ("received_by_urgency", "normal", "0"),
        ("received_by_urgency", "high", "0"),
    ]
    medians = [r["value"] for r in rows if r["measure"].startswith("median_")]
    assert medians == ["", ""]
    assert rows[0]["measure_ja"] == "受付件数"


QUESTIONS = [
    {"key": "field", "kind": "single", "text_ja": "主な活動分野", "text_en": "Main field",
     "options": [{"key": "env", "label_ja": "環境", "label_en": "Environment"},
                 {"key": "kids", "label_ja": "子育て", "label_en": "Children"}]},
    {"key": "free", "kind": "text", "text_ja": "ご意見", "text_en": "Comments", "options": []},
]  # fmt: skip
STATISTICS = Statistics(
    targets=10,
    answered=7,
    response_rate_percent="70.0",
    questions=[
        QuestionStatistics(
            key="field",
            kind="single",
            answers=7,
            published=True,
            distribution=[
                Cell(category="env", count=7, percent="100.0"),
                Cell(category="kids", count=0, percent="0.0"),
            ],
        ),
        QuestionStatistics(key="free", kind="text", answers=5, published=False),
    ],
    crosstabs=[],
)


async def test_a_closed_surveys_published_statistics_are_rows_and_an_open_survey_gives_none(
    info_hub: Platform,
) -> None:
    p = info_hub
    db = p.apps["info-hub"].state.kernel.db
    columns = "survey_id, fiscal_year, title_ja, title_en, status, opens_at, closes_at, closed_at, statistics, "
    columns += "questions, record, version"
    questions = json.dumps(QUESTIONS, ensure_ascii=False)
    with db.transaction() as tx:
        for survey_id, status, stats in (
            ("s-closed", "closed", STATISTICS.model_dump_json()),
            ("s-open", "open", None),
        ):
            tx.execute(
                f"INSERT INTO hub_surveys ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (survey_id, 2027, "実態調査", "Survey", status, "2027-06-01T09:00:00+09:00",
                 "2027-06-30T17:00:00+09:00", "2027-06-30T17:00:00+09:00" if stats else None, stats, questions,
                 "{}", 1),
            )  # fmt: skip
    rows = (await exported(p, "survey-statistics"))[1]
    # targets, answered, rate; field: answers and two options (a zero is published as a zero); free: answers only.
    assert [(r["survey_id"], r["measure"], r["category"], r["value"]) for r in rows] == [
        ("s-closed", "targets", "", "10"),
        ("s-closed", "answered", "", "7"),
        ("s-closed", "response_rate_percent", "", "70.0"),
        ("s-closed", "answers", "", "7"),
        ("s-closed", "count", "env", "7"),
        ("s-closed", "count", "kids", "0"),
        ("s-closed", "answers", "", "5"),
    ]
    assert (rows[5]["category_ja"], rows[5]["percent"], rows[6]["question_text_ja"]) == ("子育て", "0.0", "ご意見")
    assert rows[0]["closed_at"] == "2027-06-30T17:00:00+09:00"
    items = await records(p, "survey-statistics", per_page=100)
    assert (items[0]["value"], items[4]["percent"]) == (10, 100)


async def test_the_survey_statistics_etag_moves_with_a_close_and_never_with_other_activity(info_hub: Platform) -> None:
    """While a survey is open, info-hub's events (answers saved and submitted among them) move every projection's
    position; the statistics' ETag must not follow them, or polling it would tell how busy the answering is."""
    p, hub = info_hub, info_hub.clients["info-hub"]
    db = p.apps["info-hub"].state.kernel.db
    columns = "survey_id, fiscal_year, title_ja, title_en, status, opens_at, closes_at, closed_at, statistics, "
    columns += "questions, record, version"
    row = ("s-1", 2027, "実態調査", "Survey", "open", "2027-06-01T09:00:00+09:00", "2027-06-30T17:00:00+09:00")
    with db.transaction() as tx:
        tx.execute(
            f"INSERT INTO hub_surveys ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (*row, None, None, json.dumps(QUESTIONS, ensure_ascii=False), "{}", 1),
        )

    async def etag() -> str:
        return str((await hub.get("/open-data/datasets/survey-statistics.csv")).headers["ETag"])

    before = await etag()
    await announced(p, plan())  # an event of info-hub: every projection's position moves past it
    await eventually(lambda: _position(db, "info_hub_surveys") > 0, timeout=20)
    unchanged = await hub.get("/open-data/datasets/survey-statistics.csv", headers={"If-None-Match": before})
    assert unchanged.status_code == 304, "activity while the survey is open changes nothing published"
    with db.transaction() as tx:
        tx.execute(
            "UPDATE hub_surveys SET status = 'closed', closed_at = closes_at, statistics = %s WHERE survey_id = 's-1'",
            (STATISTICS.model_dump_json(),),
        )
    assert await etag() != before, "the close publishes statistics: a new state"


def _position(db: Any, name: str) -> int:
    with db.transaction(read_only=True) as tx:
        found = tx.fetchone("SELECT position FROM kyodo_projection_position WHERE name = %s", (name,))
    return int(str(found[0])) if found else 0
