"""The evaluation service over HTTP, with the registry beside it (real NATS; SQLite and PostgreSQL stores): every
route of its OpenAPI against every kind of caller; bad input refused as problem+json naming the field in Japanese and
English, changing nothing; projects started from screening decisions (and refused from the wrong ones) or from an
adoption whose department a coordinator names; and a reported project's history, which verifies clean and shows
sealed self-evaluations and scores to auditors only. Decisions and adoptions arrive on the screening and proposals
streams as those services' relays write them.

One platform per backend serves the module (the registry's partners and committee take the longest to set up); each
test starts projects of its own from fresh screening decisions and brings them to the stage it needs.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from kyodo_contracts.screening import CollaborationForm, Outcome
from kyodo_evaluation.committee import committee_evaluation_id
from kyodo_evaluation.domain import adoption_project_id
from kyodo_evaluation.messages import MESSAGES
from kyodo_evaluation.vocabulary import DEFAULT_CRITERIA
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.service import discover
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.cli import kyodo_json
from support.evaluation import values
from support.evaluation_http import (
    World,
    adopted,
    adoption_arrived,
    appoint,
    arrived,
    concluded,
    created,
    current_agreement,
    decided,
    drafted,
    ended,
    evaluating,
    points,
    read,
    reported,
    self_evaluation,
    service_today,
    world,
)
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.servers import delete_streams_sync, temporary_database
from support.streams import SourceStream


@dataclass(frozen=True)
class Kyodo:
    p: Platform
    w: World
    backend: Backend


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=["sqlite", "postgres"])
async def kyodo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_url: str
) -> AsyncIterator[Kyodo]:
    folder = tmp_path_factory.mktemp(f"evaluation-{request.param}")
    namespace = f"t{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        stack.callback(delete_streams_sync, nats_url, f"{namespace.upper()}_")
        dsn = ""
        if request.param == "postgres":
            dsn = stack.enter_context(temporary_database(request.getfixturevalue("pg_dsn")))
        backend = Backend(request.param, folder, dsn)
        issuer = DevIssuer.load_or_create(folder / "issuer")
        streams = [SourceStream(nats_url, namespace, source) for source in ("screening", "proposals")]
        for stream in streams:
            await stream.create()
        services = {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "evaluation")}
        async with platform(services, issuer) as p:
            yield Kyodo(p, await world(p, *streams), backend)


def evaluation_events(p: Platform) -> int:
    """How many events the evaluation service stored of its own aggregates (the kernel's checkpoints left out)."""
    stored = p.apps["evaluation"].state.kernel.application.recorder.select_notifications(start=1, limit=1_000_000)
    return sum(1 for n in stored if n.topic.startswith("kyodo_evaluation."))


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert (body["code"], body["status"]) == (code, status), response.text
    assert body["title_ja"]
    assert body["title_en"]
    return body


def refused(response: httpx.Response, status: int, code: str, *errors: str) -> dict[str, Any]:
    """A problem whose `errors`, when given, are exactly these "field code" pairs, each with both reasons."""
    body = assert_problem(response, status, code)
    if errors:
        assert tuple(f"{e['field']} {e['code']}" for e in body.get("errors", [])) == errors, response.text
        assert all(e["reason_ja"] and e["reason_en"] for e in body["errors"]), response.text
    return body


async def etag(p: Platform, path: str) -> str:
    return (await ok(p.clients["evaluation"].get(path, headers=coordinator(p)))).headers["ETag"]


# --- every route × every kind of caller ----------------------------------------------------------------------------

CALLERS: dict[str, tuple[str, ...]] = {
    "citizen": ("citizen-1", "public"),
    "rep": ("rep-g", "group"),  # the group's representative
    "contact": ("contact-g", "group"),  # the group's delegated contact: reports, but does not bind the group
    "other-rep": ("rep-h", "group"),  # another group's representative: no party to these projects
    "liaison": ("liaison-1", "staff"),  # the department's liaison
    "staff": ("staff-2", "staff"),  # on the department's staff, not its liaison: reads only
    "coordinator": ("coord-1", "coordinator"),
    "auditor": ("auditor-1", "auditor"),
    "ev-out": ("ev-out", "evaluator"),  # an evaluator on no committee
    **{sub: (sub, "evaluator") for sub in ("ev-chair", "ev-vice", "ev-1", "ev-2", "ev-3", "ev-4")},
    # ev-2 holding the coordinator's and the auditor's roles too: still scores before reading the others
    "ev-2/coordinator": ("ev-2", "evaluator", "coordinator", "auditor"),
}
P = "/projects/{project_id}"
C = P + "/committee"
# Stages: `new` a suitable decision no project was started from; `drafting` a draft awaiting confirmations; `active`
# a concluded agreement; `ended` the period over, no self-evaluation in; `evaluating` both in, the committee not yet.
# Rows run in order, so a 2xx that moves a project on comes after the rows that need it where it was. The committee
# takes the project up with a quorum of all five; between the two parts ev-4 joins the registry's committee (too late
# to be on this one), and once ev-3's conflict is pinned, four can no longer meet the quorum: ev-4 is the substitute.
Row = tuple[str, str, str, str, int, str | None]
BEFORE_EV4: list[Row] = [
    ("POST", "/projects", "new", "nobody", 401, "missing_token"),
    *[("POST", "/projects", "new", who, 403, "forbidden_role") for who in ("rep", "liaison", "ev-1", "auditor")],
    ("POST", "/projects", "new", "coordinator", 201, None),
    ("GET", "/projects", "", "nobody", 401, "missing_token"),
    *[("GET", "/projects", "", who, 403, "name_own_partner") for who in ("citizen", "other-rep")],
    *[("GET", "/projects", "", who, 200, None) for who in ("rep", "contact", "liaison", "staff", "coordinator")],
    *[("GET", "/projects", "", who, 200, None) for who in ("auditor", "ev-out")],
    ("GET", P, "active", "nobody", 401, "missing_token"),
    *[("GET", P, "active", who, 404, "project_not_found") for who in ("citizen", "other-rep")],
    *[("GET", P, "active", who, 200, None) for who in ("rep", "contact", "liaison", "staff", "coordinator")],
    *[("GET", P, "active", who, 200, None) for who in ("auditor", "ev-out")],
    ("GET", P + "/timeline", "active", "nobody", 401, "missing_token"),
    ("GET", P + "/timeline", "active", "other-rep", 404, "project_not_found"),
    *[("GET", P + "/timeline", "active", who, 200, None) for who in ("rep", "staff", "coordinator", "auditor")],
    ("PUT", P + "/criteria", "drafting", "nobody", 401, "missing_token"),
    *[
        ("PUT", P + "/criteria", "drafting", who, 403, "forbidden_role")
        for who in ("rep", "liaison", "ev-1", "auditor")
    ],
    ("PUT", P + "/criteria", "drafting", "coordinator", 200, None),
    ("PUT", P + "/criteria", "active", "coordinator", 409, "criteria_fixed"),
    ("PUT", P + "/agreement", "drafting", "nobody", 401, "missing_token"),
    *[("PUT", P + "/agreement", "drafting", who, 403, "forbidden_role") for who in ("citizen", "auditor", "ev-1")],
    *[("PUT", P + "/agreement", "drafting", who, 403, "not_a_partner") for who in ("other-rep", "staff")],
    *[("PUT", P + "/agreement", "drafting", who, 200, None) for who in ("coordinator", "contact", "liaison")],
    ("POST", P + "/agreement/confirmations", "drafting", "nobody", 401, "missing_token"),
    *[
        ("POST", P + "/agreement/confirmations", "drafting", who, 403, "forbidden_role")
        for who in ("coordinator", "auditor", "ev-1")
    ],
    *[
        ("POST", P + "/agreement/confirmations", "drafting", who, 403, "not_a_partner")
        for who in ("other-rep", "staff")
    ],
    ("POST", P + "/agreement/confirmations", "drafting", "contact", 403, "representative_only"),
    ("POST", P + "/agreement/confirmations", "drafting", "rep", 200, None),
    ("POST", P + "/agreement/confirmations", "drafting", "rep", 409, "already_confirmed"),
    ("POST", P + "/agreement/confirmations", "drafting", "liaison", 200, None),
    ("POST", P + "/agreement/confirmations", "drafting", "liaison", 409, "no_draft"),
    ("POST", P + "/reports/{index}", "active", "nobody", 401, "missing_token"),
    *[
        ("POST", P + "/reports/{index}", "active", who, 403, "forbidden_role")
        for who in ("citizen", "coordinator", "auditor", "ev-1")
    ],
    *[("POST", P + "/reports/{index}", "active", who, 403, "not_a_partner") for who in ("other-rep", "staff")],
    ("POST", P + "/reports/{index}", "drafting", "liaison", 201, None),  # concluded by the rows above
    ("POST", P + "/reports/{index}", "active", "contact", 201, None),
    ("POST", P + "/reports/{index}", "active", "rep", 409, "report_already_filed"),
    ("POST", P + "/reports/{index}", "active", "liaison", 201, None),
    ("POST", P + "/reports/{index}", "ended", "liaison", 409, "project_ended"),
    ("GET", P + "/reports", "active", "nobody", 401, "missing_token"),
    ("GET", P + "/reports", "active", "other-rep", 404, "project_not_found"),
    *[("GET", P + "/reports", "active", who, 200, None) for who in ("rep", "staff", "coordinator", "ev-out")],
    ("PUT", P + "/self-evaluation", "ended", "nobody", 401, "missing_token"),
    *[
        ("PUT", P + "/self-evaluation", "ended", who, 403, "forbidden_role")
        for who in ("citizen", "coordinator", "auditor", "ev-1")
    ],
    *[("PUT", P + "/self-evaluation", "ended", who, 403, "not_a_partner") for who in ("other-rep", "staff")],
    ("PUT", P + "/self-evaluation", "active", "rep", 409, "project_not_ended"),
    ("PUT", P + "/self-evaluation", "ended", "rep", 201, None),
    ("PUT", P + "/self-evaluation", "ended", "contact", 409, "already_self_evaluated"),
    ("GET", P + "/self-evaluations/{partner}", "ended", "nobody", 401, "missing_token"),
    ("GET", P + "/self-evaluations/{partner}", "ended", "other-rep", 404, "project_not_found"),
    # Sealed from the other partner — and from everyone else — until both are in or the deadline passes.
    *[
        ("GET", P + "/self-evaluations/{partner}", "ended", who, 403, "self_evaluation_sealed")
        for who in ("liaison", "staff", "coordinator", "auditor", "ev-1")
    ],
    *[("GET", P + "/self-evaluations/{partner}", "ended", who, 200, None) for who in ("rep", "contact")],
    ("POST", C, "evaluating", "nobody", 401, "missing_token"),
    *[("POST", C, "evaluating", who, 403, "forbidden_role") for who in ("rep", "liaison", "ev-chair", "auditor")],
    ("POST", C, "active", "coordinator", 409, "not_evaluating"),
    ("POST", C, "evaluating", "coordinator", 201, None),
    ("POST", C, "evaluating", "coordinator", 409, "committee_already_open"),
    ("POST", C + "/substitutes", "evaluating", "nobody", 401, "missing_token"),
    *[("POST", C + "/substitutes", "evaluating", who, 403, "forbidden_role") for who in ("ev-chair", "rep")],
    ("POST", C + "/substitutes", "evaluating", "coordinator", 422, "not_a_committee_member"),
]
AFTER_EV4: list[Row] = [
    ("POST", C + "/substitutes", "evaluating", "coordinator", 409, "no_quorum_failure"),
    ("GET", C, "evaluating", "nobody", 401, "missing_token"),
    *[("GET", C, "evaluating", who, 404, "project_not_found") for who in ("citizen", "other-rep")],
    ("GET", C, "active", "coordinator", 404, "committee_not_open"),
    *[("GET", C, "evaluating", who, 200, None) for who in ("rep", "liaison", "ev-out", "coordinator", "auditor")],
    ("POST", C + "/conflicts", "evaluating", "nobody", 401, "missing_token"),
    *[("POST", C + "/conflicts", "evaluating", who, 403, "forbidden_role") for who in ("coordinator", "rep")],
    ("POST", C + "/conflicts", "evaluating", "ev-out", 403, "not_on_committee"),
    ("POST", C + "/conflicts", "evaluating", "ev-3", 200, None),
    ("DELETE", C + "/conflicts", "evaluating", "nobody", 401, "missing_token"),
    *[("DELETE", C + "/conflicts", "evaluating", who, 403, "forbidden_role") for who in ("coordinator", "rep")],
    ("DELETE", C + "/conflicts", "evaluating", "ev-out", 403, "not_on_committee"),
    ("DELETE", C + "/conflicts", "evaluating", "ev-3", 200, None),
    ("DELETE", C + "/conflicts", "evaluating", "ev-3", 404, "conflict_not_found"),
    ("POST", C + "/pinned-conflicts", "evaluating", "nobody", 401, "missing_token"),
    *[("POST", C + "/pinned-conflicts", "evaluating", who, 403, "forbidden_role") for who in ("ev-chair", "rep")],
    ("POST", C + "/pinned-conflicts", "evaluating", "coordinator", 200, None),  # pins ev-3
    ("DELETE", C + "/conflicts", "evaluating", "ev-3", 409, "conflict_pinned"),
    ("POST", C + "/substitutes", "evaluating", "coordinator", 200, None),
    ("POST", C + "/substitutes", "evaluating", "coordinator", 409, "no_quorum_failure"),  # five again
    ("POST", C + "/scores", "evaluating", "nobody", 401, "missing_token"),
    *[("POST", C + "/scores", "evaluating", who, 403, "forbidden_role") for who in ("coordinator", "rep", "auditor")],
    ("POST", C + "/scores", "evaluating", "ev-out", 403, "not_on_committee"),
    ("POST", C + "/scores", "evaluating", "ev-3", 403, "recused"),
    ("POST", C + "/scores", "evaluating", "ev-1", 201, None),
    ("POST", C + "/scores", "evaluating", "ev-1", 409, "score_final"),
    ("GET", C + "/scores", "evaluating", "nobody", 401, "missing_token"),
    *[("GET", C + "/scores", "evaluating", who, 403, "not_on_committee") for who in ("rep", "liaison", "ev-out")],
    *[("GET", C + "/scores", "evaluating", who, 403, "score_first") for who in ("ev-2", "ev-2/coordinator")],
    *[("GET", C + "/scores", "evaluating", who, 200, None) for who in ("ev-1", "auditor")],
    # The center reads who has scored, the points once the report is published (as the review board's in proposals).
    ("GET", C + "/scores", "evaluating", "coordinator", 403, "scores_after_report"),
    ("GET", P + "/report", "evaluating", "nobody", 404, "report_not_published"),
    ("POST", C + "/recommendation", "evaluating", "nobody", 401, "missing_token"),
    *[("POST", C + "/recommendation", "evaluating", who, 403, "forbidden_role") for who in ("coordinator", "rep")],
    ("POST", C + "/recommendation", "evaluating", "ev-chair", 409, "quorum_not_met"),  # ev-1 alone of 5
    *[("POST", C + "/scores", "evaluating", who, 201, None) for who in ("ev-2", "ev-chair", "ev-vice", "ev-4")],
    ("POST", C + "/recommendation", "evaluating", "ev-1", 403, "not_the_confirmer"),
    ("POST", C + "/recommendation", "evaluating", "ev-out", 403, "not_on_committee"),
    ("POST", C + "/recommendation", "evaluating", "ev-chair", 201, None),
    ("POST", C + "/recommendation", "evaluating", "ev-chair", 409, "already_recommended"),
    *[("GET", P + "/report", "evaluating", who, 200, None) for who in ("nobody", "citizen", "other-rep")],
    ("GET", C + "/scores", "evaluating", "coordinator", 200, None),
    ("GET", "/adoptions", "", "nobody", 401, "missing_token"),
    *[("GET", "/adoptions", "", who, 403, "forbidden_role") for who in ("rep", "liaison", "ev-1", "auditor")],
    ("GET", "/adoptions", "", "coordinator", 200, None),
    ("POST", "/adoptions/{proposal_id}/project", "adoption", "nobody", 401, "missing_token"),
    *[
        ("POST", "/adoptions/{proposal_id}/project", "adoption", who, 403, "forbidden_role")
        for who in ("rep", "liaison", "auditor")
    ],
    ("POST", "/adoptions/{proposal_id}/project", "new", "coordinator", 404, "adoption_not_found"),
    ("POST", "/adoptions/{proposal_id}/project", "adoption", "coordinator", 201, None),
    ("POST", "/adoptions/{proposal_id}/project", "adoption", "coordinator", 409, "project_exists"),
    # The kernel's routes, mounted in every service.
    *[
        row
        for path in ("/audit/records", "/audit/events", "/audit/sealed")
        for row in [
            ("GET", path, "", "nobody", 401, "missing_token"),
            *[("GET", path, "", who, 403, "forbidden_role") for who in ("coordinator", "ev-chair", "rep")],
            ("GET", path, "", "auditor", 200, None),
        ]
    ],
    *[
        ("GET", path, "", "nobody", 200, None)
        for path in ("/audit/checkpoints", "/audit/keys", "/healthz", "/readyz", "/asyncapi.yaml", "/metrics")
    ],
]
ROWS = BEFORE_EV4 + AFTER_EV4


@dataclass
class Stages:
    """The projects of the table, by stage, and the decision the coordinator starts one from."""

    ids: dict[str, str]
    decision_id: str


async def stages(k: Kyodo) -> Stages:
    p, w = k.p, k.w
    made = decided(w.department_id)
    await w.stream.publish(made)
    await arrived(p, made)
    ids = {
        "drafting": await drafted(p, w),
        "active": await concluded(p, w),
        "ended": await ended(p, w),
        "evaluating": await evaluating(p, w, open_committee=False),
    }
    adoption = adopted(w.group)
    await w.proposals.publish(adoption)
    await adoption_arrived(p, adoption)
    return Stages({**ids, "adoption": str(adoption.proposal_id)}, str(made.decision_id))


def body_for(method: str, path: str, p: Platform, s: Stages, w: World, draft_hash: str) -> dict[str, Any] | None:
    """A valid body for the route, so only who calls (and the project's stage) decides the answer."""
    if method in ("GET", "DELETE"):
        return None
    bodies: dict[str, dict[str, Any]] = {
        "/projects": {"screening_decision_id": s.decision_id, "group_id": w.group, "form": "co_hosting"},
        P + "/agreement": {"agreement": current_agreement(p)},
        P + "/criteria": {"criteria": [dict(c) for c in DEFAULT_CRITERIA]},
        P + "/agreement/confirmations": {"agreement_hash": draft_hash},
        P + "/reports/{index}": {"values": values("120", "75"), "summary_ja": "順調"},
        P + "/self-evaluation": self_evaluation(),
        C: {"committee_id": w.committee, "quorum": 5},
        "/adoptions/{proposal_id}/project": {"department_id": w.department_id},
        C + "/substitutes": {"member_sub": "ev-4", "reason": "回避により定足数を欠くため"},
        C + "/conflicts": {"kind": "other", "reason": "理由"},
        C + "/pinned-conflicts": {"member_sub": "ev-3", "kind": "business", "reason": "取引関係"},
        C + "/scores": points(),
        C + "/recommendation": {"recommendation": "expand", "reasons_ja": "成果が大きい。"},
    }
    return bodies[path]


async def send(k: Kyodo, s: Stages, method: str, path: str, stage: str, who: str) -> httpx.Response:
    p, w = k.p, k.w
    pid = s.ids.get(stage, "")
    headers: dict[str, str] = {}
    if who != "nobody":
        sub, *roles = CALLERS[who]
        headers.update(p.token(sub, *roles))
    params: dict[str, str] = {}
    if path == "/projects" and method == "GET":
        # Partners list their own, naming it; the others list everything.
        role = CALLERS.get(who, ("", ""))[1]
        params = {"group_id": w.group} if role in ("group", "public") else {}
        params = {"department_id": w.department_id} if role == "staff" else params
    draft_hash = "0" * 64
    if path.endswith("/confirmations") and pid:
        draft_hash = ((await read(p, pid))["draft"] or {"hash": draft_hash})["hash"]
    if method == "PUT" and (path.endswith("/agreement") or path.endswith("/criteria")):
        headers["If-Match"] = "*"
    url = path.format(project_id=pid, proposal_id=pid or s.decision_id, index=1, partner="group")
    body = body_for(method, path, p, s, w, draft_hash)
    client = p.clients["evaluation"]
    return await client.request(method, url, headers=headers, params=params, json=body)


async def test_every_route_answers_each_kind_of_caller_as_its_rules_say(kyodo: Kyodo) -> None:
    p = kyodo.p
    spec = (await ok(p.clients["evaluation"].get("/openapi.json"))).json()
    operations = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}
    covered = {(method, path) for method, path, *_ in ROWS}
    assert operations - covered == set(), "routes missing from the table"
    assert covered - operations == set(), "the table names routes the service does not have"
    answered_2xx = {(m, path) for m, path, _, _, status, _ in ROWS if status < 300}
    assert operations - answered_2xx == set(), "every route is shown answering its allowed caller"
    public = {(m, path) for m, path, _, who, status, _ in ROWS if who == "nobody" and status < 300}
    refused_anonymous = {(m, path) for m, path, _, who, status, _ in ROWS if who == "nobody" and status == 401}
    assert operations - public - refused_anonymous == set(), "every route says what a caller without a token gets"

    s = await stages(kyodo)
    wrong: list[tuple[Any, ...]] = []
    for n, (method, path, stage, who, status, code) in enumerate(ROWS):
        if n == len(BEFORE_EV4):
            await appoint(p, kyodo.w.committee, "ev-4")
        before = evaluation_events(p)
        response = await send(kyodo, s, method, path, stage, who)
        problem = response.headers["content-type"].startswith("application/problem+json")
        answered = (response.status_code, response.json()["code"] if problem else None)
        if answered != (status, code):
            wrong.append((method, path, stage, who, (status, code), answered, response.text[:200]))
        elif status >= 300 and evaluation_events(p) != before:
            wrong.append((method, path, stage, who, "stored something although refused"))
    assert wrong == []
    # What the 2xx rows did: the draft was concluded by both partners and both reported on it; the report published.
    active = await read(p, s.ids["drafting"])
    assert (active["status"], active["confirmed_by"], active["agreement"]["version"]) == ("active", [], 1)
    assert (await read(p, s.ids["evaluating"]))["status"] == "reported"
    assert (await read(p, s.ids["ended"]))["self_evaluations_in"] == ["group"]
    named = await read(p, str(adoption_project_id(uuid.UUID(s.ids["adoption"]))))
    assert (named["source"], named["group_id"], named["department_id"]) == (
        "adoption",
        kyodo.w.group,
        kyodo.w.department_id,
    )


# --- bad input ------------------------------------------------------------------------------------------------------


def with_indicator(good: dict[str, Any], n: int, **changes: Any) -> list[dict[str, Any]]:
    indicators: list[dict[str, Any]] = [dict(i) for i in good["indicators"]]
    indicators[n] = {**indicators[n], **changes}
    return indicators


async def test_a_bad_agreement_is_refused_naming_the_field_and_changes_nothing(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    evaluation = p.clients["evaluation"]
    pid = await drafted(p, w)
    good = current_agreement(p)
    start, end, dates = good["period_start"], good["period_end"], good["report_dates"]
    first, budget, a = with_indicator(good, 0)[0], good["budget"], "agreement"
    reversed_period = {"period_start": end, "period_end": start, "report_dates": []}
    # (changes to the agreement, the refusal's code, its one error as "field code")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"budget": {"total_yen": 1000, "city_yen": 600, "group_yen": 300}}, "budget_does_not_add_up", "budget"),
        (reversed_period, "period_reversed", "period_end"),
        ({"period_end": str(service_today(p) - timedelta(days=1)), "report_dates": []}, "period_over", "period_end"),
        ({"report_dates": [dates[0], "2099-01-01"]}, "report_date_outside_period", "report_dates.1"),
        ({"report_dates": [start, "1999-01-01"]}, "report_date_outside_period", "report_dates.1"),
        ({"report_dates": [dates[1], dates[0]]}, "report_dates_not_ascending", "report_dates.1"),
        ({"report_dates": [dates[0], dates[0]]}, "report_dates_not_ascending", "report_dates.1"),
        ({"indicators": [first, {**first, "name_ja": "同じ鍵"}]}, "indicator_repeated", "indicators.1.key"),
        ({"indicators": with_indicator(good, 0, baseline="1.5")}, "value_not_whole", "indicators.0.baseline"),
        (
            {"indicators": with_indicator(good, 0, value_type="yen", target="-3")},
            "value_not_whole",
            "indicators.0.target",
        ),
        ({"indicators": with_indicator(good, 1, target="120")}, "percent_out_of_range", "indicators.1.target"),
        ({"indicators": with_indicator(good, 1, baseline="八割")}, "value_not_decimal", "indicators.1.baseline"),
    ]
    # Shapes the strict schemas refuse: (the body, its one error as "field code").
    invalid: list[tuple[dict[str, Any], str]] = [
        (
            {a: {**good, "indicators": with_indicator(good, 0, value_type="ratio")}},
            "agreement.indicators.0.value_type enum",
        ),
        ({a: {**good, "indicators": []}}, "agreement.indicators too_short"),
        ({a: {**good, "budget": {**budget, "total_yen": "1200000"}}}, "agreement.budget.total_yen int_type"),
        ({a: {**good, "budget": {**budget, "city_yen": -1}}}, "agreement.budget.city_yen greater_than_equal"),
        ({a: {**good, "period_end": "2027-02-30"}}, "agreement.period_end date_from_datetime_parsing"),
        ({a: {**good, "memo": "x"}}, "agreement.memo extra_forbidden"),
        ({a: {**good, "budget": {**budget, "tax_yen": 0}}}, "agreement.budget.tax_yen extra_forbidden"),
        ({a: good, "signed": True}, "signed extra_forbidden"),
    ]
    liaison = p.token("liaison-1", "staff")
    headers = {**liaison, "If-Match": await etag(p, f"/projects/{pid}")}

    async def put(project_id: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        return await evaluation.put(f"/projects/{project_id}/agreement", json=body, headers=headers)

    version, stored = (await read(p, pid))["version"], evaluation_events(p)
    for changes, code, field in cases:
        refused(await put(pid, {a: {**good, **changes}}, headers), 422, code, f"agreement.{field} {code}")
    for body, error in invalid:
        refused(await put(pid, body, headers), 422, "validation_failed", error)
    refused(await put(pid, {a: good}, liaison), 428, "precondition_required")
    refused(await put(pid, {a: good}, {**liaison, "If-Match": f'"{version - 1}"'}), 412, "precondition_failed")
    assert ((await read(p, pid))["version"], evaluation_events(p)) == (version, stored)

    # Confirmations: a stale hash, a malformed one, a contact's, one with nothing drafted — none stores anything.
    old_hash = (await read(p, pid))["draft"]["hash"]
    redrafted = await ok(put(pid, {a: current_agreement(p, title_ja="改訂版")}, headers))
    new_hash, undrafted = redrafted.json()["draft"]["hash"], await created(p, w)
    rep, contact = p.token("rep-g", "group"), p.token("contact-g", "group")

    async def confirm(body: dict[str, Any], headers: dict[str, str], project_id: str = pid) -> httpx.Response:
        return await evaluation.post(f"/projects/{project_id}/agreement/confirmations", json=body, headers=headers)

    version, stored = redrafted.json()["version"], evaluation_events(p)
    mismatch = await confirm({"agreement_hash": old_hash}, rep)
    assert refused(mismatch, 409, "agreement_version_mismatch", "agreement_hash agreement_version_mismatch")[
        "detail_en"
    ]
    malformed = await confirm({"agreement_hash": "XYZ"}, rep)
    refused(malformed, 422, "validation_failed", "agreement_hash string_pattern_mismatch")
    refused(await confirm({"agreement_hash": new_hash}, contact), 403, "representative_only")
    refused(
        await confirm({"agreement_hash": new_hash, "at": "now"}, rep), 422, "validation_failed", "at extra_forbidden"
    )
    refused(await confirm({"agreement_hash": new_hash}, rep, undrafted), 409, "no_draft")
    assert ((await read(p, pid))["version"], evaluation_events(p)) == (version, stored)

    # Once concluded, an amendment needs its reason and cannot move the start.
    active = await concluded(p, w)
    amend = {**rep, "If-Match": await etag(p, f"/projects/{active}")}
    version = (await read(p, active))["version"]
    refused(await put(active, {a: good}, amend), 422, "amendment_reason_required", "reason amendment_reason_required")
    moved = {a: {**good, "period_start": dates[0]}, "reason": "開始を遅らせる"}
    refused(await put(active, moved, amend), 422, "period_start_fixed", "agreement.period_start period_start_fixed")
    assert (await read(p, active))["version"] == version
    shortened = {a: {**good, "period_end": dates[1]}, "reason": "期間を短縮"}
    amended = await ok(put(active, shortened, amend))
    assert (amended.json()["draft"]["version"], amended.json()["draft"]["reason"]) == (2, "期間を短縮")


def report(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"values": list(entries), "summary_ja": "順調"}


def code_of(error: str) -> str:
    """The refusal an error ("field rule") comes with: a rule of the service's own table is its own refusal's code;
    anything else is the strict schemas' validation."""
    rule = error.split()[1]
    return rule if rule in MESSAGES else "validation_failed"


VISITORS = {"key": "visitors", "value": "120", "unit": "人"}
SATISFACTION = {"key": "satisfaction", "value": "75", "unit": "%"}
EXTRA = {"key": "volunteers", "value": "3", "unit": "人"}


async def test_bad_reports_and_self_evaluations_are_refused_naming_the_field_and_change_nothing(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    evaluation = p.clients["evaluation"]
    pid = await concluded(p, w)
    group = p.token("rep-g", "group")
    # (report number, body, its one error as "field rule")
    cases: list[tuple[int, dict[str, Any], str]] = [
        (1, report({**VISITORS, "unit": "回"}, SATISFACTION), "values.0.unit wrong_unit"),
        (1, report({**VISITORS, "value": "120.5"}, SATISFACTION), "values.0.value value_not_whole"),
        (1, report({**VISITORS, "value": "-1"}, SATISFACTION), "values.0.value value_not_whole"),
        (1, report(VISITORS, {**SATISFACTION, "value": "100.5"}), "values.1.value percent_out_of_range"),
        (1, report(VISITORS, {**SATISFACTION, "value": "七割"}), "values.1.value value_not_decimal"),
        (1, report(VISITORS, SATISFACTION, EXTRA), "values.2.key unknown_indicator"),
        (1, report(VISITORS), "values indicator_unreported"),
        (1, report(VISITORS, VISITORS, SATISFACTION), "values.1.key indicator_repeated"),
        (1, report({**VISITORS, "value": 120}, SATISFACTION), "values.0.value string_type"),
        (1, report({**VISITORS, "note": "x"}, SATISFACTION), "values.0.note extra_forbidden"),
        (1, report(), "values too_short"),
        (3, report(VISITORS, SATISFACTION), "index report_not_scheduled"),
        (0, report(VISITORS, SATISFACTION), "index report_not_scheduled"),
    ]
    version, stored = (await read(p, pid))["version"], evaluation_events(p)
    for index, body, error in cases:
        response = await evaluation.post(f"/projects/{pid}/reports/{index}", json=body, headers=group)
        reason = refused(response, 422, code_of(error), error).get("errors", [{}])[0]
        if error.endswith("wrong_unit"):
            assert ("人" in reason["reason_ja"], "人" in reason["reason_en"]) == (True, True), reason
        if error.endswith("indicator_unreported"):
            assert "satisfaction" in reason["reason_en"]
    early = await evaluation.put(f"/projects/{pid}/self-evaluation", json=self_evaluation(), headers=group)
    refused(early, 409, "project_not_ended")
    assert ((await read(p, pid))["version"], evaluation_events(p)) == (version, stored)
    not_yet = await drafted(p, w)
    before = await evaluation.post(f"/projects/{not_yet}/reports/1", json=report(VISITORS, SATISFACTION), headers=group)
    refused(before, 409, "agreement_not_concluded")

    # After the end: no more interim reports; the self-evaluation's ratings and achieved values are checked too.
    over = await ended(p, w)
    version, stored = (await read(p, over))["version"], evaluation_events(p)
    late = await evaluation.post(f"/projects/{over}/reports/1", json=report(VISITORS, SATISFACTION), headers=group)
    assert refused(late, 409, "project_ended")["detail_en"]
    good = self_evaluation()
    ratings, first = good["ratings"], good["ratings"][0]
    self_cases: list[tuple[dict[str, Any], str]] = [
        ({"ratings": ratings[:4]}, "ratings criterion_unrated"),
        ({"ratings": [*ratings, {**first, "key": "fun"}]}, "ratings.5.key unknown_criterion"),
        ({"ratings": [*ratings, first]}, "ratings.5.key criterion_repeated"),
        ({"ratings": [{**first, "rating": 6}, *ratings[1:]]}, "ratings.0.rating less_than_equal"),
        ({"ratings": [{**first, "rating": 0}, *ratings[1:]]}, "ratings.0.rating greater_than_equal"),
        ({"ratings": [{**first, "rating": "4"}, *ratings[1:]]}, "ratings.0.rating int_type"),
        ({"achieved": values("610.5", "84")}, "achieved.0.value value_not_whole"),
        ({"achieved": [{**VISITORS, "unit": "件"}, SATISFACTION]}, "achieved.0.unit wrong_unit"),
        ({"achieved": values("610", "84")[:1]}, "achieved indicator_unreported"),
        ({"mood": "良"}, "mood extra_forbidden"),
    ]
    for changes, error in self_cases:
        response = await evaluation.put(f"/projects/{over}/self-evaluation", json={**good, **changes}, headers=group)
        refused(response, 422, code_of(error), error)
    assert ((await read(p, over))["version"], evaluation_events(p)) == (version, stored)


async def test_bad_committee_input_is_refused_naming_the_field_and_changes_nothing(kyodo: Kyodo) -> None:
    p, w = kyodo.p, kyodo.w
    evaluation = p.clients["evaluation"]
    pid = await evaluating(p, w, open_committee=False)
    committee = f"/projects/{pid}/committee"
    version, stored = (await read(p, pid))["version"], evaluation_events(p)
    for body, error in [
        ({"committee_id": str(uuid.uuid4())}, "committee_id not_evaluation_committee"),
        ({"committee_id": w.committee, "quorum": 100}, "quorum quorum_above_members"),
        ({"committee_id": w.committee, "quorum": 1}, "quorum greater_than_equal"),
        ({"committee_id": w.committee, "quorum": 0}, "quorum greater_than_equal"),
        ({"committee_id": "委員会"}, "committee_id uuid_parsing"),
    ]:
        refused(await evaluation.post(committee, json=body, headers=coordinator(p)), 422, code_of(error), error)
    assert evaluation_events(p) == stored
    await ok(evaluation.post(committee, json={"committee_id": w.committee}, headers=coordinator(p)), 201)

    given = points()["points"]
    unrated = {k: v for k, v in given.items() if k != "collaboration"}
    # (the route under the committee, the body, its one error as "field rule")
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/scores", {"points": {**given, "achievement": 0}}, "points.achievement greater_than_equal"),
        ("/scores", {"points": {**given, "achievement": 6}}, "points.achievement less_than_equal"),
        ("/scores", {"points": {**given, "achievement": 4.5}}, "points.achievement int_type"),
        ("/scores", {"points": {**given, "achievement": "4"}}, "points.achievement int_type"),
        ("/scores", {"points": unrated}, "points criterion_unrated"),
        ("/scores", {"points": {**given, "fun": 3}}, "points.fun unknown_criterion"),
        ("/scores", {"points": given, "comments": {"fun": "楽しい"}}, "comments.fun unknown_criterion"),
        ("/scores", {"points": given, "weight": 2}, "weight extra_forbidden"),
        ("/conflicts", {"kind": "friend", "reason": "友人"}, "kind string_pattern_mismatch"),
        ("/recommendation", {"recommendation": "continue", "reasons_ja": "継続"}, "recommendation enum"),
        ("/recommendation", {"recommendation": "expand"}, "reasons_ja missing"),
    ]
    before, stored = await etag(p, committee), evaluation_events(p)
    member = p.token("ev-1", "evaluator")
    for path, body, error in cases:
        refused(await evaluation.post(committee + path, json=body, headers=member), 422, code_of(error), error)
    pin = {"member_sub": "ev-1", "kind": "business", "reason": "取引", "since": "2027-01-01"}
    pinned = await evaluation.post(committee + "/pinned-conflicts", json=pin, headers=coordinator(p))
    refused(pinned, 422, "validation_failed", "since extra_forbidden")
    assert (await etag(p, committee), evaluation_events(p), (await read(p, pid))["version"]) == (
        before,
        stored,
        version,
    )


# --- the screening source -------------------------------------------------------------------------------------------


async def test_a_coordinator_starts_a_project_only_from_a_suitable_standing_decision_whose_form_needs_no_call(
    kyodo: Kyodo,
) -> None:
    p, w = kyodo.p, kyodo.w
    evaluation, dept = p.clients["evaluation"], w.department_id
    unknown = decided(dept)
    unsuitable = decided(dept, Outcome.NOT_SUITABLE)
    needs_call = decided(dept, forms=(CollaborationForm.COMMISSION, CollaborationForm.CO_HOSTING))
    original = decided(dept)
    correction = decided(dept, replaces=original.decision_id)
    good = decided(dept, forms=(CollaborationForm.CO_HOSTING, CollaborationForm.ENDORSEMENT))
    await w.stream.publish(unsuitable, needs_call, original, correction, good)
    await arrived(p, unsuitable, needs_call, original, correction, good)

    def body(decision: Any, form: str = "co_hosting", group_id: str = w.group, **extra: Any) -> dict[str, Any]:
        return {"screening_decision_id": str(decision.decision_id), "group_id": group_id, "form": form, **extra}

    stored = evaluation_events(p)
    early = await evaluation.post("/projects", json=body(unknown), headers=coordinator(p))
    refused(early, 404, "screening_decision_not_found", "screening_decision_id screening_decision_not_found")
    assert early.headers["Retry-After"] == "5"
    decision_field = "screening_decision_id"
    for sent, status, code, field in [
        (body(unsuitable), 409, "screening_not_suitable", decision_field),
        (body(needs_call, "commission"), 422, "form_needs_call", "form"),
        (body(needs_call, "endorsement"), 422, "form_not_decided", "form"),
        (body(good, "information_exchange"), 422, "form_not_decided", "form"),
        (body(original), 422, "screening_decision_superseded", decision_field),
        (body(good, group_id=str(uuid.uuid4())), 422, "group_not_registered", "group_id"),
    ]:
        refused(await evaluation.post("/projects", json=sent, headers=coordinator(p)), status, code, f"{field} {code}")
    for sent, error in [
        (body(good, ""), "form enum"),
        (body(good, "xyz"), "form enum"),
        (body(good, note="x"), "note extra_forbidden"),
        (body(good, group_id="みどりの会"), "group_id uuid_parsing"),
    ]:
        refused(await evaluation.post("/projects", json=sent, headers=coordinator(p)), 422, "validation_failed", error)
    assert evaluation_events(p) == stored

    started = await ok(evaluation.post("/projects", json=body(good), headers=coordinator(p)), 201)
    project = started.json()
    assert (started.headers["ETag"], started.headers["Location"]) == ('"1"', f"projects/{project['id']}")
    shown = (project["source"], project["status"], project["group_id"], project["department_id"], project["title_ja"])
    assert shown == ("screening", "drafting", w.group, dept, good.project.title)
    assert project["links"] == {
        "call_id": None,
        "proposal_id": None,
        "screening_decision_id": str(good.decision_id),
        "screening_project_id": str(good.project.project_id),
        "form": "co_hosting",
    }
    assert [c["key"] for c in project["criteria"]][:2] == ["achievement", "collaboration"]
    again = await evaluation.post("/projects", json=body(good), headers=coordinator(p))
    refused(again, 409, "project_exists")
    assert evaluation_events(p) == stored + 1
    # One project per decision and partner group: the other group may partner on the same decision.
    other = await ok(evaluation.post("/projects", json=body(good, group_id=w.other_group), headers=coordinator(p)), 201)
    assert other.json()["id"] != project["id"]


# --- the audit history ----------------------------------------------------------------------------------------------


async def test_a_reported_projects_history_verifies_clean_and_shows_sealed_work_to_auditors_only(
    kyodo: Kyodo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    p, w = kyodo.p, kyodo.w
    evaluation, auditor = p.clients["evaluation"], p.token("auditor-1", "auditor")
    pid = await reported(p, w)
    assert (await read(p, pid))["status"] == "reported"
    committee_id = str(committee_evaluation_id(uuid.UUID(pid)))
    others = [p.token(*CALLERS[who]) for who in ("coordinator", "ev-chair", "rep", "liaison")]
    shown: dict[str, dict[str, Any]] = {}
    for kind, aggregate, count in (
        ("evaluation.Project.SelfEvaluated", pid, 2),
        ("evaluation.CommitteeEvaluation.Scored", committee_id, 3),
    ):
        query = {"type": kind, "aggregate": aggregate}
        for headers in others:
            assert_problem(await evaluation.get("/audit/events", params=query, headers=headers), 403, "forbidden_role")
        items = (await ok(evaluation.get("/audit/events", params=query, headers=auditor))).json()["items"]
        assert [(i["type"], isinstance(i["body"], dict)) for i in items] == [(kind, True)] * count
        shown[kind] = items[0]
    published = await ok(
        evaluation.get("/audit/events", params={"aggregate": committee_id, "type": "ReportPublished"}, headers=auditor)
    )
    shown["published"] = published.json()["items"][0]

    # The policy itself: whoever else might reach the history sees the mark only.
    visibility, now = p.apps["evaluation"].state.kernel.visibility, datetime.now(UTC)
    center, member, partner, reader = (
        Principal("coord-1", frozenset({Role.COORDINATOR})),
        Principal("ev-1", frozenset({Role.EVALUATOR})),
        Principal("rep-g", frozenset({Role.GROUP})),
        Principal("auditor-1", frozenset({Role.AUDITOR})),
    )

    def sees(kind: str, who: Principal) -> bool:
        item = shown[kind]
        rendered = visibility.render(item["topic"], item["body"], who, now)
        assert rendered in ("[restricted]", item["body"])
        return bool(rendered == item["body"])

    sealed, scored = "evaluation.Project.SelfEvaluated", "evaluation.CommitteeEvaluation.Scored"
    assert [sees(sealed, who) for who in (center, member, partner, reader)] == [False, False, False, True]
    # Scores: auditors only (the center reads them through the service once the report is published), never an
    # auditor's account that also holds a committee role (it could read them before giving its own).
    judge = Principal("auditor-2", frozenset({Role.AUDITOR, Role.EVALUATOR}))
    assert [sees(scored, who) for who in (center, member, partner, reader, judge)] == [False] * 3 + [True, False]
    assert [sees("published", who) for who in (center, member, partner, reader)] == [True] * 4

    # The whole history verifies clean (chain, checkpoints, snapshots), as an auditor's `kyodo audit verify` sees it,
    # once the chain has caught up with the last command.
    async def chained() -> bool:
        records = (await evaluation.get("/audit/records", params={"limit": 5000}, headers=auditor)).json()["items"]
        return bool(records) and all(r["link"] for r in records)

    await eventually(chained, timeout=20)
    stored = evaluation_events(p)
    env: dict[str, str] = {}
    if kyodo.backend.kind == "postgres":
        env = {
            "KYODO_STORE__BACKEND": "postgres",
            "KYODO_STORE__PG_DSN": kyodo.backend.pg_dsn,
            "KYODO_STORE__PG_SCHEMA": discover()["evaluation"].pg_schema,
            "KYODO_AUDIT__KEYS_DIR": str(kyodo.backend.folder / "keys"),
        }
    pins = kyodo.backend.folder / f"pins-evaluation-{uuid.uuid4().hex[:6]}.json"
    args = ("--data-dir", str(kyodo.backend.folder), "audit", "verify", "evaluation", "--pin", str(pins))
    exit_code, verified = kyodo_json(monkeypatch, capsys, env, *args)
    assert (exit_code, verified["ok"], verified["findings"]) == (0, True, []), verified
    assert verified["events"] >= stored
    assert verified["checkpoints_valid"] >= 1
