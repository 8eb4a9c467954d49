"""The workspace pages a person reaches from their role home, in a real browser against `kyodo up --demo`: from
`/me` and the workspace's lists, every link into the workspaces (`/me…`, `/registry/…`, `/proposals/…`,
`/screening/…`, `/evaluation/…`) is followed — one page per path pattern (ids replaced), two links deep — and each page
passes axe-core and the structure checks in Japanese and English (screenshots: `ws-tour-<role>-<n>-…`).

Bounded for CI's browser budget: at most TOUR_PAGES new patterns per person (`KYODO_BROWSER_TOUR_PAGES=0` for all of
them, by hand: tests/browser/README.md). Pages the journeys check are left to them (their patterns are skipped); it
runs after them (its name) on the same platform, so their records are there to link to."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from browser.kyodo_up import KyodoUp
from browser.workspace_journeys import Checked, Person, person

TOUR_PAGES = int(os.environ.get("KYODO_BROWSER_TOUR_PAGES", "3"))
WORKSPACES = ("/me", "/registry/", "/proposals/", "/screening/", "/evaluation/")
# Links that are not pages of a workspace: files, the API, the public roster the page table checks, the journeys'.
NOT_PAGES = re.compile(r"^/api/|/receipt$|/bylaws/file|\.csv$|^/registry/$|^/proposals/$|^/screening/$|^/evaluation/$")
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<=/)\d+(?=/|$)")
JOURNEYS = {  # the patterns the journeys and the sweep check already (test_workspace_registration, _inventory,
    # _submissions, _review_board, _center, _case, _sweep)
    "/me",
    "/me/cases/new",
    "/me/cases/{}",
    "/me/trainings/{}",
    "/registry/apply",
    "/registry/mine",
    "/registry/groups/{}",
    "/registry/groups/{}/profile",
    "/registry/assessments",
    "/registry/assessments/{}",
    "/registry/decisions/{}",
    "/screening/inventory",
    "/screening/inventory/import",
    "/screening/projects/{}",
    "/screening/rounds",
    "/screening/rounds/new",
    "/screening/rounds/{}",
    "/screening/rounds/{}/projects/{}",
    "/proposals/calls",
    "/proposals/calls/new",
    "/proposals/calls/{}/manage",
    "/proposals/calls/{}/proposal",
    "/evaluation/committee",
    "/evaluation/projects/{}/committee",
}
PEOPLE = {
    "coordinator": (
        "demo-coordinator",
        ("/me", "/registry/departments", "/registry/team", "/registry/committees", "/evaluation/projects"),
    ),
    "group": ("demo-representative-2", ("/me", "/registry/mine", "/evaluation/projects", "/me/trainings", "/me/cases")),
    "liaison": ("demo-staff-kosodate", ("/me", "/evaluation/projects", "/me/cases")),
}


def pattern(path: str) -> str:
    return ID.sub("{}", path)


def workspace_links(who: Person) -> list[str]:
    """The same-origin paths (query dropped) of the page's main content that lead into a workspace."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(who.page.url))
    hrefs: list[str] = who.page.eval_on_selector_all("main a[href]:not([hreflang])", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or NOT_PAGES.search(parts.path):
            continue
        if parts.path.startswith(WORKSPACES) and parts.path not in paths:
            paths.append(parts.path)
    return paths


@pytest.mark.parametrize("role", PEOPLE)
def test_every_workspace_page_a_person_reaches_passes_the_checks_in_both_languages(
    role: str, site: KyodoUp, browser: Browser
) -> None:
    sub, starts = PEOPLE[role]
    who = person(browser, site, sub)
    checked = Checked()
    seen = set(JOURNEYS)
    queued: set[str] = set()
    queue = [(path, 0) for path in starts]
    visited: list[str] = []
    while queue and (TOUR_PAGES <= 0 or len(visited) < TOUR_PAGES):
        path, depth = queue.pop(0)
        fresh = pattern(path) not in seen
        if not fresh and depth >= 2:
            continue  # a page a journey checks is still read for its links, unless it is the last level
        answer = who.page.goto(path)
        if answer is None or answer.status != 200:
            checked.problems.append(f"{path} answered {answer and answer.status} to {sub}")
            continue
        if fresh:
            seen.add(pattern(path))
            visited.append(path)
            checked.page(who, f"tour-{role}-{len(visited)}")
        if depth < 2:
            for link in workspace_links(who):
                if pattern(link) not in queued and (pattern(link) not in seen or depth == 0):
                    queued.add(pattern(link))
                    queue.append((link, depth + 1))
    assert visited, f"{sub} reached no workspace page beyond the journeys' from {starts}"
    print(f"\n{sub}: {len(visited)} workspace pages checked: {', '.join(visited)}")
    checked.assert_none()
