"""The portal's screening register and evaluation reports (real store, real NATS; the read models fed through
info-hub's own handlers): decisions with their outcome, forms, reasons and department names, filtered by fiscal
year (令和N年度) and department and paged with the filters kept; a report with its indicators, both partners'
self-evaluations, the committee's labelled points and exact means, the recommendation and its reasons, the group
named from the directory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest_asyncio

from kyodo_contracts import evaluation as ev
from kyodo_contracts import registry_org as o
from kyodo_contracts import screening as s

from support.contract_builders import ACHIEVEMENT, agreement, project_record, report_published
from support.harness import Backend
from support.info_hub_open_data import group
from support.portal_b import Portal, headings_in_order, one, portal, table, text

START = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
DEPT_A, DEPT_B = uuid.UUID(int=0xA), uuid.UUID(int=0xB)


@pytest_asyncio.fixture(loop_scope="session")
async def hub(tmp_path: Path, nats_url: str, bus_namespace: str, backend: Backend) -> AsyncIterator[Portal]:
    async with portal(tmp_path, backend, nats_url, bus_namespace) as found:
        yield found


def decided(
    round_id: uuid.UUID, record: s.ProjectRecord, outcome: s.Outcome, minutes: int, *forms: s.CollaborationForm
) -> s.DecisionMade:
    answer = s.ChecklistAnswer(key="public_benefit", rating=s.Rating.YES, reason="地域課題に直結する")
    return s.DecisionMade(
        decision_id=uuid.uuid4(),
        round_id=round_id,
        project=record,
        outcome=outcome,
        forms=list(forms),
        reasons_ja=f"{record.title}の選別理由",
        reasons_en=None,
        rescreen_on=date(2026, 9, 1) if outcome is s.Outcome.NEEDS_STUDY else None,
        replaces=None,
        self_check=[answer],
        assessments=[s.LabelledAssessment(label="A", from_owner_department=False, answers=[answer])],
        recusals=0,
        cycle=1,
        round_fiscal_year=record.fiscal_year,
        decided_at=START + timedelta(minutes=minutes),
    )


def opened(round_id: uuid.UUID, fiscal_year: int) -> s.RoundOpened:
    return s.RoundOpened(
        round_id=round_id,
        fiscal_year=fiscal_year,
        title_ja=f"{fiscal_year}年度 事業の選別",
        checklist=[s.ChecklistItem(key="public_benefit", name_ja="公益性")],
        department_ids=[DEPT_A, DEPT_B],
        self_check_deadline=datetime(fiscal_year, 5, 31, 8, 0, tzinfo=UTC),
        opened_on=date(fiscal_year, 5, 1),
        team_subs=["member-1"],
    )


async def test_the_screening_register_is_filtered_by_fiscal_year_and_department_and_paged_keeping_the_filters(
    hub: Portal,
) -> None:
    hub.feed(
        o.DepartmentCreated(department_id=DEPT_A, code="0100", name_ja="市民協働課", name_en="Civic Collaboration")
    )
    hub.feed(o.DepartmentCreated(department_id=DEPT_B, code="0200", name_ja="子ども家庭課", name_en=None))
    rounds = {2025: uuid.uuid4(), 2026: uuid.uuid4()}
    hub.feed(*(opened(r, year) for year, r in rounds.items()))
    records = [
        project_record(DEPT_A if n % 2 else DEPT_B, fiscal_year=2026, project_number=f"2026-{n:03d}", title=f"事業{n}")
        for n in range(1, 6)
    ]
    older = project_record(DEPT_A, fiscal_year=2025, project_number="2025-001", title="前年度の事業")
    hub.feed(*(s.ProjectEntered(project=r) for r in [*records, older]))
    outcomes = [
        s.Outcome.SUITABLE,
        s.Outcome.NOT_SUITABLE,
        s.Outcome.NEEDS_STUDY,
        s.Outcome.SUITABLE,
        s.Outcome.SUITABLE,
    ]
    for n, (record, outcome) in enumerate(zip(records, outcomes, strict=True)):
        forms = (
            [s.CollaborationForm.COMMISSION, s.CollaborationForm.CO_HOSTING] if outcome is s.Outcome.SUITABLE else []
        )
        hub.feed(decided(rounds[2026], record, outcome, n, *forms))
    hub.feed(decided(rounds[2025], older, s.Outcome.SUITABLE, -1000, s.CollaborationForm.SUBSIDY))

    page = await hub.page("/screening-results", lang="ja")
    assert headings_in_order(page)
    # Filters: labelled selects offering each fiscal year with decisions, as 令和N年度, and each department.
    years = one(page, "//select[@name='fiscal_year']")
    assert one(page, f"//label[@for='{years.get('id')}']") is not None
    assert [text(o) for o in years.xpath("option")][1:] == ["令和8年度（2026年度）", "令和7年度（2025年度）"]
    assert [text(o) for o in page.xpath("//select[@name='department_id']/option")][1:] == ["市民協働課", "子ども家庭課"]
    rows = table(page, "選別結果（新しい順）")
    assert len(rows) == 7  # the header and six decisions, the newest first
    assert rows[1][0] == "2026-005 事業5"
    assert rows[1][3] == "協働に適する"
    forms = page.xpath("//caption[contains(., '選別結果（新しい順）')]/..//tbody/tr[1]/td[4]//li")
    assert [text(li) for li in forms] == ["委託", "共催"]
    assert rows[1][5] == "事業5の選別理由"
    assert "2026年6月1日 10:04" in rows[1][6]
    assert rows[3][3].startswith("要検討")
    assert "2026年9月1日" in rows[3][3]
    assert rows[-1][1] == "令和7年度（2025年度）"

    chosen = await hub.page("/screening-results", fiscal_year=2026, department_id=str(DEPT_A), per_page=2)
    rows = table(chosen, "選別結果（新しい順）")
    assert [r[0] for r in rows[1:]] == ["2026-005 事業5", "2026-003 事業3"]
    assert {r[2] for r in rows[1:]} == {"市民協働課"}
    assert one(chosen, "//select[@name='fiscal_year']/option[@selected]").get("value") == "2026"
    following = one(chosen, "//nav[contains(@class, 'pagination')]//a[@rel='next']").get("href")
    query = parse_qs(urlsplit(following).query)
    assert (query["fiscal_year"], query["department_id"], query["page"]) == (["2026"], [str(DEPT_A)], ["2"])
    last = table(await hub.page(following), "選別結果（新しい順）")
    assert [r[0] for r in last[1:]] == ["2026-001 事業1"]

    english = await hub.page("/screening-results", lang="en", fiscal_year=2025)
    rows = table(english, "Screening decisions")
    assert rows[1][1] == "FY2025 (Reiwa 7)"
    assert rows[1][2] == "Civic Collaboration"
    assert rows[1][3] == "Suitable for collaboration"


async def test_an_evaluation_report_shows_indicators_self_evaluations_the_committees_points_and_its_recommendation(
    hub: Portal,
) -> None:
    registered = group("こくぶんじ子育てネット")
    hub.feed(registered)
    project_id, group_id = uuid.uuid4(), registered.group_id
    criteria = [ACHIEVEMENT, ev.Criterion(key="collaboration", name_ja="協働の質", name_en="Collaboration")]
    hub.feed(
        ev.ProjectCreated(
            project_id=project_id,
            source=ev.Source.ADOPTION,
            group_id=group_id,
            department_id=DEPT_A,
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
    terms = agreement(2026, indicators=[indicator])
    rating = [ev.CriterionRating(key="achievement", rating=4, comment_ja="目標を概ね達成")]
    group_self = ev.SelfEvaluation(
        partner=ev.Partner.GROUP,
        ratings=rating,
        achieved=[ev.IndicatorValue(key="visitors", value="280", unit="人")],
        summary_ja="団体としての振り返り",
        content_hash="a" * 64,
        submitted_at=START,
    )
    report = report_published(
        project_id,
        group_id,
        DEPT_A,
        terms,
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
    hub.feed(report)

    listing = await hub.page("/evaluation-reports", lang="ja")
    assert headings_in_order(listing)
    rows = table(listing, "評価結果（新しい順）")
    assert rows[1][:4] == ["子育てひろば協働事業", "こくぶんじ子育てネット", "改善して継続", "4"]

    page = await hub.page(f"/evaluation-reports/{project_id}")
    assert headings_in_order(page)
    indicators = table(page, "協定の指標")
    assert indicators[1] == ["来場者数", "人", "100", "300", "280", "275"]
    # Both partners' self-evaluations have their place: the group's as published, the department's missing.
    assert "団体としての振り返り" in text(page)
    assert table(page, "団体の評価")[1] == ["目標の達成度", "4", "目標を概ね達成"]
    department = one(page, "//h3[text()='部署の自己評価']")
    assert text(department.xpath("following-sibling::p[1]")[0]) == "期限までに提出されませんでした。"
    committee = table(page, "委員の記号・評価項目ごとの点数")
    assert committee[1:4] == [["A", "4", "3"], ["B", "5", "4"], ["C", "4", "4"]]
    # Short column headers, the names in the key list above the table (it stays within the page in English too).
    assert committee[0] == ["委員", "評価項目 1", "評価項目 2"]
    key = [text(li) for li in page.xpath("//ol[@aria-labelledby='criteria-key-heading']/li")]
    assert key == ["評価項目 1：目標の達成度", "評価項目 2：協働の質"]
    assert table(page, "団体の評価")[0] == ["評価項目", "評価", "所見"]
    # The workspace's words: 総合平均点, 担当部署.
    assert page.xpath("//dt[text()='総合平均点']")
    assert page.xpath("//dt[text()='担当部署']")
    means = page.xpath("//tfoot//data")
    assert [(d.get("value"), d.get("class")) for d in means] == [
        ("13/3", "exact exact--approx"),
        ("11/3", "exact exact--approx"),
    ]
    assert "参加者は増えたが、周知に改善の余地がある" in text(page)
    assert text(one(page, "//dt[text()='回避した委員の数']/following-sibling::dd[1]")) == "1"
    assert text(one(page, "//dt[text()='団体']/following-sibling::dd[1]")) == "こくぶんじ子育てネット"
    assert f"kyodo audit recompute-evaluation {project_id}" in text(one(page, "//pre"))
    # The agreement's period written as the page's other dates are, not as the report's ISO text.
    period = one(page, "//dt[text()='期間']/following-sibling::dd[1]")
    assert text(period) == "2026年4月1日 – 2027年3月31日"
    assert period.xpath("time/@datetime") == ["2026-04-01", "2027-03-31"]

    missing = await hub.page(f"/evaluation-reports/{uuid.uuid4()}", status=404)
    assert "評価結果が見つかりません" in text(one(missing, "//h1"))

    english = await hub.page(f"/evaluation-reports/{project_id}", lang="en")
    committee = english.xpath("//table[caption[@id='committee-caption']]/thead//th")
    assert [text(th) for th in committee] == ["Member", "Criterion 1", "Criterion 2"]
    assert committee[2].xpath("abbr/@title") == ["Collaboration"]
    key = [text(li) for li in english.xpath("//ol[@aria-labelledby='criteria-key-heading']/li")]
    assert key == ["Criterion 1: 目標の達成度", "Criterion 2: Collaboration"]


async def test_the_link_to_a_screening_decision_says_it_opens_json(hub: Portal) -> None:
    registered = group("こくぶんじ見守り隊")
    hub.feed(registered)
    project_id, decision_id = uuid.uuid4(), uuid.uuid4()
    hub.feed(
        ev.ProjectCreated(
            project_id=project_id,
            source=ev.Source.SCREENING,
            group_id=registered.group_id,
            department_id=DEPT_A,
            title_ja="見守り共催事業",
            screening_decision_id=decision_id,
            screening_project_id=uuid.uuid4(),
            form="co_hosting",
            criteria=[ACHIEVEMENT],
        )
    )
    report = report_published(
        project_id,
        registered.group_id,
        DEPT_A,
        agreement(2026),
        screening_decision_id=decision_id,
        recommendation=ev.Recommendation.EXPAND,
        reasons_ja="継続して拡充する",
        published_at=START + timedelta(days=200),
    )
    hub.feed(report)
    for lang, words in (("ja", "この事業のもとになった選別結果（JSON）"), ("en", "(JSON)")):
        page = await hub.page(f"/evaluation-reports/{project_id}", lang=lang)
        link = one(page, f"//a[@href='/api/info-hub/screening/register/{decision_id}']")
        assert words in text(link)
        assert link.get("type") == "application/json"
