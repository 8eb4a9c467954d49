"""The authorization matrix (issue 22): every API operation of the five services and every page route, asked by an
anonymous caller and by each role, against the reviewed table tests/security/authz_matrix.yaml.

The services run in-process behind the gateway (real SQLite stores, real NATS). An API operation the table denies
to a role must answer 403 to that role's token, and 401 without a token: the routes' `requires(...)` decides before
the body or the path is read, so any other answer (a 2xx, but also a 404 or a 422) means the caller got past the
gate. A page the table denies must send an anonymous reader to the login page (GET) or refuse the post with 401,
and answer a signed-in browser without the role 403 — a post carrying its session's CSRF token, so that only the
role decides. Rows and operations must match both ways, and every row must be reviewed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from support.authz import ROLES, SERVICES, Operation, allowed_roles, load_table, operations
from support.workspace import ORIGIN, Site, workspace

# A well-formed value for each path parameter: the gate answers before anything is looked up.
SOME_ID = "0b6f2c3e-5d8a-4e1f-9a7b-3c2d1e0f9a8b"
PARAMETERS = {
    "sub": "someone",
    "member_sub": "someone",
    "staff_sub": "someone",
    "person_sub": "someone",
    "partner": "someone",
    "respondent": "someone",
    "index": "1",
    "sha256": "0" * 64,
    "month": "2026-04",
    "name": "groups",
    "key": "q1",
    "action": "revision",
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")


def filled(path: str) -> str:
    return PLACEHOLDER.sub(lambda m: PARAMETERS.get(m.group(1), SOME_ID), path)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Site]:
    async with workspace(list(SERVICES), tmp_path_factory.mktemp("authz"), nats_url) as running:
        yield running


@pytest.fixture(scope="module")
def current(site: Site) -> dict[str, Operation]:
    """What exists now: the running apps' operations and page routes, with what their code declares."""
    return operations(site.platform.apps)


def table_rows() -> dict[str, dict[str, Any]]:
    return load_table()


async def test_every_operation_and_page_route_has_a_reviewed_row_and_every_row_an_operation(
    current: dict[str, Operation],
) -> None:
    table = table_rows()
    missing = sorted(set(current) - set(table))
    stale = sorted(set(table) - set(current))
    unreviewed = sorted(k for k, row in table.items() if row.get("reviewed") != "yes" or not row.get("reason"))
    changed = sorted(k for k in set(current) & set(table) if table[k].get("code") != current[k].declared)
    assert not missing, f"operations without a row (run tests/security/authz_table.py --write): {missing}"
    assert not stale, f"rows of operations that no longer exist: {stale}"
    assert not changed, f"rows whose code now declares something else (review them again): {changed}"
    assert not unreviewed, f"rows not reviewed (reviewed: yes and a reason): {unreviewed}"
    assert len(current) > 400


def _asked(current: dict[str, Operation], page: bool) -> list[tuple[Operation, dict[str, Any]]]:
    table = table_rows()
    return [(op, table[key]) for key, op in sorted(current.items()) if op.page == page and key in table]


async def _send(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
    if method in ("GET", "DELETE"):
        return await client.request(method, url, headers=headers)
    return await client.request(method, url, headers={**headers, "Content-Type": "application/json"}, content=b"{}")


async def test_no_api_operation_lets_through_a_caller_the_table_denies(
    site: Site, current: dict[str, Operation]
) -> None:
    p = site.platform
    wrong: list[str] = []
    asked = 0
    for op, row in _asked(current, page=False):
        client, url = p.clients[op.service], filled(op.path)
        if row["anonymous"] == "denied":
            answer = await _send(client, op.method, url, {})
            asked += 1
            if answer.status_code != 401:
                wrong.append(f"{op.key} anonymous: {answer.status_code} (401 expected)")
        allowed = allowed_roles(row)
        if allowed is None:
            continue
        for role in sorted(set(ROLES) - allowed):
            answer = await _send(client, op.method, url, p.token(f"authz-{role}", role))
            asked += 1
            if answer.status_code != 403:
                wrong.append(f"{op.key} {role}: {answer.status_code} (403 expected)")
    assert not wrong, "\n".join(wrong)
    assert asked > 1000


def _login_redirect(answer: httpx.Response) -> bool:
    return answer.status_code == 303 and answer.headers.get("location", "").startswith("/auth/login")


async def test_no_page_lets_in_a_visitor_or_a_role_the_table_denies(site: Site, current: dict[str, Operation]) -> None:
    wrong: list[str] = []
    visitor = site.visitor()
    browsers = {role: site.browser(f"authz-{role}", role) for role in ROLES}
    asked = 0
    for op, row in _asked(current, page=True):
        url = filled(op.path)
        if row["anonymous"] == "denied":
            asked += 1
            if op.method == "GET":
                answer = await visitor.get(url)
                if not _login_redirect(answer):
                    wrong.append(f"{op.key} anonymous: {answer.status_code} (a redirect to the login page expected)")
            else:
                answer = await visitor.post(url, data={}, headers={"Origin": ORIGIN})
                if answer.status_code != 401:
                    wrong.append(f"{op.key} anonymous: {answer.status_code} (401 expected)")
        allowed = allowed_roles(row)
        if allowed is None:
            continue
        for role in sorted(set(ROLES) - allowed):
            asked += 1
            browser = browsers[role]
            answer = await (browser.get(url) if op.method == "GET" else browser.post(url, {}))
            if answer.status_code != 403:
                wrong.append(f"{op.key} {role}: {answer.status_code} (403 expected)")
    assert not wrong, "\n".join(wrong)
    assert asked > 300


async def test_no_form_action_acts_for_a_session_without_its_csrf_token(
    site: Site, current: dict[str, Operation]
) -> None:
    """Every form post the table keeps for signed-in people, sent by a session holding every role (the widest) without
    the session's CSRF token: refused with 403 before anything else (pages.actions.Form checks it first)."""
    browser = site.browser("authz-csrf", *ROLES)
    wrong, asked = [], 0
    for op, row in _asked(current, page=True):
        if op.method != "POST" or row["anonymous"] != "denied":
            continue
        asked += 1
        answer = await browser.post(filled(op.path), {}, csrf=False)
        if answer.status_code != 403:
            wrong.append(f"{op.key} without the CSRF token: {answer.status_code} (403 expected)")
    assert not wrong, "\n".join(wrong)
    assert asked > 100
