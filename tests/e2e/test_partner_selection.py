"""A partner selection (プロポーザル方式) follows a suitable screening decision, as screening's contract events brought
it to the proposals service: on SQLite and PostgreSQL with real NATS, decisions published onto the screening stream
the way its relay publishes them. A decision not yet here is a retryable 409 (Retry-After) that stores nothing; an
unsuitable or corrected one is a 422 naming the field; a correction between draft and publication stops the
publication; the call shows the decision it follows, linked to info-hub's register. The department that runs a call
is the one named (known from the registry's events, else a retryable 409) or the decision's project's (another one
is a 422), and each adoption carries it with the call's title and decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest

from kyodo_contracts.screening import CollaborationForm, DecisionMade, Outcome
from kyodo_proposals.bus_screening import on_decision_made
from kyodo_proposals.migrations import upgrade
from kyodo_proposals.screening_view import ScreeningView
from kyodo_shared.store.db import Database
from kyodo_shared.web.devissuer import DevIssuer

from support.bus import published_bodies
from support.calls import close_and_open_review, coordinator, ok, registered_group, review_board, score, submit
from support.contract_builders import project_record
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.servers import either_database
from support.streams import SourceStream, envelope_of

TOKYO = ZoneInfo("Asia/Tokyo")
FIELD = "screening_decision_id"
DEPARTMENT = uuid.uuid5(uuid.NAMESPACE_URL, "department:community")


def decided(outcome: Outcome, *, replaces: UUID | None = None, decision_id: UUID | None = None) -> DecisionMade:
    project = project_record(DEPARTMENT, fiscal_year=2027, project_number="市民-012", title="地域の居場所づくり事業")
    return DecisionMade(
        decision_id=decision_id or uuid.uuid4(),
        round_id=uuid.uuid5(uuid.NAMESPACE_URL, "round:2027"),
        project=project,
        outcome=outcome,
        forms=[CollaborationForm.COMMISSION, CollaborationForm.COOPERATION] if outcome == Outcome.SUITABLE else [],
        reasons_ja="協働により地域の担い手の知見を生かせる。",
        rescreen_on=date(2027, 10, 1) if outcome == Outcome.NEEDS_STUDY else None,
        replaces=replaces,
        self_check=[],
        assessments=[],
        recusals=0,
        cycle=1,
        round_fiscal_year=project.fiscal_year,
        decided_at=datetime(2027, 2, 1, 10, tzinfo=UTC),
    )


def ScreeningStream(nats_url: str, namespace: str) -> SourceStream:  # noqa: N802 - reads as the stream it is
    return SourceStream(nats_url, namespace, "screening")


def partner_body(committee_id: str, decision_id: UUID | None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "partner_selection",
        "title_ja": "地域の居場所づくり事業 協働パートナーの募集",
        "description_ja": "選別で協働に適するとされた事業の協働パートナーを募集します。",
        "criteria": [{"key": "need", "name_ja": "必要性", "weight": 1, "max_points": 10}],
        "passing_score": "6",
        "deadline": (datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=30)).isoformat(),
        "committee_id": committee_id,
        FIELD: str(decision_id) if decision_id else None,
    }
    return {**body, **overrides}


async def draft(p: Platform, committee_id: str, decision_id: UUID | None, **overrides: Any) -> httpx.Response:
    body = partner_body(committee_id, decision_id, **overrides)
    return await p.clients["proposals"].post("/calls", json=body, headers=coordinator(p))


def view_of(p: Platform) -> ScreeningView:
    view: ScreeningView = p.apps["proposals"].state.kernel.application.screening
    return view


def stored_events(p: Platform) -> int:
    return int(p.apps["proposals"].state.kernel.application.recorder.max_notification_id() or 0)


def refused(response: httpx.Response, status: int, code: str, field: str = FIELD) -> dict[str, Any]:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    body: dict[str, Any] = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    return body


async def test_a_partner_selection_waits_with_a_retryable_409_for_its_decision_then_follows_and_shows_it(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    stream = ScreeningStream(nats_url, bus_namespace)
    await stream.create()
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in ("proposals",)}
    async with platform(services, issuer) as p:
        proposals = p.clients["proposals"]
        decision = decided(Outcome.SUITABLE)
        body = partner_body(str(uuid.uuid4()), decision.decision_id)
        before = stored_events(p)

        early = await proposals.post("/calls", json=body, headers=coordinator(p))
        problem = refused(early, 409, "screening_decision_unknown")
        assert early.headers["Retry-After"] == "5"
        assert problem["title_ja"] == "選別結果がまだ届いていません"
        assert stored_events(p) == before, "a refused draft stores nothing"

        await stream.publish(decision)
        await eventually(lambda: view_of(p).decision(str(decision.decision_id)) is not None, timeout=20)
        drafted = await ok(proposals.post("/calls", json=body, headers=coordinator(p)), 201)
        shown = drafted.json()["screening_decision"]
        assert shown == {
            "decision_id": str(decision.decision_id),
            "project_number": "市民-012",
            "title": "地域の居場所づくり事業",
            "department_id": str(DEPARTMENT),
            "fiscal_year": 2027,
            "outcome": "suitable",
            "forms": ["commission", "cooperation"],
            "superseded_by": None,
            "href": f"/api/info-hub/screening/register/{decision.decision_id}",
        }
        again = await ok(proposals.get(f"/calls/{drafted.json()['id']}", headers=coordinator(p)))
        assert again.json()["screening_decision"] == shown

        # Without a decision a partner selection is still drafted (a city project may go to プロポーザル方式 directly).
        unscreened = await ok(draft(p, str(uuid.uuid4()), None), 201)
        assert unscreened.json()["screening_decision"] is None


async def test_an_unsuitable_or_corrected_decision_is_refused_and_a_correction_before_publication_stops_it(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    stream = ScreeningStream(nats_url, bus_namespace)
    await stream.create()
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in ("registry", "proposals")}
    async with platform(services, issuer) as p:
        proposals = p.clients["proposals"]
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        unsuitable, study = decided(Outcome.NOT_SUITABLE), decided(Outcome.NEEDS_STUDY)
        first = decided(Outcome.SUITABLE)
        corrected = decided(Outcome.SUITABLE, replaces=first.decision_id)
        # A correction that reached the stream before the decision it replaces.
        late_id = uuid.uuid4()
        early_correction = decided(Outcome.SUITABLE, replaces=late_id)
        late = decided(Outcome.SUITABLE, decision_id=late_id)
        await stream.publish(unsuitable, study, first, corrected, early_correction, late)
        await eventually(lambda: view_of(p).decision(str(late_id)) is not None, timeout=20)
        before = stored_events(p)

        no = refused(await draft(p, committee, unsuitable.decision_id), 422, "screening_decision_not_suitable")
        assert "「協働に適さない」" in no["detail_ja"]
        assert "“not suitable”" in no["detail_en"]
        needs_study = refused(await draft(p, committee, study.decision_id), 422, "screening_decision_not_suitable")
        assert "「要検討」" in needs_study["errors"][0]["reason_ja"]
        for replaced, by in ((first, corrected), (late, early_correction)):
            gone = refused(await draft(p, committee, replaced.decision_id), 422, "screening_decision_superseded")
            assert str(by.decision_id) in gone["detail_en"]
        not_after_screening = await draft(p, committee, corrected.decision_id, kind="open_call")
        refused(not_after_screening, 422, "screening_decision_not_applicable")
        assert stored_events(p) == before, "refused drafts store nothing"

        # Drafted on a suitable decision, which screening corrects before the call is published.
        standing = decided(Outcome.SUITABLE)
        await stream.publish(standing)
        await eventually(lambda: view_of(p).decision(str(standing.decision_id)) is not None, timeout=20)
        body = partner_body(committee, standing.decision_id)
        drafted = await ok(proposals.post("/calls", json=body, headers=coordinator(p)), 201)
        call_id = drafted.json()["id"]
        correction = decided(Outcome.SUITABLE, replaces=standing.decision_id)
        await stream.publish(correction)
        await eventually(lambda: view_of(p).standing(str(standing.decision_id)).superseded_by is not None, timeout=20)
        shown = (await ok(proposals.get(f"/calls/{call_id}", headers=coordinator(p)))).json()["screening_decision"]
        assert shown["superseded_by"] == str(correction.decision_id)
        stopped = await proposals.post(
            f"/calls/{call_id}/publication", headers={**coordinator(p), "If-Match": drafted.headers["ETag"]}
        )
        refused(stopped, 422, "screening_decision_superseded")
        assert (await proposals.get(f"/calls/{call_id}")).status_code == 404, "still a draft"

        revised = await ok(
            proposals.put(
                f"/calls/{call_id}",
                json={**body, FIELD: str(correction.decision_id)},
                headers={**coordinator(p), "If-Match": drafted.headers["ETag"]},
            )
        )
        publication = {**coordinator(p), "If-Match": revised.headers["ETag"]}
        published = await ok(proposals.post(f"/calls/{call_id}/publication", headers=publication))
        assert published.json()["status"] == "published"
        assert published.json()["screening_decision"]["decision_id"] == str(correction.decision_id)
        public = (await ok(proposals.get(f"/calls/{call_id}"))).json()["screening_decision"]
        assert public["href"] == f"/api/info-hub/screening/register/{correction.decision_id}"


async def registry_department(p: Platform, code: str, name: str) -> str:
    """A department created in the registry, once its event has reached the proposals service."""
    created = await ok(
        p.clients["registry"].post("/departments", json={"code": code, "name_ja": name}, headers=coordinator(p)), 201
    )
    department_id = str(created.json()["id"])
    view = p.apps["proposals"].state.kernel.application.view
    await eventually(lambda: view.department(department_id) is not None, timeout=20)
    return department_id


async def test_a_call_names_its_department_or_takes_the_decisions_and_each_adoption_carries_it_to_evaluation(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    stream = ScreeningStream(nats_url, bus_namespace)
    await stream.create()
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in ("registry", "proposals")}
    async with platform(services, issuer) as p:
        proposals = p.clients["proposals"]
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        welfare = await registry_department(p, "W01", "福祉課")
        decision = decided(Outcome.SUITABLE)  # a project of DEPARTMENT
        await stream.publish(decision)
        await eventually(lambda: view_of(p).decision(str(decision.decision_id)) is not None, timeout=20)
        before = stored_events(p)

        unknown = await draft(p, committee, None, department_id=str(uuid.uuid4()))
        problem = refused(unknown, 409, "department_unknown", "department_id")
        assert unknown.headers["Retry-After"] == "5"
        assert problem["title_en"] == "The department has not reached proposals yet"
        other = await draft(p, committee, decision.decision_id, department_id=welfare)
        problem = refused(other, 422, "department_not_the_projects", "department_id")
        assert str(DEPARTMENT) in problem["detail_ja"]
        assert str(DEPARTMENT) in problem["detail_en"]
        assert stored_events(p) == before, "refused drafts store nothing"

        # Named and known (a call without a screening decision), or taken from the decision's project.
        named = await ok(draft(p, committee, None, department_id=welfare), 201)
        assert named.json()["rules"]["department_id"] == welfare
        criteria = [
            {"key": "need", "name_ja": "必要性", "weight": 2, "max_points": 10},
            {"key": "feasibility", "name_ja": "実現性", "weight": 1, "max_points": 10},
        ]
        body = partner_body(committee, decision.decision_id, criteria=criteria, passing_score="15")
        drafted = await ok(proposals.post("/calls", json=body, headers=coordinator(p)), 201)
        call_id = drafted.json()["id"]
        assert drafted.json()["rules"]["department_id"] == str(DEPARTMENT)
        publication = {**coordinator(p), "If-Match": drafted.headers["ETag"]}
        await ok(proposals.post(f"/calls/{call_id}/publication", headers=publication))

        groups = {name: await registered_group(p, f"rep-{name}", f"{name}の会") for name in ("east", "west")}
        for name, group_id in groups.items():
            await submit(p, call_id, group_id, f"rep-{name}", f"{name}の提案")
        await close_and_open_review(p, call_id, datetime.fromisoformat(body["deadline"]))
        listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer")))
        ids = {item["group_id"]: item["proposal_id"] for item in listed.json()["items"]}
        for member in ("m-1", "m-2", "m-3"):
            await ok(score(p, call_id, member, ids[groups["east"]], 8, 6), 201)
            await ok(score(p, call_id, member, ids[groups["west"]], 6, 6), 201)
        decision_body = {"reasons": "規定により決定"}
        chair = p.token("m-1", "reviewer")
        await ok(proposals.post(f"/calls/{call_id}/review/decision", json=decision_body, headers=chair))

        async def adopted() -> list[dict[str, Any]]:
            return await published_bodies(nats_url, bus_namespace, "proposals", "proposal.adopted.v1")

        await eventually(adopted, timeout=20)
        (adoption,) = await adopted()
        assert (adoption["call_id"], adoption["group_id"], adoption["rank"]) == (call_id, groups["east"], 1)
        assert (adoption["department_id"], adoption["title_ja"], adoption["screening_decision_id"]) == (
            str(DEPARTMENT),
            body["title_ja"],
            str(decision.decision_id),
        )
        (announced,) = await published_bodies(nats_url, bus_namespace, "proposals", "call.published.v1")
        assert announced["rules"]["department_id"] == str(DEPARTMENT)


# ------------------------------------------------------------------------------------- the read model by itself


@pytest.fixture(params=["sqlite", "postgres"])
def proposals_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with either_database(request, tmp_path, "proposals") as db:
        upgrade(db)
        yield db


def apply(db: Database, event: DecisionMade, sequence: int) -> None:
    with db.transaction() as tx:
        on_decision_made(envelope_of(event, "screening", sequence), tx)


def rows(db: Database) -> list[tuple[Any, ...]]:
    with db.transaction(read_only=True) as tx:
        return [tuple(row) for row in tx.fetchall("SELECT * FROM scr_decisions ORDER BY decision_id")]


def test_a_correction_arriving_first_leaves_its_decision_superseded_and_a_redelivery_changes_nothing(
    proposals_db: Database,
) -> None:
    original = decided(Outcome.SUITABLE)
    correction = decided(Outcome.NOT_SUITABLE, replaces=original.decision_id)
    view = ScreeningView(proposals_db)

    apply(proposals_db, correction, 1)
    waiting = view.standing(str(original.decision_id))
    assert (waiting.decision, waiting.superseded_by) == (None, str(correction.decision_id))

    apply(proposals_db, original, 2)
    arrived = view.decision(str(original.decision_id))
    assert arrived is not None
    assert (arrived.outcome, arrived.superseded_by, arrived.forms) == (
        "suitable",
        str(correction.decision_id),
        ("commission", "cooperation"),
    )
    replacing = view.decision(str(correction.decision_id))
    assert replacing is not None
    assert (replacing.replaces, replacing.superseded_by) == (str(original.decision_id), None)

    kept = rows(proposals_db)
    apply(proposals_db, correction, 1)
    apply(proposals_db, original, 2)
    assert rows(proposals_db) == kept
