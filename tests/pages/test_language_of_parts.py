"""Language of parts (WCAG 3.1.2, JIS X 8341-3 7.3.1.2): on an English page every piece of Japanese, whether data
entered in Japanese (a call's title and criteria, a group's name, a department, a project, reasons) or a Japanese
term in the catalog's English (協働事業審査会), sits inside an element marked `lang="ja"`, so a screen reader reads it
in a Japanese voice. Portal pages with Japanese data are rendered through info-hub's pages app (real store, real NATS)
and read with lxml; `<title>` is the one place that cannot be marked (it holds text only)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from kyodo_contracts import evaluation as ev
from kyodo_contracts import registry_org as o
from kyodo_contracts import screening as s

from support.contract_builders import ACHIEVEMENT, agreement, project_record, report_published
from support.harness import Backend
from support.info_hub_open_data import call, group, result
from support.portal_b import Portal, portal

JAPANESE = re.compile("[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


@pytest_asyncio.fixture(loop_scope="session")
async def hub(tmp_path: Path, nats_url: str, bus_namespace: str, backend: Backend) -> AsyncIterator[Portal]:
    async with portal(tmp_path, backend, nats_url, bus_namespace) as found:
        yield found


def screened(record: s.ProjectRecord) -> s.DecisionMade:
    """A suitable decision on `record`, with Japanese reasons only."""
    answer = s.ChecklistAnswer(key="public_benefit", rating=s.Rating.YES, reason="地域課題に直結する")
    return s.DecisionMade(
        decision_id=uuid.uuid4(),
        round_id=uuid.uuid4(),
        project=record,
        outcome=s.Outcome.SUITABLE,
        forms=[s.CollaborationForm.COMMISSION],
        reasons_ja="地域との協働で効果が高まる",
        reasons_en=None,
        rescreen_on=None,
        replaces=None,
        self_check=[answer],
        assessments=[s.LabelledAssessment(label="A", from_owner_department=False, answers=[answer])],
        recusals=0,
        cycle=1,
        round_fiscal_year=record.fiscal_year,
        decided_at=datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
    )


def evaluated(project_id: uuid.UUID, group_id: uuid.UUID, department_id: uuid.UUID) -> list[Any]:
    """A project and its published evaluation report, written in Japanese only."""
    criteria = [ACHIEVEMENT, ev.Criterion(key="collaboration", name_ja="協働の質")]
    created = ev.ProjectCreated(
        project_id=project_id,
        source=ev.Source.ADOPTION,
        group_id=group_id,
        department_id=department_id,
        title_ja="子育てひろば協働事業",
        call_id=uuid.uuid4(),
        proposal_id=uuid.uuid4(),
        criteria=criteria,
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
        submitted_at=datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
    )
    report = report_published(
        project_id,
        group_id,
        department_id,
        agreement(2026, indicators=[indicator]),
        indicators=[ev.IndicatorResult(indicator=indicator, achieved_group="280", achieved_department="275")],
        self_evaluations=[group_self],
        criteria=criteria,
        evaluations=[
            ev.LabelledEvaluation(label=label, points={"achievement": 4, "collaboration": 4}) for label in "ABC"
        ],
        criterion_means={"achievement": "4/1", "collaboration": "4/1"},
        overall_mean="4/1",
        recusals=0,
        recommendation=ev.Recommendation.EXPAND,
        reasons_ja="参加者が増え、地域に根づいた",
        published_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
    )
    return [created, report]


def unmarked_japanese(tree: Any, page_lang: str = "ja") -> list[str]:
    """Text nodes in `<body>` holding kana or kanji whose nearest `lang` is not "ja" (the page's own counts)."""
    found = []
    for node in tree.xpath("//body//text()"):
        if not JAPANESE.search(node):
            continue
        holder = node.getparent()
        marked = holder.xpath("ancestor-or-self::*[@lang][1]/@lang")
        if (marked[0] if marked else page_lang) != "ja":
            found.append(f"<{holder.tag}> {node.strip()[:60]}")
    return found


def unmarked_english(tree: Any, phrases: list[str]) -> list[str]:
    """Each of `phrases` (English data) found in a text node whose nearest `lang` is not "en"."""
    found = []
    for node in tree.xpath("//body//text()"):
        for phrase in phrases:
            if phrase in node:
                marked = node.getparent().xpath("ancestor-or-self::*[@lang][1]/@lang")
                if (marked[0] if marked else "ja") != "en":
                    found.append(f"<{node.getparent().tag}> {phrase}")
    return found


async def test_japanese_data_on_english_portal_pages_is_marked_japanese(hub: Portal) -> None:
    first, second = group("こくぶんじ緑のボランティア"), group("西元町 見守り隊", area="西元町")
    hub.feed(first, second)
    published = call("地域の居場所づくり協働事業")  # a criterion with no English name: 効果
    hub.feed(published)
    hub.feed(result(published.call_id, [first.group_id, second.group_id], uuid.uuid4(), "地域との連携が具体的"))
    department = uuid.uuid4()
    hub.feed(o.DepartmentCreated(department_id=department, code="0300", name_ja="子育て支援課", name_en=None))
    record = project_record(department, fiscal_year=2026, project_number="K-002", title="放課後の居場所づくり")
    hub.feed(s.ProjectEntered(project=record))
    hub.feed(screened(record))
    project_id = uuid.uuid4()
    hub.feed(*evaluated(project_id, first.group_id, department))

    pages = [
        "/",
        "/groups",
        f"/groups/{first.group_id}",
        "/calls",
        f"/calls/{published.call_id}",
        f"/calls/{published.call_id}/results",
        "/screening-results",
        "/evaluation-reports",
        f"/evaluation-reports/{project_id}",
        "/surveys",
        "/trainings",
        "/news",
        "/open-data",
        "/transparency",
    ]
    problems = {}
    for path in pages:
        tree = await hub.page(path, lang="en")
        assert tree.xpath("/html/@lang") == ["en"]
        if found := unmarked_japanese(tree, "en"):
            problems[path] = found
    assert not problems, "\n".join(f"{path}: {node}" for path, nodes in problems.items() for node in nodes)

    # The data is there, marked: the call's title and description, the criterion without English, the group names.
    call_page = await hub.page(f"/calls/{published.call_id}", lang="en")
    assert call_page.xpath("//h1//*[@lang='ja'][. = '地域の居場所づくり協働事業']")
    assert call_page.xpath("//*[@lang='ja'][. = '効果']")
    assert call_page.xpath("//th[. = 'Feasibility'][not(ancestor-or-self::*[@lang='ja'])]")


async def test_english_data_on_a_japanese_page_is_marked_english(hub: Portal) -> None:
    english = group("Kokubunji English Club", purpose="English conversation for neighbours")
    hub.feed(english)
    published = call("地域の居場所づくり協働事業")
    hub.feed(published)
    hub.feed(result(published.call_id, [english.group_id], uuid.uuid4(), "地域との連携が具体的"))

    group_page = await hub.page(f"/groups/{english.group_id}", lang="ja")
    assert unmarked_english(group_page, ["Kokubunji English Club", "English conversation"]) == []
    results = await hub.page(f"/calls/{published.call_id}/results", lang="ja")
    assert unmarked_english(results, ["Kokubunji English Club", "Feasibility"]) == []
    # A Japanese page's own Japanese is never marked again.
    assert not results.xpath("//body//*[@lang='ja']")
