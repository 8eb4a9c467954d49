"""How the authorization matrix asks a row (issue 22): the path filled with well-formed made-up values, the request
sent with an empty body, and how an answer reads — refused at the gate (401, 403 `forbidden_role`, the login page)
or let past it (anything else, a refusal the route decides after the gate included).

The gate's verdict is told apart from the route's own: an API's role refusal is the problem code `forbidden_role`
(web.auth.require_role); a page's is the kit's error page worded from that same message (pages.errors.on_auth), so
its Japanese or English sentence names it.
"""

from __future__ import annotations

import re

import httpx

from support.authz import refusal
from support.workspace import ORIGIN, Browser

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
# Rows whose role gate is the route's own rather than `requires(...)`: the problem code it refuses a role with
# (their table rows say why: survey_answering.require_restricted_reader runs before any lookup).
OWN_ROLE_GATES = {
    "info-hub GET /surveys/{survey_id}/answers": "survey_restricted",
    "info-hub GET /surveys/{survey_id}/invitations": "survey_restricted",
}
# The kernel's wording of `forbidden_role` (web.messages), as the kit's error page shows it.
ROLE_REFUSAL_WORDS = ("役割が必要です", "requires one of the roles")


def filled(path: str) -> str:
    return PLACEHOLDER.sub(lambda m: PARAMETERS.get(m.group(1), SOME_ID), path)


async def send(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
    if method in ("GET", "DELETE"):
        return await client.request(method, url, headers=headers)
    return await client.request(method, url, headers={**headers, "Content-Type": "application/json"}, content=b"{}")


async def visit(visitor: httpx.AsyncClient, method: str, url: str) -> httpx.Response:
    if method == "GET":
        return await visitor.get(url)
    return await visitor.post(url, data={}, headers={"Origin": ORIGIN})


async def browse(browser: Browser, method: str, url: str) -> httpx.Response:
    return await (browser.get(url) if method == "GET" else browser.post(url, {}))


def login_redirect(answer: httpx.Response) -> bool:
    return answer.status_code == 303 and answer.headers.get("location", "").startswith("/auth/login")


def role_refused_page(answer: httpx.Response) -> bool:
    return answer.status_code == 403 and any(words in answer.text for words in ROLE_REFUSAL_WORDS)


def role_gate_code(key: str) -> str:
    """The problem code the row's role gate refuses a role with."""
    return OWN_ROLE_GATES.get(key, "forbidden_role")


def api_gate_stopped(key: str, answer: httpx.Response) -> str | None:
    """Why the API's gate stopped the caller (None: the caller got past it); the problem code is named, so a
    refusal the route made after the gate reads apart from the gate's own."""
    status, code = refusal(answer)
    if status == 401:
        return f"401 {code}"
    if status == 403 and code == role_gate_code(key):
        return f"403 {code}"
    return None


def page_gate_stopped(answer: httpx.Response) -> str | None:
    """Why a page's gate stopped the reader (None: the reader got past it)."""
    if login_redirect(answer):
        return "a redirect to the login page"
    if answer.status_code == 401:
        return "401"
    if role_refused_page(answer):
        return "403 for the role"
    return None


def described(answer: httpx.Response) -> str:
    """An answer in a few words for an assertion's message: its status and, for a problem, its code."""
    status, code = refusal(answer)
    return f"{status} {code}" if code else str(status)
