"""A collaboration project from adoption to the published evaluation, on SQLite and PostgreSQL with real NATS: a call
decided in proposals becomes a project; the agreement is concluded when both partners confirm the same version (a
mismatched version is refused); two interim reports, one overdue by the moved clock; both self-evaluations, sealed
from each other; the evaluation committee with a recused member and the acting chair; the report published and
linked to the call and the proposal; and the auditor's recompute agreeing, then catching an altered score.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from kyodo_evaluation.domain import adoption_project_id
from kyodo_shared.web.devissuer import DevIssuer

from support.bus import published_bodies
from support.calls import coordinator, ok
from support.cli import cli_env
from support.evaluation import (
    TOKYO,
    adopted_project,
    adoption,
    agreement,
    evaluation_committee,
    evaluation_view,
    move_evaluation_clock,
    partners,
    values,
)
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.tamper import rewrite_stored

RATINGS = [
    {"key": k, "rating": r, "comment_ja": "所見"}
    for k, r in (
        ("achievement", 4),
        ("collaboration", 5),
        ("citizen_benefit", 4),
        ("cost_effectiveness", 3),
        ("future_direction", 4),
    )
]
KEYS = [r["key"] for r in RATINGS]


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    names = ("registry", "proposals", "evaluation", "info-hub")
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in names}


def refused(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    if field is not None:
        assert [e["field"] for e in response.json()["errors"]] == [field], response.text


async def project(p: Platform, project_id: str, sub: str = "coord-1", role: str = "coordinator") -> dict[str, Any]:
    found = await ok(p.clients["evaluation"].get(f"/projects/{project_id}", headers=p.token(sub, role)))
    body: dict[str, Any] = found.json()
    return body


def points(achievement: int, collaboration: int, benefit: int, cost: int, future: int) -> dict[str, Any]:
    given = dict(zip(KEYS, (achievement, collaboration, benefit, cost, future), strict=True))
    return {"points": given, "comments": {"achievement": "目標はおおむね達成"}}


async def conclude(p: Platform, pid: str, rep: str, liaison: str, start: date) -> dict[str, Any]:
    evaluation = p.clients["evaluation"]
    current = await project(p, pid)
    unbalanced = agreement(start, budget={"total_yen": 1_200_000, "city_yen": 1_000_000, "group_yen": 100_000})
    bad = await evaluation.put(
        f"/projects/{pid}/agreement",
        json={"agreement": unbalanced},
        headers={**p.token(liaison, "staff"), "If-Match": f'"{current["version"]}"'},
    )
    refused(bad, 422, "budget_does_not_add_up", "agreement.budget")
    assert (await project(p, pid))["version"] == current["version"], "a refused draft stores nothing"
    drafted = await ok(
        evaluation.put(
            f"/projects/{pid}/agreement",
            json={"agreement": agreement(start)},
            headers={**p.token(liaison, "staff"), "If-Match": f'"{current["version"]}"'},
        )
    )
    draft_hash = drafted.json()["draft"]["hash"]
    wrong = await evaluation.post(
        f"/projects/{pid}/agreement/confirmations", json={"agreement_hash": "0" * 64}, headers=p.token(rep, "group")
    )
    refused(wrong, 409, "agreement_version_mismatch", "agreement_hash")
    stranger = await evaluation.post(
        f"/projects/{pid}/agreement/confirmations", json={"agreement_hash": draft_hash}, headers=p.token("x", "group")
    )
    refused(stranger, 403, "not_a_partner")
    for sub, role in ((rep, "group"), (liaison, "staff")):
        await ok(
            evaluation.post(
                f"/projects/{pid}/agreement/confirmations",
                json={"agreement_hash": draft_hash},
                headers=p.token(sub, role),
            )
        )
    concluded = await project(p, pid)
    assert (concluded["status"], concluded["agreement"]["hash"]) == ("active", draft_hash)
    return await amend(p, pid, rep, liaison, start, concluded)


async def amend(p: Platform, pid: str, rep: str, liaison: str, start: date, current: dict[str, Any]) -> dict[str, Any]:
    """An amendment by mutual consent: it needs its reason, and is in force once both confirm it (version 2)."""
    evaluation = p.clients["evaluation"]
    raised = agreement(start, budget={"total_yen": 1_300_000, "city_yen": 1_100_000, "group_yen": 200_000})
    headers = {**p.token(rep, "group"), "If-Match": f'"{current["version"]}"'}
    unexplained = await evaluation.put(f"/projects/{pid}/agreement", json={"agreement": raised}, headers=headers)
    refused(unexplained, 422, "amendment_reason_required", "reason")
    body = {"agreement": raised, "reason": "参加者の増加に伴い会場費を増額"}
    drafted = await ok(evaluation.put(f"/projects/{pid}/agreement", json=body, headers=headers))
    assert drafted.json()["agreement"]["version"] == 1, "the agreement in force stays until both confirm"
    amendment_hash = drafted.json()["draft"]["hash"]
    for sub, role in ((liaison, "staff"), (rep, "group")):
        await ok(
            evaluation.post(
                f"/projects/{pid}/agreement/confirmations",
                json={"agreement_hash": amendment_hash},
                headers=p.token(sub, role),
            )
        )
    amended = await project(p, pid)
    assert (amended["agreement"]["version"], amended["agreement"]["reason"], amended["amendments"]) == (
        2,
        "参加者の増加に伴い会場費を増額",
        1,
    )
    return amended


async def report_twice_one_overdue(p: Platform, pid: str, rep: str, liaison: str, start: date) -> None:
    evaluation = p.clients["evaluation"]
    group, city = p.token(rep, "group"), p.token(liaison, "staff")
    wrong_unit = await evaluation.post(
        f"/projects/{pid}/reports/1",
        json={"values": [{**values("120", "75")[0], "unit": "回"}, values("120", "75")[1]], "summary_ja": "順調"},
        headers=group,
    )
    refused(wrong_unit, 422, "wrong_unit", "values.0.unit")
    not_whole = await evaluation.post(
        f"/projects/{pid}/reports/1", json={"values": values("120.5", "75"), "summary_ja": "順調"}, headers=group
    )
    refused(not_whole, 422, "value_not_whole", "values.0.value")
    over = await evaluation.post(
        f"/projects/{pid}/reports/1", json={"values": values("120", "175"), "summary_ja": "順調"}, headers=group
    )
    refused(over, 422, "percent_out_of_range", "values.1.value")
    for headers in (group, city):
        await ok(
            evaluation.post(
                f"/projects/{pid}/reports/1",
                json={"values": values("120", "75"), "summary_ja": "順調"},
                headers=headers,
            ),
            201,
        )
    # The second date passes with neither report filed: both are marked overdue by the timer, and published.
    move_evaluation_clock(p, datetime.combine(start + timedelta(days=61), time(9, 0), tzinfo=TOKYO))

    async def overdue() -> bool:
        return sorted((await project(p, pid))["overdue"]) == ["department|2", "group|2"]

    await eventually(overdue, timeout=30)
    late = await ok(
        evaluation.post(
            f"/projects/{pid}/reports/2",
            json={"values": values("380", "82.5"), "summary_ja": "遅れて提出"},
            headers=group,
        ),
        201,
    )
    assert late.json()["status"] == "active"
    filed = (await ok(evaluation.get(f"/projects/{pid}/reports", headers=group))).json()["items"]
    assert [(r["index"], r["partner"], r["late"]) for r in filed] == [
        (1, "department", False),
        (1, "group", False),
        (2, "group", True),
    ]


async def receipt_verifies(p: Platform, folder: Path, receipt: dict[str, Any], body: dict[str, Any]) -> None:
    """What the group can do with its receipt, offline, as for a proposal: `kyodo receipt verify` with the service's
    published keys and the body it sent."""
    keys = await ok(p.clients["evaluation"].get("/audit/keys"))
    folder.mkdir()
    for name, value in (("receipt", receipt), ("keys", keys.json()), ("body", body)):
        (folder / f"{name}.json").write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    args = [str(folder / "receipt.json"), "--keys", str(folder / "keys.json"), "--content", str(folder / "body.json")]
    command = [sys.executable, "-m", "kyodo_shared.cli.main", "receipt", "verify", *args]
    checked = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "MATCHES" in checked.stdout


async def self_evaluate(p: Platform, pid: str, rep: str, liaison: str, start: date, folder: Path) -> None:
    evaluation = p.clients["evaluation"]
    group, city = p.token(rep, "group"), p.token(liaison, "staff")
    body = {"ratings": RATINGS, "achieved": values("610", "84"), "summary_ja": "目標を達成した"}
    early = await evaluation.put(f"/projects/{pid}/self-evaluation", json=body, headers=group)
    refused(early, 409, "project_not_ended")
    move_evaluation_clock(p, datetime.combine(start + timedelta(days=92), time(9, 0), tzinfo=TOKYO))

    async def ended() -> bool:
        return bool((await project(p, pid))["status"] == "ended")

    await eventually(ended, timeout=30)
    after_end = await evaluation.post(
        f"/projects/{pid}/reports/2", json={"values": values("1", "1"), "summary_ja": "終了後"}, headers=city
    )
    refused(after_end, 409, "project_ended")
    submitted = await ok(evaluation.put(f"/projects/{pid}/self-evaluation", json=body, headers=group), 201)
    receipt = submitted.json()["receipt"]
    assert receipt["call_id"] == pid
    assert len(receipt["content_hash"]) == 64
    sealed = await evaluation.get(f"/projects/{pid}/self-evaluations/group", headers=city)
    refused(sealed, 403, "self_evaluation_sealed")
    coordinator_too = await evaluation.get(f"/projects/{pid}/self-evaluations/group", headers=coordinator(p))
    refused(coordinator_too, 403, "self_evaluation_sealed")
    own = await ok(evaluation.get(f"/projects/{pid}/self-evaluations/group", headers=group))
    assert own.json()["receipt"] == receipt
    await receipt_verifies(p, folder, receipt, body)
    city_body = {**body, "achieved": values("600", "80"), "summary_ja": "協働の成果があった"}
    await ok(evaluation.put(f"/projects/{pid}/self-evaluation", json=city_body, headers=city), 201)
    unsealed = await ok(evaluation.get(f"/projects/{pid}/self-evaluations/group", headers=city))
    assert unsealed.json()["summary_ja"] == "目標を達成した"
    assert "receipt" not in unsealed.json()
    assert (await project(p, pid))["status"] == "evaluating"


async def committee_recommends(p: Platform, pid: str, committee: str, group_id: str) -> dict[str, Any]:
    """ev-chair has an interest in the group (registry), ev-vice declares a conflict here: the members not recused
    elect ev-3 acting chair, who confirms."""
    evaluation, registry = p.clients["evaluation"], p.clients["registry"]
    await ok(
        registry.post(
            "/interests/me", json={"group_id": group_id, "kind": "member"}, headers=p.token("ev-chair", "evaluator")
        ),
        201,
    )
    view = evaluation_view(p)
    await eventually(lambda: view.interested("ev-chair", group_id, ""), timeout=20)
    await ok(
        evaluation.post(f"/projects/{pid}/committee", json={"committee_id": committee}, headers=coordinator(p)), 201
    )
    declared = {"kind": "close_relation", "reason": "代表者が親族"}
    await ok(
        evaluation.post(f"/projects/{pid}/committee/conflicts", json=declared, headers=p.token("ev-vice", "evaluator"))
    )
    recused = await evaluation.post(
        f"/projects/{pid}/committee/scores", json=points(5, 5, 5, 5, 5), headers=p.token("ev-chair", "evaluator")
    )
    refused(recused, 403, "recused")
    first = await evaluation.get(f"/projects/{pid}/committee/scores", headers=p.token("ev-2", "evaluator"))
    refused(first, 403, "score_first")
    given = {"ev-2": points(4, 4, 3, 3, 4), "ev-3": points(5, 4, 4, 3, 4), "ev-4": points(3, 5, 4, 2, 3)}
    for member, body in given.items():
        await ok(
            evaluation.post(f"/projects/{pid}/committee/scores", json=body, headers=p.token(member, "evaluator")), 201
        )
    seen = await ok(evaluation.get(f"/projects/{pid}/committee/scores", headers=p.token("ev-2", "evaluator")))
    assert len(seen.json()["items"]) == 3
    decision = {"recommendation": "improve", "reasons_ja": "参加者は増えたが費用対効果に課題がある。"}
    nobody = await evaluation.post(
        f"/projects/{pid}/committee/recommendation", json=decision, headers=p.token("ev-3", "evaluator")
    )
    refused(nobody, 409, "no_confirmer")
    matter = f"evaluation:project:{pid}"
    current = await ok(registry.get(f"/committees/{committee}/acting-chairs"))
    election = {"matter": matter, "acting_chair_sub": "ev-3", "elector_subs": ["ev-2", "ev-3", "ev-4"]}
    await ok(
        registry.post(
            f"/committees/{committee}/acting-chairs",
            json=election,
            headers={**coordinator(p), "If-Match": current.headers["ETag"]},
        ),
        201,
    )
    await eventually(lambda: view.acting_chair(committee, matter) is not None, timeout=20)
    other = await evaluation.post(
        f"/projects/{pid}/committee/recommendation", json=decision, headers=p.token("ev-4", "evaluator")
    )
    refused(other, 403, "not_the_confirmer")
    confirmed = await ok(
        evaluation.post(
            f"/projects/{pid}/committee/recommendation", json=decision, headers=p.token("ev-3", "evaluator")
        ),
        201,
    )
    report: dict[str, Any] = confirmed.json()
    return report


async def linked_both_ways(p: Platform, pid: str, call_id: str, proposal_id: str) -> None:
    """The portal shows the report and the project's timeline, and the call's results name the project it became
    with its recommendation (the report itself names the call and the proposal)."""
    portal = p.clients["info-hub"]

    async def call_links() -> list[dict[str, Any]] | None:
        found = (await portal.get(f"/calls/{call_id}")).json().get("collaboration_projects", [])
        return found if found and found[0]["recommendation"] else None

    (link,) = await eventually(call_links, timeout=30)
    assert (link["proposal_id"], link["project_id"], link["recommendation"]) == (proposal_id, pid, "improve")
    report = await ok(portal.get(f"/evaluation-reports/{pid}"))
    assert report.json()["report"]["call_id"] == call_id
    detail = await ok(portal.get(f"/collaboration-projects/{pid}"))
    kinds = [e["kind"] for e in detail.json()["timeline"]]
    assert kinds[0] == "project_created"
    assert kinds[-1] == "report_published"
    assert kinds.count("report_overdue") == 2
    assert "agreement_amended" in kinds


async def test_a_project_runs_from_its_adoption_to_a_published_evaluation_that_the_auditor_recomputes(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, tmp_path: Path
) -> None:
    settings = services(backend, nats_url, bus_namespace, issuer)
    async with platform(settings, issuer) as p:
        dept, group_id = await partners(p, "rep-g", "みどりの会", "liaison-1")
        committee = await evaluation_committee(
            p, ["ev-chair", "ev-vice", "ev-2", "ev-3", "ev-4"], "ev-chair", "ev-vice"
        )
        source = await adopted_project(p, dept.id, group_id, "rep-g")
        pid = source["project_id"]
        assert pid == str(adoption_project_id(UUID(source["proposal_id"])))
        created = await project(p, pid)
        assert (created["group_id"], created["department_id"], created["status"]) == (group_id, dept.id, "drafting")
        assert created["links"]["call_id"] == source["call_id"]
        start = datetime.now(TOKYO).date()
        await conclude(p, pid, "rep-g", "liaison-1", start)
        await report_twice_one_overdue(p, pid, "rep-g", "liaison-1", start)
        await self_evaluate(p, pid, "rep-g", "liaison-1", start, tmp_path / "receipt")
        report = await committee_recommends(p, pid, committee, group_id)

        # Means over ev-2, ev-3, ev-4 (by hand): achievement (4+5+3)/3 = 4, collaboration (4+4+5)/3 = 13/3,
        # citizen_benefit (3+4+4)/3 = 11/3, cost (3+3+2)/3 = 8/3, future (4+4+3)/3 = 11/3;
        # overall (4 + 13/3 + 11/3 + 8/3 + 11/3)/5 = (12+13+11+8+11)/15 = 55/15 = 11/3.
        assert report["criterion_means"] == {
            "achievement": "4/1",
            "collaboration": "13/3",
            "citizen_benefit": "11/3",
            "cost_effectiveness": "8/3",
            "future_direction": "11/3",
        }
        assert report["overall_mean"] == "11/3"
        assert (report["recusals"], report["confirmed_by"], report["recommendation"]) == (2, "acting_chair", "improve")
        assert sorted(e["label"] for e in report["evaluations"]) == ["A", "B", "C"]
        assert (report["call_id"], report["proposal_id"]) == (source["call_id"], source["proposal_id"])
        assert [s["partner"] for s in report["self_evaluations"]] == ["department", "group"]
        assert report["indicators"][0]["achieved_group"] == "610"
        public = await ok(p.clients["evaluation"].get(f"/projects/{pid}/report"))
        assert public.json() == report
        assert (await project(p, pid))["status"] == "reported"
        published = await eventually(
            lambda: published_bodies(nats_url, bus_namespace, "evaluation", "report.published.v1"), timeout=20
        )
        assert published[0]["project_id"] == pid
        overdue = await published_bodies(nats_url, bus_namespace, "evaluation", "report.overdue.v1")
        assert sorted(b["partner"] for b in overdue) == ["department", "group"]
        await linked_both_ways(p, pid, source["call_id"], source["proposal_id"])

    env = cli_env(settings["evaluation"])
    # A pin file of the test's own: the machine's default one (under the data directory) remembers other stores.
    pins = ["--pin", str(tmp_path / "pins.json")]
    verify = [sys.executable, "-m", "kyodo_shared.cli.main", "audit", "verify", "evaluation", *pins]
    verified = await asyncio.to_thread(subprocess.run, verify, env=env, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    command = [sys.executable, "-m", "kyodo_shared.cli.main", "audit", "recompute-evaluation", pid, "--json"]
    agreed = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)
    assert agreed.returncode == 0, agreed.stdout + agreed.stderr
    assert json.loads(agreed.stdout)["findings"] == []
    assert (
        rewrite_stored(
            settings["evaluation"],
            "evaluation",
            "CommitteeEvaluation.Scored",
            '"cost_effectiveness":2',
            '"cost_effectiveness":5',
        )
        == 1
    )
    caught = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)
    assert caught.returncode == 1, caught.stdout + caught.stderr
    assert json.loads(caught.stdout)["findings"], caught.stdout


async def test_an_adoption_naming_no_department_waits_for_the_coordinator_to_name_it_and_the_service_stays_ready(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = {
        n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in ("registry", "proposals", "evaluation")
    }
    async with platform(settings, issuer) as p:
        evaluation = p.clients["evaluation"]
        dept, group_id = await partners(p, "rep-g", "みどりの会", "liaison-1")
        _, proposal_id = await adoption(p, None, group_id, "rep-g")

        async def awaiting() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = (await ok(evaluation.get("/adoptions", headers=coordinator(p)))).json()[
                "items"
            ]
            return items

        (waiting,) = await eventually(awaiting, timeout=30)
        assert (waiting["proposal_id"], waiting["department_id"]) == (proposal_id, None)
        # Waiting for a person is not a failure of the service: its timers report nothing stuck.
        ready = await evaluation.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["timers"] == {"failing": 0}, ready.text
        refused(await evaluation.get("/adoptions", headers=p.token("liaison-1", "staff")), 403, "forbidden_role")
        unknown = await evaluation.post(
            f"/adoptions/{proposal_id}/project", json={"department_id": str(UUID(int=5))}, headers=coordinator(p)
        )
        refused(unknown, 422, "department_not_found", "department_id")
        created = await ok(
            evaluation.post(
                f"/adoptions/{proposal_id}/project", json={"department_id": dept.id}, headers=coordinator(p)
            ),
            201,
        )
        assert (created.json()["department_id"], created.json()["links"]["proposal_id"]) == (dept.id, proposal_id)
        again = await evaluation.post(
            f"/adoptions/{proposal_id}/project", json={"department_id": dept.id}, headers=coordinator(p)
        )
        refused(again, 409, "project_exists")
        assert await awaiting() == []
