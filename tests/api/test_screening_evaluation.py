"""Screening shows the evaluation committee's recommendation beside the project a collaboration came from (real
NATS; SQLite and PostgreSQL stores): the evaluation service's published report reaches screening over its stream,
and the next fiscal year's round lists it beside the project with the same department and project number — not
beside another department's project of that number, nor another number of the department.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest_asyncio

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as ev
from kyodo_contracts import registry_org as o
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.contract_builders import agreement, published_on_the_bus, report_published
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.screening import round_body, screening_now

TOKYO = ZoneInfo("Asia/Tokyo")
DEPT_A, DEPT_B = uuid.UUID(int=0xA), uuid.UUID(int=0xB)
PUBLISHED_AT = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def screening(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("screening", api_backend, nats_url, bus_namespace, issuer)
    async with platform({"screening": settings}, issuer) as p:
        yield p


async def publish(nats_url: str, namespace: str, source: str, events: list[Contract], first: int = 1) -> None:
    await published_on_the_bus(nats_url, namespace, {source: events}, at=PUBLISHED_AT, first=first)


def report(project_id: uuid.UUID, screened: uuid.UUID | None, recommendation: ev.Recommendation) -> ev.ReportPublished:
    indicator = ev.Indicator(
        key="visitors",
        name_ja="来場者数",
        unit="人",
        value_type=ev.ValueType.COUNT,
        baseline="100",
        target="300",
        method_ja="受付で数える",
    )
    terms = agreement(
        2025,
        budget=ev.Budget(total_yen=1_000, city_yen=500, group_yen=500),
        deliverables=[],
        indicators=[indicator],
        report_dates=[],
    )
    return report_published(
        project_id,
        uuid.UUID(int=0x61),
        DEPT_A,
        terms,
        screening_decision_id=uuid.UUID(int=0xD1) if screened else None,
        screening_project_id=screened,
        indicators=[ev.IndicatorResult(indicator=indicator, achieved_group="280", achieved_department="290")],
        recommendation=recommendation,
        reasons_ja="目標に近く、拡充して継続する",
        reasons_en="Expand",
        confirmed_by="chair",
        published_at=PUBLISHED_AT,
    )


async def enter(p: Platform, department_id: uuid.UUID, fiscal_year: int, number: str) -> str:
    body = {
        "department_id": str(department_id),
        "fiscal_year": fiscal_year,
        "project_number": number,
        "title": f"事業 {number}",
        "purpose": "地域の子育て支援",
        "budget_yen": 1_000_000,
    }
    entered = await ok(p.clients["screening"].post("/projects", json=body, headers=coordinator(p)), 201)
    return str(entered.json()["id"])


async def test_the_next_rounds_project_of_the_same_department_and_number_shows_the_recommendation(
    screening: Platform, nats_url: str, bus_namespace: str
) -> None:
    now = screening_now(screening)
    year = now.year if now.month >= 4 else now.year - 1
    await publish(
        nats_url,
        bus_namespace,
        "registry",
        [
            o.DepartmentCreated(department_id=DEPT_A, code="KODOMO", name_ja="子ども家庭課", name_en=None),
            o.DepartmentCreated(department_id=DEPT_B, code="KANKYO", name_ja="環境対策課", name_en=None),
        ],
    )
    view = screening.apps["screening"].state.kernel.application.view
    await eventually(lambda: view.department(str(DEPT_B)) is not None, timeout=20)

    evaluated = await enter(screening, DEPT_A, year - 1, "A-1")
    carried = await enter(screening, DEPT_A, year, "A-1")
    other_number = await enter(screening, DEPT_A, year, "A-2")
    other_department = await enter(screening, DEPT_B, year, "A-1")
    deadline = min(now + timedelta(days=3), datetime(year + 1, 3, 31, 23, 0, tzinfo=TOKYO))
    drafted = await ok(
        screening.clients["screening"].post(
            "/rounds", json=round_body(year, [str(DEPT_A), str(DEPT_B)], deadline), headers=coordinator(screening)
        ),
        201,
    )
    round_id = drafted.json()["id"]

    async def inventory_of_a() -> Any:
        return (await screening.clients["screening"].get(f"/departments/{DEPT_A}/projects")).json()["total"] == 3

    await eventually(inventory_of_a, timeout=20)  # the projects' query table, from which the report's row is keyed

    evaluation_project = uuid.UUID(int=0xE1)
    await publish(
        nats_url,
        bus_namespace,
        "evaluation",
        [
            ev.ReportReminderDue(
                project_id=evaluation_project, partner=ev.Partner.GROUP, report_index=1, due_on=date(2025, 9, 30)
            ),
            # A report of a collaboration that came from no screened project has nothing to stand beside here.
            report(uuid.UUID(int=0xE2), None, ev.Recommendation.END),
            report(evaluation_project, uuid.UUID(evaluated), ev.Recommendation.EXPAND),
        ],
    )

    async def listed() -> Any:
        page = await screening.clients["screening"].get(f"/rounds/{round_id}/projects", headers=coordinator(screening))
        items = {item["id"]: item for item in page.json()["items"]}
        return len(items) == 3 and items[carried]["evaluation"] is not None and items

    items = await eventually(listed, timeout=20)
    assert items[carried]["evaluation"] == {
        "evaluation_project_id": str(evaluation_project),
        "screening_project_id": evaluated,
        "fiscal_year": year - 1,
        "recommendation": "expand",
        "reasons_ja": "目標に近く、拡充して継続する",
        "reasons_en": "Expand",
        "published_at": "2026-06-01T12:00:00+09:00",
        "from_earlier_year": True,
    }
    assert (items[other_number]["evaluation"], items[other_department]["evaluation"]) == (None, None)

    client, headers = screening.clients["screening"], coordinator(screening)
    shown = (await ok(client.get(f"/rounds/{round_id}/projects/{carried}", headers=headers))).json()
    assert (shown["evaluation"]["recommendation"], shown["evaluation"]["from_earlier_year"]) == ("expand", True)
    # The project evaluated shows it as its own; an earlier year's project never shows a later one's.
    own = (await ok(client.get(f"/rounds/{round_id}/projects/{evaluated}", headers=headers))).json()
    assert (own["evaluation"]["recommendation"], own["evaluation"]["from_earlier_year"]) == ("expand", False)
    inventory = (await ok(client.get(f"/departments/{DEPT_A}/projects"))).json()["items"]
    assert {i["id"]: i["evaluation"] is not None for i in inventory} == {
        carried: True,
        other_number: False,
        evaluated: True,
    }

    # A later report on the same collaboration replaces it beside both.
    later = report(evaluation_project, uuid.UUID(evaluated), ev.Recommendation.INDEPENDENT)
    later = later.model_copy(update={"published_at": PUBLISHED_AT + timedelta(days=1)})
    await publish(nats_url, bus_namespace, "evaluation", [later], first=4)

    async def replaced() -> Any:
        body = (await client.get(f"/rounds/{round_id}/projects/{carried}", headers=headers)).json()
        return body["evaluation"]["recommendation"] == "independent" and body

    await eventually(replaced, timeout=20)
    with screening.apps["screening"].state.kernel.db.transaction(read_only=True) as tx:
        rows = tx.fetchall("SELECT evaluation_project_id, project_number, fiscal_year FROM ev_recommendations")
    assert [tuple(str(v) for v in row) for row in rows] == [(str(evaluation_project), "A-1", str(year - 1))]
