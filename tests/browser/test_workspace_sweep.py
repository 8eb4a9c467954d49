"""The workspace pages no journey nor the tour reaches, one page per path pattern per role, in a real browser against
`kyodo up --demo` (issue 21): the center's programmes as the coordinator (`/center/news…`, `/center/exchange…`,
`/center/trainings/{id}/plan`, `/center/surveys…`, `/center/cases/figures`) and the evaluation committee's list
(`/evaluation/committee`: its members' and a project's committee page are the evaluation journey's) as the
coordinator, and the audit pages of the services the auditor's journey does not browse
(`/registry|screening|evaluation|info-hub/audit`, `/evaluation/audit/projects/{id}`) as the auditor.

Kept cheap for CI's browser budget: each page gets the journeys' full checks in Japanese (axe-core, structure, the
skip link, reflow at 320 px and 200 %, script errors, screenshots `ws-sweep-<role>-<name>-ja-…`), and in English,
reached through its language switch, axe-core and the structure checks (the styles and the layout are the same).

The records the pages need are the demo's (a news item, an opinion exchange topic, a training, a survey, a project)
or the earlier journeys'. A survey draft's `/center/surveys/{id}/edit` is the builder of `/center/surveys/new` (one
template, `center/surveys_form.html`, filled): left out for the budget.
It runs after the journeys (its name) and before the tour, which leaves these patterns alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from browser.kyodo_up import KyodoUp
from browser.page_checks import axe_problems, structure_problems
from browser.workspace_journeys import Checked, Person, person, status_of

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SERVICES = ("registry", "screening", "evaluation", "info-hub")  # the auditor's journey browses proposals'
# Each role's pages: a path, or (the lists to look in, the start of the links to follow, the page's pattern): the
# first record linked. The audit pages are checked filtered by one aggregate (the first listed), as an auditor narrows
# them: the same page with its events, a few screens long rather than twenty events' bodies (unfiltered, screenshots
# and axe-core took 4-5 s a page); the auditor's journey checks `/proposals/audit` whole.
CENTER = (
    "/center/news",
    "/center/news/new",
    ("/center/news", "/center/news/", "/center/news/{}"),
    "/center/exchange",
    "/center/exchange/new",
    ("/center/exchange", "/center/exchange/", "/center/exchange/{}"),
    ("/center/trainings", "/center/trainings/", "/center/trainings/{}/plan"),
    "/center/surveys",
    "/center/surveys/new",
    ("/center/surveys", "/center/surveys/", "/center/surveys/{}"),
    "/center/cases/figures",
)
AUDIT = (
    *((f"/{name}/audit", f"/{name}/audit?aggregate=", f"/{name}/audit?aggregate={{}}") for name in SERVICES),
    ("/evaluation/projects", "/evaluation/projects/", "/evaluation/audit/projects/{}"),
)
ROLES = {
    # The committee's pages as its members and a project's as the coordinator: test_workspace_evaluation.py.
    "coordinator": ("demo-coordinator", (*CENTER, "/evaluation/committee")),
    "auditor": ("demo-auditor", AUDIT),
}
Entry = str | tuple[str, str, str]


def first_record(who: Person, lists: str, link: str, pattern: str) -> str:
    """The first record's id in a link starting `link` on the first of `lists` (space-separated) that has one, as
    `pattern` fills with it: the page of a record the demo or an earlier journey made."""
    hrefs = re.compile("^" + re.escape(link) + f"({UUID})")
    for path in lists.split():
        who.goto(path)
        for href in who.page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))"):
            if found := hrefs.match(href or ""):
                return pattern.format(found.group(1))
    raise AssertionError(f"{who.sub}: no record for {pattern} linked from {lists}")


def slug(entry: Entry) -> str:
    """A screenshot's name for a page: its path pattern (`/center/news/{}` → `center-news-id`)."""
    pattern = entry if isinstance(entry, str) else entry[2]
    return re.sub(r"[^a-z0-9]+", "-", pattern.replace("{}", "id")).strip("-")


def check(checked: Checked, who: Person, name: str) -> None:
    """Japanese: the journeys' full checks. English, through the language switch: axe-core and the structure."""
    here = who.path()
    checked.page(who, name, both_languages=False)
    page = who.page
    with page.expect_navigation() as switched:
        page.locator('a[hreflang="en"]').first.click()
    if status_of(switched.value) != 200 or who.path().split("?")[0] != here.split("?")[0]:
        checked.problems.append(f"{name} ({here}): the switch to English answered {status_of(switched.value)}")
    before = len(who.errors)
    found = structure_problems(page, "en") + axe_problems(page) + who.errors[before:]
    checked.problems += [f"{name} ({here}) in en: {problem}" for problem in found]
    with page.expect_navigation():
        page.locator('a[hreflang="ja"]').first.click()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_center_the_committee_and_the_audit_passes_the_checks_in_both_languages(
    role: str, site: KyodoUp, browser: Browser
) -> None:
    sub, paths = ROLES[role]
    who = person(browser, site, sub)
    coordinator = who if role == "coordinator" else person(browser, site, "demo-coordinator")
    checked = Checked()
    visited = []
    for entry in paths:
        # The auditor's own lists are the audit pages; the records' lists are the coordinator's.
        path = entry if isinstance(entry, str) else first_record(who if "/audit" in entry[0] else coordinator, *entry)
        who.goto(path)
        visited.append(path)
        check(checked, who, f"sweep-{role}-{slug(entry)}")
    print(f"\n{sub}: {len(visited)} pages checked: {', '.join(visited)}")
    checked.assert_none()
