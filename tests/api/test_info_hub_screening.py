"""info-hub's screening register (事業の選別の結果) over HTTP (real NATS; SQLite and PostgreSQL stores): the register
and its filters, corrections, one entry in full, each round's progress per department, and the open data.

The read models are fed through info-hub's own handlers (the ones its subscriptions name), one message per
transaction as the consumer applies them; one test publishes on the streams and lets the consumer do it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from kyodo_contracts import Contract
from kyodo_contracts import registry_org as o
from kyodo_contracts import screening as s
from kyodo_info_hub.bus import SUBSCRIPTIONS, merged
from kyodo_info_hub.bus.screening import TABLES
from kyodo_info_hub.domain import REOPENED_IN_ROUND
from kyodo_info_hub.open_register import DICTIONARY, OpenRecord
from kyodo_info_hub.register import Decided, tally
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.web.devissuer import DevIssuer

from support.contract_builders import envelope, project_record, published_on_the_bus
from support.harness import Backend, Platform, eventually, platform, settings_for

FY = 2026
DEPT_A, DEPT_B, DEPT_C = (uuid.UUID(int=n) for n in (0xA, 0xB, 0xC))
START = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def info_hub(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("info-hub", api_backend, nats_url, bus_namespace, issuer)
    async with platform({"info-hub": settings}, issuer) as p:
        yield p


# ------------------------------------------------------------------------------------------------ building events


class Feed:
    """Applies events with the handlers info-hub subscribes, each in its own transaction; sequences per source."""

    def __init__(self, p: Platform) -> None:
        self.db = p.apps["info-hub"].state.kernel.db
        self.handlers = {c: h for sub in SUBSCRIPTIONS for c, h in sub.handlers.items()}
        self.sequences: dict[str, int] = {}
        self.applied: list[Envelope] = []

    def __call__(self, *events: Contract) -> None:
        for event in events:
            source = event.source_service()
            self.sequences[source] = self.sequences.get(source, 0) + 1
            self.apply(envelope(event, self.sequences[source], START))

    def apply(self, message: Envelope) -> None:
        with self.db.transaction() as tx:
            self.handlers[type(message.data)](message, tx)
        self.applied.append(message)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        with self.db.transaction(read_only=True) as tx:
            return {t: sorted(tx.fetchall(f"SELECT * FROM {t}"), key=repr) for t in [*TABLES, "hub_departments"]}


def department(department_id: uuid.UUID, code: str, name_ja: str, name_en: str | None) -> o.DepartmentCreated:
    return o.DepartmentCreated(department_id=department_id, code=code, name_ja=name_ja, name_en=name_en)


def project(department_id: uuid.UUID, n: int, fiscal_year: int = FY) -> s.ProjectRecord:
    return project_record(
        department_id,
        project_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{department_id}/{fiscal_year}/{n}"),
        fiscal_year=fiscal_year,
        project_number=f"{fiscal_year}-{n:03d}",
        title=f"事業 {n}",
        budget_yen=1_200_000,
    )


def opened(round_id: uuid.UUID, *departments: uuid.UUID, fiscal_year: int = FY) -> s.RoundOpened:
    return s.RoundOpened(
        round_id=round_id,
        fiscal_year=fiscal_year,
        title_ja=f"{fiscal_year}年度 事業の選別",
        title_en=f"Screening {fiscal_year}",
        checklist=[s.ChecklistItem(key="public_benefit", name_ja="公益性", name_en="Public benefit")],
        department_ids=list(departments),
        self_check_deadline=datetime(fiscal_year, 5, 31, 8, 0, tzinfo=UTC),
        opened_on=date(fiscal_year, 5, 1),
        team_subs=["member-1", "member-2"],
    )


def decided(
    round_id: uuid.UUID,
    record: s.ProjectRecord,
    outcome: s.Outcome,
    *forms: s.CollaborationForm,
    minutes: int,
    replaces: uuid.UUID | None = None,
) -> s.DecisionMade:
    answer = s.ChecklistAnswer(key="public_benefit", rating=s.Rating.YES, reason="地域課題に直結する")
    return s.DecisionMade(
        decision_id=uuid.uuid4(),
        round_id=round_id,
        project=record,
        outcome=outcome,
        forms=list(forms),
        reasons_ja=f"{record.title} の選別理由",
        reasons_en="Reasons",
        rescreen_on=date(2026, 9, 1) if outcome is s.Outcome.NEEDS_STUDY else None,
        replaces=replaces,
        self_check=[answer],
        assessments=[
            s.LabelledAssessment(label="A", from_owner_department=False, answers=[answer]),
            s.LabelledAssessment(label="B", from_owner_department=True, answers=[answer]),
        ],
        recusals=1,
        cycle=1,
        round_fiscal_year=record.fiscal_year,
        decided_at=START + timedelta(minutes=minutes),
    )


ROUND = uuid.UUID(int=0x2026)
A1, A2, A3 = (project(DEPT_A, n) for n in (1, 2, 3))
B1, B2 = (project(DEPT_B, n) for n in (1, 2))


def seed(feed: Feed) -> dict[str, s.DecisionMade]:
    """Two departments in a round of FY2026 (A known by name, B too; C in scope and unknown here), and decisions:
    A1 suitable (commission, subsidy), A2 not suitable, A3 undecided, B1 needs study, B2 suitable (co-hosting);
    and a FY2025 decision of A in another round."""
    earlier_round = uuid.UUID(int=0x2025)
    a_2025 = project(DEPT_A, 9, fiscal_year=2025)
    decisions = {
        "a1": decided(
            ROUND, A1, s.Outcome.SUITABLE, s.CollaborationForm.COMMISSION, s.CollaborationForm.SUBSIDY, minutes=1
        ),
        "a2": decided(ROUND, A2, s.Outcome.NOT_SUITABLE, minutes=2),
        "b1": decided(ROUND, B1, s.Outcome.NEEDS_STUDY, minutes=3),
        "b2": decided(ROUND, B2, s.Outcome.SUITABLE, s.CollaborationForm.CO_HOSTING, minutes=4),
        "a_2025": decided(
            earlier_round, a_2025, s.Outcome.SUITABLE, s.CollaborationForm.SUBSIDY, minutes=-60 * 24 * 365
        ),
    }
    feed(department(DEPT_A, "0100", "市民協働課", "Civic Collaboration Division"))
    feed(department(DEPT_B, "0200", "子ども家庭課", None))
    feed(opened(earlier_round, DEPT_A, fiscal_year=2025), s.ProjectEntered(project=a_2025), decisions["a_2025"])
    feed(opened(ROUND, DEPT_A, DEPT_B, DEPT_C))
    feed(*(s.ProjectEntered(project=p) for p in (A1, A2, A3, B1, B2)))
    feed(*(decisions[k] for k in ("a1", "a2", "b1", "b2")))
    return decisions


async def get(p: Platform, url: str, **params: Any) -> Any:
    response = await p.clients["info-hub"].get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def register_ids(p: Platform, **params: Any) -> list[str]:
    return [item["decision_id"] for item in (await get(p, "/screening/register", **params))["items"]]


def ids(decisions: dict[str, s.DecisionMade], *keys: str) -> list[str]:
    return [str(decisions[k].decision_id) for k in keys]


# ------------------------------------------------------------------------------------------------------ the register


async def test_the_register_lists_current_decisions_newest_first_with_department_names(info_hub: Platform) -> None:
    decisions = seed(Feed(info_hub))
    response = await info_hub.clients["info-hub"].get("/screening/register", params={"per_page": 2})
    body = response.json()
    assert (body["total"], len(body["items"])) == (5, 2)
    assert 'rel="next"' in response.headers["link"]
    assert await register_ids(info_hub) == ids(decisions, "b2", "b1", "a2", "a1", "a_2025")
    a1 = (await get(info_hub, "/screening/register", outcome="suitable", fiscal_year=FY, department_id=str(DEPT_A)))[
        "items"
    ]
    assert a1 == [
        {
            "decision_id": str(decisions["a1"].decision_id),
            "round_id": str(ROUND),
            "fiscal_year": FY,
            "department_id": str(DEPT_A),
            "department_name_ja": "市民協働課",
            "department_name_en": "Civic Collaboration Division",
            "project_id": str(A1.project_id),
            "project_number": "2026-001",
            "project_title": "事業 1",
            "outcome": "suitable",
            "forms": ["commission", "subsidy"],
            "reasons_ja": "事業 1 の選別理由",
            "reasons_en": "Reasons",
            "rescreen_on": None,
            "rescreen": None,
            "replaces": None,
            "superseded_by": None,
            "decided_at": "2026-06-01T10:01:00+09:00",
        }
    ]


async def test_the_register_filters_by_fiscal_year_department_outcome_and_form(info_hub: Platform) -> None:
    decisions = seed(Feed(info_hub))
    assert await register_ids(info_hub, fiscal_year=2025) == ids(decisions, "a_2025")
    assert await register_ids(info_hub, fiscal_year=FY, department_id=str(DEPT_A)) == ids(decisions, "a2", "a1")
    assert await register_ids(info_hub, department_id=str(DEPT_B)) == ids(decisions, "b2", "b1")
    assert await register_ids(info_hub, outcome="needs_study") == ids(decisions, "b1")
    assert await register_ids(info_hub, form="subsidy") == ids(decisions, "a1", "a_2025")
    assert await register_ids(info_hub, form="subsidy", fiscal_year=FY) == ids(decisions, "a1")
    assert await register_ids(info_hub, form="co_hosting", outcome="suitable") == ids(decisions, "b2")
    assert await register_ids(info_hub, form="endorsement") == []
    assert await register_ids(info_hub, department_id=str(DEPT_C)) == []


async def test_invalid_filters_are_problems_naming_the_field(info_hub: Platform) -> None:
    client = info_hub.clients["info-hub"]
    for params, field in (
        ({"outcome": "maybe"}, "query.outcome"),
        ({"form": "grant"}, "query.form"),
        ({"fiscal_year": "next"}, "query.fiscal_year"),
        ({"department_id": "A"}, "query.department_id"),
    ):
        refused = await client.get("/screening/register", params=params)
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    refused = await client.get("/screening/register/not-a-uuid")
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "path.decision_id")


async def test_a_correction_supersedes_the_decision_it_replaces_and_the_history_shows_both(info_hub: Platform) -> None:
    feed = Feed(info_hub)
    decisions = seed(feed)
    correction = decided(
        ROUND, A2, s.Outcome.SUITABLE, s.CollaborationForm.COOPERATION, minutes=10, replaces=decisions["a2"].decision_id
    )
    feed(correction)
    current = await register_ids(info_hub, department_id=str(DEPT_A), fiscal_year=FY)
    assert current == [str(correction.decision_id), *ids(decisions, "a1")]
    history = (await get(info_hub, "/screening/register", department_id=str(DEPT_A), include_superseded="true"))[
        "items"
    ]
    assert [(i["decision_id"], i["replaces"], i["superseded_by"]) for i in history] == [
        (str(correction.decision_id), str(decisions["a2"].decision_id), None),
        (str(decisions["a2"].decision_id), None, str(correction.decision_id)),
        (str(decisions["a1"].decision_id), None, None),
        (str(decisions["a_2025"].decision_id), None, None),
    ]
    replaced = await get(info_hub, f"/screening/register/{decisions['a2'].decision_id}")
    assert replaced["superseded_by"] == str(correction.decision_id)
    assert await register_ids(info_hub, outcome="not_suitable") == []


async def test_an_entry_shows_its_project_self_check_labelled_assessments_and_recusals(info_hub: Platform) -> None:
    decisions = seed(Feed(info_hub))
    entry = await get(info_hub, f"/screening/register/{decisions['a1'].decision_id}")
    assert entry["outcome"] == "suitable"
    assert entry["department_name_ja"] == "市民協働課"
    assert (entry["round_title_ja"], entry["round_title_en"]) == ("2026年度 事業の選別", "Screening 2026")
    assert entry["checklist"] == [{"key": "public_benefit", "name_ja": "公益性", "name_en": "Public benefit"}]
    assert entry["project"] == A1.model_dump(mode="json")
    answer = {"key": "public_benefit", "rating": "yes", "reason": "地域課題に直結する"}
    assert entry["self_check"] == [answer]
    assert entry["assessments"] == [
        {"label": "A", "from_owner_department": False, "answers": [answer]},
        {"label": "B", "from_owner_department": True, "answers": [answer]},
    ]
    assert entry["recusals"] == 1
    assert "member-1" not in str(entry)


async def test_an_unknown_decision_or_round_is_a_404_problem_in_japanese_and_english(info_hub: Platform) -> None:
    client = info_hub.clients["info-hub"]
    missing = await client.get(f"/screening/register/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    body = missing.json()
    assert (body["code"], body["title_ja"], body["title_en"]) == (
        "not_found",
        "選別結果が見つかりません",
        "Screening decision not found",
    )
    no_round = (await client.get(f"/screening/rounds/{uuid.uuid4()}/progress")).json()
    assert (no_round["status"], no_round["title_ja"], no_round["title_en"]) == (
        404,
        "選別が見つかりません",
        "Screening round not found",
    )


# ------------------------------------------------------------------------------------------------------ progress


async def progress_of(p: Platform, round_id: uuid.UUID) -> dict[str, tuple[int, int, int, int]]:
    body = await get(p, f"/screening/rounds/{round_id}/progress")
    return {
        d["department_id"]: (d["projects"], d["screened"], d["suitable"], d["pending"]) for d in body["departments"]
    }


async def test_a_rounds_progress_per_department_counts_projects_screened_suitable_and_pending(
    info_hub: Platform,
) -> None:
    feed = Feed(info_hub)
    decisions = seed(feed)
    # A: 3 projects, A1 suitable, A2 not suitable, A3 undecided -> screened 2, suitable 1, pending 1.
    # B: B1 needs study, B2 suitable -> 2, 2, 1, 0. C: in scope, no projects. A's FY2025 project is not this round's.
    body = await get(info_hub, f"/screening/rounds/{ROUND}/progress")
    assert [(d["department_id"], d["name_ja"]) for d in body["departments"]] == [
        (str(DEPT_A), "市民協働課"),
        (str(DEPT_B), "子ども家庭課"),
        (str(DEPT_C), None),
    ]
    assert await progress_of(info_hub, ROUND) == {
        str(DEPT_A): (3, 2, 1, 1),
        str(DEPT_B): (2, 2, 1, 0),
        str(DEPT_C): (0, 0, 0, 0),
    }
    assert body["totals"] == {"projects": 5, "screened": 4, "suitable": 2, "pending": 1}
    assert (body["round"]["status"], body["round"]["fiscal_year"]) == ("open", FY)

    # B1's re-screen date reopens it in the round: pending again, and still in the register.
    feed(
        s.RescreenDue(
            project_id=B1.project_id, decision_id=decisions["b1"].decision_id, round_id=ROUND, reopened_in_round=True
        )
    )
    assert (await progress_of(info_hub, ROUND))[str(DEPT_B)] == (2, 1, 1, 1)
    b1 = await get(info_hub, f"/screening/register/{decisions['b1'].decision_id}")
    assert (b1["rescreen"], b1["superseded_by"]) == (REOPENED_IN_ROUND, None)
    # Decided again in the round (a new decision): screened again, and suitable now.
    feed(decided(ROUND, B1, s.Outcome.SUITABLE, s.CollaborationForm.ENDORSEMENT, minutes=20))
    assert (await progress_of(info_hub, ROUND))[str(DEPT_B)] == (2, 2, 2, 0)

    # A2 corrected to suitable counts once; A3 entered into another department's inventory later moves with it.
    feed(
        decided(
            ROUND, A2, s.Outcome.SUITABLE, s.CollaborationForm.SUBSIDY, minutes=30, replaces=decisions["a2"].decision_id
        )
    )
    assert (await progress_of(info_hub, ROUND))[str(DEPT_A)] == (3, 2, 2, 1)
    feed(s.ProjectUpdated(project=A3.model_copy(update={"department_id": DEPT_C}), changed=["department_id"]))
    assert await progress_of(info_hub, ROUND) == {
        str(DEPT_A): (2, 2, 2, 0),
        str(DEPT_B): (2, 2, 2, 0),
        str(DEPT_C): (1, 0, 0, 1),
    }


async def test_a_rescreen_for_the_next_round_keeps_the_project_screened_in_its_own(info_hub: Platform) -> None:
    feed = Feed(info_hub)
    decisions = seed(feed)
    feed(
        s.RescreenDue(
            project_id=B1.project_id, decision_id=decisions["b1"].decision_id, round_id=ROUND, reopened_in_round=False
        )
    )
    assert (await progress_of(info_hub, ROUND))[str(DEPT_B)] == (2, 2, 1, 0)
    assert (await get(info_hub, f"/screening/register/{decisions['b1'].decision_id}"))["rescreen"] == "next_round"


async def test_rounds_are_listed_the_latest_fiscal_year_first_with_their_status(info_hub: Platform) -> None:
    feed = Feed(info_hub)
    seed(feed)
    closed_at = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    feed(s.SelfCheckClosed(round_id=ROUND, closed_at=closed_at))
    body = await get(info_hub, "/screening/rounds")
    assert [(r["fiscal_year"], r["status"]) for r in body["items"]] == [(FY, "self_check_closed"), (2025, "open")]
    assert body["items"][0]["self_check_closed_at"] == "2026-06-01T09:00:00+09:00"
    assert body["items"][0]["department_ids"] == sorted(str(d) for d in (DEPT_A, DEPT_B, DEPT_C))
    assert "team_subs" not in body["items"][0]
    feed(s.RoundClosed(round_id=ROUND, closed_at=closed_at + timedelta(days=30), undecided=1))
    latest = (await get(info_hub, "/screening/rounds"))["items"][0]
    assert (latest["status"], latest["undecided"], latest["closed_at"]) == ("closed", 1, "2026-07-01T09:00:00+09:00")


# ------------------------------------------------------------------------------------------------ applied twice


async def test_the_same_messages_applied_again_change_nothing(info_hub: Platform) -> None:
    feed = Feed(info_hub)
    decisions = seed(feed)
    feed(
        decided(ROUND, A2, s.Outcome.SUITABLE, minutes=10, replaces=decisions["a2"].decision_id),
        s.RescreenDue(
            project_id=B1.project_id, decision_id=decisions["b1"].decision_id, round_id=ROUND, reopened_in_round=True
        ),
        s.ProjectUpdated(project=A3.model_copy(update={"title": "事業 3（改）"}), changed=["title"]),
        s.SelfCheckClosed(round_id=ROUND, closed_at=START),
        s.RoundClosed(round_id=ROUND, closed_at=START, undecided=1),
    )
    rows = feed.rows()
    history = await get(info_hub, "/screening/register", include_superseded="true")
    progress = await progress_of(info_hub, ROUND)
    assert len(history["items"]) == 6

    # Redelivered one by one, and then the whole stream again from its start (a replay from an earlier position).
    for message in list(feed.applied):
        feed.apply(message)
    assert feed.rows() == rows
    assert await get(info_hub, "/screening/register", include_superseded="true") == history
    assert await progress_of(info_hub, ROUND) == progress


# ------------------------------------------------------------------------------------------------------ open data


async def test_the_open_data_holds_every_current_decision_with_a_dictionary_of_its_fields(info_hub: Platform) -> None:
    feed = Feed(info_hub)
    decisions = seed(feed)
    correction = decided(ROUND, A2, s.Outcome.NEEDS_STUDY, minutes=10, replaces=decisions["a2"].decision_id)
    feed(correction)
    document = await get(info_hub, "/open-data/screening-register.json")
    assert list(document) == ["dataset", "title_ja", "title_en", "count", "data_dictionary", "rounds", "records"]
    assert (document["dataset"], document["title_ja"]) == ("screening-register", "事業の選別の結果")
    records = document["records"]
    # Current decisions only, oldest first; the corrected A2 is out, its correction in.
    assert [r["decision_id"] for r in records] == [
        *ids(decisions, "a_2025", "a1", "b1", "b2"),
        str(correction.decision_id),
    ]
    assert document["count"] == 5
    assert list(records[0]) == list(OpenRecord.model_fields)
    a1 = records[1]
    assert (a1["department_name_ja"], a1["forms"], a1["recusals"]) == ("市民協働課", ["commission", "subsidy"], 1)
    assert a1["project"]["budget_yen"] == 1_200_000
    assert [a["label"] for a in a1["assessments"]] == ["A", "B"]
    assert records[-1]["replaces"] == str(decisions["a2"].decision_id)
    assert [r["round_id"] for r in document["rounds"]] == [str(uuid.UUID(int=0x2025)), str(ROUND)]
    assert document["rounds"][1]["checklist"][0]["key"] == "public_benefit"
    assert "member-1" not in str(document)

    dictionary = await get(info_hub, "/open-data/screening-register/dictionary")
    assert dictionary == {"dataset": "screening-register", "fields": document["data_dictionary"]}
    assert all(f["description_ja"] and f["description_en"] for f in dictionary["fields"])


def test_the_dictionary_describes_every_field_of_a_record_once() -> None:
    described = [f.field for f in DICTIONARY]
    assert len(described) == len(set(described))
    assert [f for f in described if "." not in f] == list(OpenRecord.model_fields)
    project_fields = OpenRecord.model_fields["project"].annotation.model_fields  # type: ignore[union-attr]
    assert {f.removeprefix("project.") for f in described if f.startswith("project.")} == set(project_fields)
    for nested in ("self_check[].", "assessments[]."):
        assert {f.removeprefix(nested) for f in described if f.startswith(nested)}


# --------------------------------------------------------------------------------------------- through the bus


async def test_messages_published_on_the_screening_and_registry_streams_reach_the_register(
    info_hub: Platform, nats_url: str, bus_namespace: str
) -> None:
    record = project(DEPT_A, 1)
    decision = decided(ROUND, record, s.Outcome.SUITABLE, s.CollaborationForm.SUBSIDY, minutes=1)
    streams: dict[str, list[Contract]] = {
        "registry": [department(DEPT_A, "0100", "市民協働課", None)],
        "screening": [opened(ROUND, DEPT_A), s.ProjectEntered(project=record), decision],
    }
    await published_on_the_bus(nats_url, bus_namespace, streams, at=START)

    async def named() -> Any:
        items = (await get(info_hub, "/screening/register"))["items"]
        return items and items[0]["department_name_ja"] is not None and items

    items = await eventually(named, timeout=20)
    assert [(i["decision_id"], i["department_name_ja"]) for i in items] == [(str(decision.decision_id), "市民協働課")]
    assert await progress_of(info_hub, ROUND) == {str(DEPT_A): (1, 1, 1, 0)}


# ------------------------------------------------------------------------------------------------ without a server


def test_the_latest_current_decision_of_a_project_decides_its_progress() -> None:
    earlier = Decided("p1", "needs_study", REOPENED_IN_ROUND, "2026-06-01T10:00:00+09:00", 5)
    later = Decided("p1", "suitable", None, "2026-06-02T10:00:00+09:00", 9)
    projects = [("p1", "a"), ("p2", "a"), ("p3", "elsewhere")]
    assert tally(["a"], projects, [later, earlier]) == {"a": (2, 1, 1, 1)}
    assert tally(["a"], projects, [earlier]) == {"a": (2, 0, 0, 2)}
    same_moment = Decided("p1", "not_suitable", None, later.decided_at, 10)
    assert tally(["a"], projects, [same_moment, later]) == {"a": (2, 1, 0, 1)}


def test_every_screening_contract_has_a_handler_and_the_registrys_are_merged_without_losing_one() -> None:
    by_source = {sub.source: sub.handlers for sub in SUBSCRIPTIONS}
    assert set(by_source["screening"]) == set(s.PUBLISHED)
    assert o.DepartmentCreated in by_source["registry"]
    with pytest.raises(ValueError, match=r"department\.created"):
        merged(by_source["registry"], {o.DepartmentCreated: by_source["registry"][o.DepartmentCreated]})
