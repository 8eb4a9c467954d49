"""Every operation of every service's OpenAPI, fuzzed with schemathesis as each role (issue 22): no answer is a server
error, and every answer is what the document says — a documented status code and content type, a body matching
the declared schema (problem+json for every refusal), documented headers — and no data the document refuses is
accepted.

The five services run in-process on their real stores — SQLite, then PostgreSQL (which refuses what SQLite
tolerates: a NUL in text) — and the session's NATS, with a little data seeded through their APIs (a registered group
whose representative is the `group` role's account, a department whose staff and liaison is the `staff` one, a
review board chaired by the `reviewer` one, a published call), so that half of the positive cases name existing
resources rather than only unknown ids. Each operation gets POSITIVE and NEGATIVE cases generated from its schema —
the same on every run (derandomized) — each sent as every role (and without a token), commands with If-Match values
in turn, plus the hand-picked odd requests of `support.fuzz` (huge, NUL and non-UTF-8 path and query values, a body
that is not UTF-8). The test fails on any finding, on any operation not exercised, and on an exclusion that no
longer matches an operation; it prints, per backend and service, the operations exercised, the requests by status
and the findings.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Err, Ok

from kyodo_shared.web.devissuer import DevIssuer

from support.calls import published_call, registered_group, review_board
from support.fuzz import (
    BASE_URL,
    COMMANDS,
    IF_MATCH,
    AnyOperation,
    Finding,
    Role,
    Tally,
    curl,
    generated,
    judge,
    odd_requests,
    prepared,
    send,
    with_known_ids,
)
from support.harness import Backend, Platform, platform, settings_for
from support.screening import department
from support.servers import delete_streams_sync, temporary_database

SERVICES = ["registry", "screening", "proposals", "evaluation", "info-hub"]
POSITIVE_CASES = 6
NEGATIVE_CASES = 6

ROLES = [
    Role("anonymous"),
    Role("public", "fuzz-public", "public"),
    Role("group", "fuzz-rep", "group"),
    Role("staff", "fuzz-staff", "staff"),
    Role("coordinator", "fuzz-coordinator", "coordinator"),
    Role("team", "fuzz-team", "team"),
    Role("reviewer", "fuzz-reviewer", "reviewer"),
    Role("evaluator", "fuzz-evaluator", "evaluator"),
    Role("auditor", "fuzz-auditor", "auditor"),
]

# Checks that do not apply to an operation, by "service METHOD path", each with why. Never a whole operation.
EXCLUDED: dict[str, tuple[tuple[Any, ...], str]] = {}


BOARD = ["fuzz-reviewer", "fuzz-member-1", "fuzz-member-2", "fuzz-member-3", "fuzz-member-4"]


@dataclass
class Fuzzed:
    platform: Platform
    known: dict[str, str]
    clients: dict[str, httpx.AsyncClient]
    backend: str


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def fuzzed(
    request: pytest.FixtureRequest, nats_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Fuzzed]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    namespace = f"t{uuid.uuid4().hex[:8]}"
    issuer = DevIssuer.load_or_create(folder / "issuer")
    with ExitStack() as stack:
        if request.param == "sqlite":
            backend = Backend("sqlite", folder)
        else:
            backend = Backend(
                "postgres", folder, stack.enter_context(temporary_database(request.getfixturevalue("pg_dsn")))
            )
        async with serving_all(backend, nats_url, namespace, issuer) as fuzzed:
            yield fuzzed


@asynccontextmanager
async def serving_all(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> AsyncIterator[Fuzzed]:
    services = {name: settings_for(name, backend, nats_url, namespace, issuer) for name in SERVICES}
    try:
        async with platform(services, issuer) as p:
            # An exception the app raises is answered 500 (as a server would), not raised into the test.
            clients = {
                name: httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=BASE_URL
                )
                for name, app in p.apps.items()
            }
            try:
                yield Fuzzed(p, await seeded(p), clients, backend.kind)
            finally:
                for client in clients.values():
                    await client.aclose()
    finally:
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


async def seeded(p: Platform) -> dict[str, str]:
    """A little of everything the roles act on, through the APIs; the ids path parameters are set to."""
    group_id = await registered_group(p, "fuzz-rep", "ふぁずの会")
    dept = await department(p, "FZ1", "ふぁず課", ["fuzz-staff"], date.today() - timedelta(days=30))
    committee_id = await review_board(p, BOARD, "fuzz-reviewer", "fuzz-member-1")
    call_id, _ = await published_call(p, committee_id)
    return {
        "group_id": group_id,
        "department_id": dept.id,
        "committee_id": committee_id,
        "call_id": call_id,
        "staff_sub": "fuzz-staff",
        "member_sub": "fuzz-reviewer",
        "person_sub": "fuzz-coordinator",
    }


@pytest.mark.parametrize("service", SERVICES)
async def test_every_operation_answers_as_documented_for_every_role(
    fuzzed: Fuzzed, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    p = fuzzed.platform
    started = time.monotonic()
    schema = schemathesis.openapi.from_dict(p.apps[service].openapi())
    operations = [operation_of(result) for result in schema.get_all_operations()]
    labels = {f"{service} {op.label}" for op in operations}
    stale = [key for key in EXCLUDED if key.startswith(f"{service} ") and key not in labels]
    assert stale == [], f"exclusions naming no operation: {stale}"
    tally = Tally()
    client = fuzzed.clients[service]
    tokens = {role.label: p.token(role.sub, role.role) if role.role else {} for role in ROLES}
    for operation in operations:
        label = f"{service} {operation.label}"
        excluded, _why = EXCLUDED.get(label, ((), ""))
        positive, negative = cases_of(label, operation)
        if not negative:
            tally.without_negative.append(label)
        command = operation.method.upper() in COMMANDS
        sent = 0
        for index, case in enumerate(positive + negative):
            if index % 2 == 0 and index < len(positive):
                with_known_ids(case, fuzzed.known)
            request = prepared(case)
            for turn, role in enumerate(ROLES):
                if_match = IF_MATCH[(index + turn) % len(IF_MATCH)] if command else None
                response = await send(client, request, tokens[role.label], if_match)
                sent += 1
                record(tally, case, response, excluded, role, request)
        if positive:
            for _what, request in odd_requests(positive[-1]):
                for role in (ROLES[0], ROLES[4]):
                    response = await send(client, request, tokens[role.label], '"1"' if command else None)
                    sent += 1
                    record(tally, positive[-1], response, excluded, role, request)
        if sent:
            tally.operations.append(label)
    elapsed = time.monotonic() - started
    line = (
        f"fuzz {fuzzed.backend} {service}: {len(tally.operations)} of {len(operations)} operations exercised, "
        f"{tally.requests} requests {dict(sorted(tally.statuses.items()))}, {len(tally.without_negative)} without "
        f"negative cases (nothing to make invalid), {len(tally.findings)} findings, {elapsed:.0f} s"
    )
    with capsys.disabled():  # in the run's output whether the test passes or not
        print(f"\n{line}")
    missing = sorted(labels - set(tally.operations))
    assert missing == [], f"operations not exercised: {missing}"
    assert tally.findings == [], report(tally.findings)


# The cases of each operation, generated once for both backends (the same on every run: derandomized).
GENERATED: dict[str, tuple[list[Any], list[Any]]] = {}


def cases_of(label: str, operation: AnyOperation) -> tuple[list[Any], list[Any]]:
    if label not in GENERATED:
        positive = generated(operation, GenerationMode.POSITIVE, POSITIVE_CASES)
        GENERATED[label] = (positive, generated(operation, GenerationMode.NEGATIVE, NEGATIVE_CASES))
    return GENERATED[label]


def operation_of(result: Ok[AnyOperation] | Err[InvalidSchema]) -> AnyOperation:
    assert isinstance(result, Ok), f"the document does not load: {result.err()}"
    return result.ok()


def record(tally: Tally, case: Any, response: Any, excluded: Any, role: Role, request: Any) -> None:
    tally.statuses[response.status_code] += 1
    failed = judge(case, response, excluded)
    if failed is not None:
        finding = Finding(case.operation.label, role.label, response.status_code, failed, curl(request, role))
        tally.findings.append(finding)


def report(findings: list[Finding]) -> str:
    distinct: dict[tuple[str, int, str], Finding] = {}
    for finding in findings:
        distinct.setdefault((finding.operation, finding.status, finding.checks), finding)
    lines = [f"{len(findings)} findings, {len(distinct)} distinct:"]
    for (operation, status, checks), finding in list(distinct.items())[:60]:
        lines.append(f"- {operation} → {status}: {checks}\n    {finding.curl}")
    return "\n".join(lines)
