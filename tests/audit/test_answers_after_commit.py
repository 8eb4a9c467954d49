"""A command's answer needs nothing from the store after its save commits (issue 22): otherwise a store gone between
the commit and the answer makes the service answer 503 for a command that was written, and a client retrying a 503
trusts that nothing was. `support.after_commit` makes the store go away at that moment in every command."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kyodo_contracts.screening import CollaborationForm
from kyodo_shared.privacy.vault import KeyVault
from kyodo_shared.web.devissuer import DevIssuer

from support.after_commit import summary, watching
from support.calls import appointed_committee, coordinator, ok
from support.evaluation_http import decided
from support.harness import Backend, eventually, platform, settings_for
from support.registry import CRITERIA, application
from support.screening import answers, department, heard, join_team, round_body, screening_now
from support.streams import SourceStream

TOKYO = ZoneInfo("Asia/Tokyo")


async def assess_a_group(tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer) -> Any:
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        registry = p.clients["registry"]
        created = await registry.post("/groups", json=application(), headers=p.token("rep-1", "group"))
        assert created.status_code == 201, created.text
        return await registry.post(
            f"/groups/{created.json()['id']}/assessments",
            json={"criterion": CRITERIA[0], "met": True, "reason": "確認"},
            headers={**p.token("coord-1", "coordinator"), "If-Match": created.headers["ETag"]},
        )


async def test_the_watch_answers_503_for_the_registry_assessment_that_decrypted_its_answer_after_the_save(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finding of the chaos run, as it was before 37e6762: without the key hold the watch must catch it."""
    monkeypatch.setattr(KeyVault, "hold", lambda self, envelopes: None)
    with watching(monkeypatch) as watched:
        assessed = await assess_a_group(tmp_path, nats_url, bus_namespace, issuer)
    assert assessed.status_code == 503, assessed.text
    assert assessed.json()["code"] == "store_unavailable"
    [late] = watched.reaching_after_save()
    assert late.command.endswith("/assessments")
    assert "vault.py" in late.after[0], late.after


async def test_the_registry_assessment_answers_with_nothing_read_after_its_save(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with watching(monkeypatch) as watched:
        assessed = await assess_a_group(tmp_path, nats_url, bus_namespace, issuer)
    assert assessed.status_code == 200, assessed.text
    assert len(watched.saved()) == 2
    assert not watched.reaching_after_save(), summary(watched.reaching_after_save())


async def test_a_screening_decision_and_the_work_before_it_answer_with_nothing_read_after_their_saves(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision answered with the screening's view read again after the save (round, project, screening, the
    liaison check and the evaluation's note): 503 although decided, before `screening_shown`."""
    backend = Backend("sqlite", tmp_path)
    services = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in ("registry", "screening")}
    async with platform(services, issuer) as p:
        now = screening_now(p)
        fiscal_year = now.year if now.month >= 4 else now.year - 1
        since = now.date() - timedelta(days=30)
        kodomo = await department(p, "KODOMO", "子ども家庭課", ["a-liaison", "a-staff", "t-a"], since)
        kankyo = await department(p, "KANKYO", "環境対策課", ["b-liaison", "t-b"], since)
        await join_team(p, [("t-a", kodomo.id), ("t-b", kankyo.id)], since)
        await heard(p, [kodomo, kankyo], ["t-a", "t-b"], now.date())
        screening = p.clients["screening"]
        with watching(monkeypatch) as watched:
            entry = {"department_id": kodomo.id, "fiscal_year": fiscal_year, "project_number": "A-1"}
            entry |= {"title": "子育て相談", "purpose": "相談の場", "budget_yen": 100}
            project = await ok(screening.post("/projects", json=entry, headers=p.token("a-staff", "staff")), 201)
            deadline = min(now + timedelta(days=3), datetime(fiscal_year + 1, 3, 31, 23, 0, tzinfo=TOKYO))
            body = round_body(fiscal_year, [kodomo.id, kankyo.id], deadline)
            drafted = await ok(screening.post("/rounds", json=body, headers=coordinator(p)), 201)
            round_id = drafted.json()["id"]
            opening = {**coordinator(p), "If-Match": drafted.headers["ETag"]}
            await ok(screening.post(f"/rounds/{round_id}/opening", headers=opening))
            path = f"/rounds/{round_id}/projects/{project.json()['id']}"
            for member in ("t-a", "t-b"):
                await ok(screening.post(f"{path}/assessments", json=answers(), headers=p.token(member, "staff")), 201)
            await ok(screening.put(f"{path}/self-check", json=answers(), headers=p.token("a-liaison", "staff")))
            etag = (await ok(screening.get(path, headers=coordinator(p)))).headers["ETag"]
            decision = {"outcome": "not_suitable", "reasons_ja": "理由"}
            decided = await screening.post(
                f"{path}/decisions", json=decision, headers={**coordinator(p), "If-Match": etag}
            )
        assert not watched.reaching_after_save(), summary(watched.reaching_after_save())
        assert decided.status_code == 201, decided.text
        assert decided.json()["decisions"][0]["outcome"] == "not_suitable"
        assert decided.json()["self_check"] is not None  # the coordinator's view, as a read after it shows
        assert decided.headers["ETag"] == (await screening.get(path, headers=coordinator(p))).headers["ETag"]
        assert len(watched.saved()) == 7


async def test_commands_on_a_partner_selection_answer_with_the_decision_it_follows_read_before_their_saves(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call's answer shows the screening decision it follows, from the proposals service's view of screening: read
    after the save, a store lost then answered 503 for a call drafted, revised or cancelled."""
    stream = SourceStream(nats_url, bus_namespace, "screening")
    await stream.create()
    settings = settings_for("proposals", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"proposals": settings}, issuer) as p:
        decision = decided(str(uuid.uuid4()), forms=(CollaborationForm.COMMISSION,))
        await stream.publish(decision)
        view = p.apps["proposals"].state.kernel.application.screening
        await eventually(lambda: view.decision(str(decision.decision_id)) is not None, timeout=20)
        calls = p.clients["proposals"]
        body = {
            "kind": "partner_selection",
            "title_ja": "地域の居場所づくり事業 協働パートナーの募集",
            "description_ja": "選別で協働に適するとされた事業の協働パートナーを募集します。",
            "criteria": [{"key": "need", "name_ja": "必要性", "weight": 1, "max_points": 10}],
            "passing_score": "6",
            "deadline": (datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=30)).isoformat(),
            "committee_id": str(uuid.uuid4()),
            "screening_decision_id": str(decision.decision_id),
        }
        with watching(monkeypatch) as watched:
            drafted = await calls.post("/calls", json=body, headers=coordinator(p))
            path, etag = f"/calls/{drafted.json()['id']}", drafted.headers.get("ETag", "")
            revised = await calls.put(
                path, json=body | {"title_ja": "協働パートナーの募集"}, headers={**coordinator(p), "If-Match": etag}
            )
            reason = {"reason": "事業の見直し"}
            etag = revised.headers.get("ETag", "")
            cancelled = await calls.post(
                f"{path}/cancellation", json=reason, headers={**coordinator(p), "If-Match": etag}
            )
        assert not watched.reaching_after_save(), summary(watched.reaching_after_save())
        assert [r.status_code for r in (drafted, revised, cancelled)] == [201, 200, 200], cancelled.text
        for answer in (drafted, revised, cancelled):
            assert answer.json()["screening_decision"]["decision_id"] == str(decision.decision_id)
        assert len(watched.saved()) == 3


async def test_the_registrys_commands_on_a_committee_answer_with_its_roster_and_nothing_read_after_their_saves(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command on a committee answers with its roster, the members' names decrypted: the second appointment's
    answer read the first member's key after the save (503 although appointed; fixed in 75e6b15)."""
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        with watching(monkeypatch) as watched:
            await appointed_committee(p, "review_board", "協働事業審査会", ["m-1", "m-2"], "m-1", "m-2", date.today())
        assert not watched.reaching_after_save(), summary(watched.reaching_after_save())
        assert len(watched.saved()) == 4
