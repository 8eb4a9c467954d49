"""The pages the browser tests visit: one table (PAGES), the demo's ids that fill its paths, and the links the home
page's navigation offers (a page reachable from the navigation but missing from the table fails the suite).

A page that does not exist yet stays in the table: its test fails (404) until it exists. The pages the demo has no
record for (a call's published results, an evaluation report, survey charts with bars) are visited on a second, small
platform: info-hub alone, fed those records (`published=True`, tests/support/published_portal.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Page

from browser.kyodo_up import KyodoUp

LANGS = ("ja", "en")  # ja is the default; en is reached through each page's language switch


@dataclass(frozen=True)
class PageSpec:
    key: str  # the test id and the screenshots' name
    path: str  # may name a demo record: {group}, {call}, {survey}, {training}, {news}, {dataset}, {committee},
    # {registration} (a path of its own); on the published-results platform: {results_call}, {report}, {survey}
    status: int = 200
    lands_on: str | None = None  # the path prefix a redirect must end on (the provider's login page)
    month_later: bool = False  # on the platform a month on (`kyodo clock advance`): survey statistics published
    published: bool = False  # on info-hub alone, fed a call's results, an evaluation report and a closed survey


PAGES: tuple[PageSpec, ...] = (
    # The portal (info-hub): portal-a
    PageSpec("home", "/"),
    PageSpec("groups", "/groups"),
    PageSpec("group", "/groups/{group}"),
    PageSpec("trainings", "/trainings"),
    PageSpec("training", "/trainings/{training}"),
    PageSpec("registration", "{registration}"),  # a citizen's registration page (its token not given: the form)
    PageSpec("news", "/news"),
    PageSpec("news-item", "/news/{news}"),
    PageSpec("open-data", "/open-data"),
    PageSpec("open-data-dataset", "/open-data/{dataset}"),
    # The portal: portal-b
    PageSpec("calls", "/calls"),
    PageSpec("call", "/calls/{call}"),
    PageSpec("call-results", "/calls/{results_call}/results", published=True),
    PageSpec("call-decided", "/calls/{results_call}", published=True),  # a call whose results are out
    PageSpec("screening-results", "/screening-results"),
    PageSpec("evaluation-reports", "/evaluation-reports"),
    PageSpec("evaluation-reports-published", "/evaluation-reports", published=True),
    PageSpec("evaluation-report", "/evaluation-reports/{report}", published=True),
    PageSpec("surveys", "/surveys"),
    PageSpec("survey", "/surveys/{survey}"),
    PageSpec("survey-statistics", "/surveys/{survey}", month_later=True),
    PageSpec("survey-statistics-bars", "/surveys/{survey}", published=True),  # seven answers: bars in its charts
    PageSpec("transparency", "/transparency"),
    # Every other service's index and transparency pages (the kit)
    PageSpec("registry", "/registry/"),
    PageSpec("registry-transparency", "/registry/transparency"),
    PageSpec("committee", "/registry/committees/{committee}"),  # a committee's public roster
    PageSpec("proposals", "/proposals/"),
    PageSpec("proposals-transparency", "/proposals/transparency"),
    PageSpec("screening", "/screening/"),
    PageSpec("screening-transparency", "/screening/transparency"),
    PageSpec("evaluation", "/evaluation/"),
    PageSpec("evaluation-transparency", "/evaluation/transparency"),
    # The kit's error page, and the embedded OIDC provider's login page (reached as a user reaches it)
    PageSpec("not-found", "/no-such-page", status=404),
    PageSpec("login", "/auth/login?next=/", lands_on="/oidc/"),
)


def _first(items: list[dict[str, Any]], *keys: str) -> str | None:
    for item in items:
        for key in keys:
            if item.get(key):
                return str(item[key])
    return None


def demo_ids(site: KyodoUp) -> dict[str, str | None]:
    """The demo's records each page path names, read from info-hub's public API (the pages' own source)."""
    datasets = site.api("/open-data/datasets")["datasets"]
    names = [d["name"] for d in datasets]
    committees = httpx.get(f"{site.origin}/api/registry/committees", timeout=5).json().get("items", [])
    registration: str | None = None
    try:  # not the demo's citizen; a month on its registration has closed (that platform needs none)
        registration, _ = site.register_citizen("本町 次郎", "browser-pages@example.jp")
    except AssertionError:
        registration = None
    return {
        # The group with most to show: the demo's collaboration project's partner (its calls, its project).
        "group": _first(site.api("/collaboration-projects")["items"], "group_id")
        or _first(site.api("/groups")["items"], "id"),
        "call": _first(site.api("/calls")["items"], "id"),
        "survey": _first(site.api("/surveys")["items"], "id"),
        "training": _first(site.api("/trainings")["items"], "id"),
        "news": _first(site.api("/news")["items"], "id"),
        "dataset": "groups" if "groups" in names else (names[0] if names else None),
        "committee": _first(committees, "id"),
        "registration": registration,
    }


def fixtures_for(spec: PageSpec) -> tuple[str, str]:
    """The fixtures giving the page's platform and the ids its path names."""
    if spec.published:
        return "published_site", "published_ids"
    if spec.month_later:
        return "month_later_site", "month_later_ids"
    return "site", "ids"


def resolve(spec: PageSpec, ids: dict[str, str | None]) -> str | None:
    """The page's path with the demo's ids, or None when the demo has no record it names."""
    names = [name for _, name, _, _ in Formatter().parse(spec.path) if name]
    unknown = [name for name in names if name not in ids]
    assert not unknown, f"PAGES: {spec.key} names an unknown demo id {unknown}"
    if any(ids[name] is None for name in names):
        return None
    return spec.path.format(**ids)


def home_links(page: Page, origin: str) -> list[str]:
    """The same-origin paths the page links to — its navigation, main content and footer (language switch aside)."""
    hrefs: list[str] = page.eval_on_selector_all("a[href]:not([hreflang])", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin and parts.path not in paths:
            paths.append(parts.path)
    return paths


def _pattern(spec: PageSpec) -> re.Pattern[str]:
    path = urlsplit(spec.path).path
    pieces = re.split(r"\{[a-z_]+\}", path)
    return re.compile("[^/]+".join(re.escape(piece) for piece in pieces) + r"\Z")


def in_table(path: str) -> bool:
    """Whether a page of the table has this path (any record in place of a demo id)."""
    return any(_pattern(spec).match(path) for spec in PAGES)
