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
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from support.authz import ROLES, SERVICES, Operation, allowed_roles, load_table, operations, refusal
from support.authz_asking import (
    api_gate_stopped,
    browse,
    described,
    filled,
    login_redirect,
    page_gate_stopped,
    role_gate_code,
    role_refused_page,
    send,
    visit,
)
from support.workspace import ORIGIN, Browser, Site, workspace


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


async def test_no_api_operation_lets_through_a_caller_the_table_denies(
    site: Site, current: dict[str, Operation]
) -> None:
    p = site.platform
    wrong: list[str] = []
    asked = 0
    for op, row in _asked(current, page=False):
        client, url = p.clients[op.service], filled(op.path)
        if row["anonymous"] == "denied":
            answer = await send(client, op.method, url, {})
            asked += 1
            if answer.status_code != 401:
                wrong.append(f"{op.key} anonymous: {answer.status_code} (401 expected)")
        allowed = allowed_roles(row)
        if allowed is None:
            continue
        for role in sorted(set(ROLES) - allowed):
            answer = await send(client, op.method, url, p.token(f"authz-{role}", role))
            asked += 1
            if refusal(answer) != (403, role_gate_code(op.key)):
                wrong.append(f"{op.key} {role}: {described(answer)} (403 {role_gate_code(op.key)} expected)")
    assert not wrong, "\n".join(wrong)
    assert asked > 1000


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
                if not login_redirect(answer):
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
            if not role_refused_page(answer):
                wrong.append(f"{op.key} {role}: {answer.status_code} (403 for the role expected)")
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


# --- the roles the table lets through, and accounts holding several roles --------------------------------------


def _each_allowed(row: dict[str, Any]) -> list[str]:
    """The row's allowed roles in a fixed order, anonymous first where the row lets it in ("" stands for it)."""
    allowed = allowed_roles(row)
    return (["" for _ in [0] if row["anonymous"] == "allowed"]) + sorted(allowed or ())


async def test_every_api_operation_lets_each_role_the_table_allows_past_the_gate(
    site: Site, current: dict[str, Operation]
) -> None:
    """The same filled path as the denial test, asked by each allowed role (and anonymously where allowed): any
    answer but 401 or 403 `forbidden_role` — a 404 for the made-up id, a 422 for the empty body, or a refusal the
    route decides after the gate (named by its code below when it is a 403, so a reader sees which)."""
    p = site.platform
    wrong, after_gate = [], []
    asked = 0
    for op, row in _asked(current, page=False):
        client, url = p.clients[op.service], filled(op.path)
        for role in _each_allowed(row):
            answer = await send(client, op.method, url, p.token(f"authz-{role}", role) if role else {})
            asked += 1
            stopped = api_gate_stopped(op.key, answer)
            if stopped:
                wrong.append(f"{op.key} {role or 'anonymous'}: {stopped} (the table lets it through)")
            elif answer.status_code == 403:
                after_gate.append(f"{op.key} {role or 'anonymous'}: {described(answer)}")
    assert not wrong, "\n".join(wrong) + "\n(403s the routes decide after the gate: " + "; ".join(after_gate) + ")"
    assert sorted(after_gate) == sorted(AFTER_THE_API_GATE), "\n".join(after_gate)
    assert asked > 900


async def test_every_page_lets_each_role_the_table_allows_past_the_gate(
    site: Site, current: dict[str, Operation]
) -> None:
    """Each page asked by each role the table lets in (a post with its session's CSRF token) and by a visitor where
    the row welcomes one: no login page, no 401, no 403 worded as the role's refusal."""
    wrong, after_gate = [], []
    visitor = site.visitor()
    browsers = {role: site.browser(f"authz-{role}", role) for role in ROLES}
    asked = 0
    for op, row in _asked(current, page=True):
        url = filled(op.path)
        for role in _each_allowed(row):
            answer = await (browse(browsers[role], op.method, url) if role else visit(visitor, op.method, url))
            asked += 1
            stopped = page_gate_stopped(answer)
            if stopped:
                wrong.append(f"{op.key} {role or 'anonymous'}: {stopped} (the table lets it in)")
            elif answer.status_code == 403:
                after_gate.append(f"{op.key} {role or 'anonymous'}: 403")
    assert not wrong, "\n".join(wrong)
    assert sorted(after_gate) == sorted(AFTER_THE_PAGE_GATE), "\n".join(after_gate)
    assert asked > 400


def _mixed(row: dict[str, Any], turn: int) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """For a row that lets some roles through and not others: an account holding one denied role and one allowed
    (taken in turn, so that the rows between them pair every role) and one holding every role but the allowed."""
    allowed = allowed_roles(row)
    if allowed is None or allowed == frozenset(ROLES):
        return None
    denied = sorted(set(ROLES) - allowed)
    let = sorted(allowed)
    return (denied[turn % len(denied)], let[turn % len(let)]), tuple(denied)


async def test_an_api_token_with_several_roles_passes_by_any_allowed_one_and_only_by_one(
    site: Site, current: dict[str, Operation]
) -> None:
    p = site.platform
    wrong: list[str] = []
    services: set[str] = set()
    for turn, (op, row) in enumerate(_asked(current, page=False)):
        accounts = _mixed(row, turn)
        if accounts is None:
            continue
        mixed, all_but = accounts
        services.add(op.service)
        client, url = p.clients[op.service], filled(op.path)
        answer = await send(client, op.method, url, p.token("authz-mixed", *mixed))
        if stopped := api_gate_stopped(op.key, answer):
            wrong.append(f"{op.key} {'+'.join(mixed)}: {stopped} (one allowed role should let it through)")
        answer = await send(client, op.method, url, p.token("authz-all-but", *all_but))
        if refusal(answer) != (403, role_gate_code(op.key)):
            wrong.append(f"{op.key} {'+'.join(all_but)}: {described(answer)} (403 {role_gate_code(op.key)} expected)")
    assert not wrong, "\n".join(wrong)
    assert services == set(SERVICES)


async def test_a_page_session_with_several_roles_passes_by_any_allowed_one_and_only_by_one(
    site: Site, current: dict[str, Operation]
) -> None:
    wrong: list[str] = []
    browsers: dict[tuple[str, ...], Browser] = {}
    asked = 0
    for turn, (op, row) in enumerate(_asked(current, page=True)):
        accounts = _mixed(row, turn)
        if accounts is None:
            continue
        url = filled(op.path)
        for roles, passes in zip(accounts, (True, False), strict=True):
            browser = browsers.setdefault(roles, site.browser("authz-" + "+".join(roles), *roles))
            answer = await browse(browser, op.method, url)
            asked += 1
            stopped = page_gate_stopped(answer)
            if passes and stopped:
                wrong.append(f"{op.key} {'+'.join(roles)}: {stopped} (one allowed role should let it in)")
            if not passes and not role_refused_page(answer):
                wrong.append(f"{op.key} {'+'.join(roles)}: {answer.status_code} (403 for the role expected)")
    assert not wrong, "\n".join(wrong)
    assert asked > 200


# 403s a route answers after its gate to a made-up account with a made-up id: the relationship checks, named so
# that a new one is read before it is accepted.
AFTER_THE_API_GATE = [
    # Listing projects without naming one's own group or department (queries.list_projects): only the center,
    # evaluators and auditors list them all.
    *(
        f"evaluation GET /projects {role}: 403 name_own_partner"
        for role in ("group", "public", "reviewer", "staff", "team")
    ),
]
AFTER_THE_PAGE_GATE: list[str] = []


_CHECKED_BLOCK = re.compile(r"^CHECKED = \[(.*?)^\]", re.MULTILINE | re.DOTALL)


def test_every_relationship_row_is_acted_by_a_relationship_test() -> None:
    """Each row with a `relationship` is named in the CHECKED list of a tests/security/test_authz_*.py module that
    acts it in a seeded scene; a new relationship row needs its scene before it is taken as covered."""
    acted: set[str] = set()
    for module in sorted(Path(__file__).parent.glob("test_authz_*.py")):
        for block in _CHECKED_BLOCK.findall(module.read_text(encoding="utf-8")):
            acted |= set(re.findall(r'"([^"]+)"', block))
    rows = {key for key, row in table_rows().items() if row.get("relationship")}
    assert sorted(rows - acted) == [], "relationship rows no test acts"
    assert sorted(acted - rows) == [], "named as acted but not a relationship row"
