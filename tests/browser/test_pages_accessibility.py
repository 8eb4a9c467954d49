"""Every page in both languages in a real browser: axe-core finds no WCAG 2.x A/AA violation, `<html lang>` is the
page's language, one h1, a skip link to main, no horizontal scroll at 320 px nor at 200% zoom, every image with a text
alternative; Japanese first, English through the page's own language switch, which keeps the page. Screenshots of
each at desktop and mobile widths are saved for people to look at."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from browser.conftest import screenshots_dir
from browser.kyodo_up import KyodoUp
from browser.page_checks import (
    axe_problems,
    focus_problems,
    reflow_problems,
    screenshots,
    skip_link_problems,
    structure_problems,
    watch_errors,
)
from browser.site_pages import LANGS, PAGES, PageSpec, fixtures_for, home_links, in_table, resolve

OpenPage = Callable[[str, str], Page]


def visit(open_page: OpenPage, origin: str, path: str, spec: PageSpec, lang: str) -> tuple[Page, list[str]]:
    """The page as its reader reaches it: Japanese by default (whatever the browser's language), then, for another
    language, through the page's language switch, which must keep the page."""
    page = open_page(origin, lang)
    errors = watch_errors(page)
    response = page.goto(path)
    assert response is not None, f"{path}: no response"
    if response.status != spec.status:
        pytest.fail(f"{path} answered {response.status}, expected {spec.status} (the page does not exist yet?)")
    landed = urlsplit(page.url).path
    if spec.lands_on is not None:
        assert landed.startswith(spec.lands_on), f"{path} ended on {page.url}, expected a page under {spec.lands_on}"
    first = page.evaluate("() => document.documentElement.lang")
    assert first == "ja", f'{path} is first shown with <html lang="{first}">; Japanese is the default'
    if lang == "ja":
        return page, errors
    switch = page.locator(f'a[hreflang="{lang}"]')
    assert switch.count() >= 1, f'{path} has no language switch to {lang} (a[hreflang="{lang}"])'
    with page.expect_navigation() as navigation:
        switch.first.click()
    switched = navigation.value
    assert switched is not None, f"{path}: the language switch answered nothing"
    assert switched.status == spec.status, f"{path}: the language switch answered {switched.status}"
    assert urlsplit(page.url).path == landed, f"{path}: the language switch went to {page.url}, not the same page"
    return page, errors


def page_problems(page: Page, lang: str, name: str, errors: list[str]) -> list[str]:
    problems = structure_problems(page, lang)
    problems += skip_link_problems(page)
    problems += focus_problems(page)
    problems += axe_problems(page)
    screenshots(page, screenshots_dir(), name)
    problems += reflow_problems(page)
    problems += errors  # script errors and CSP refusals while it loaded and ran
    return problems


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.key)
def test_every_page_passes_axe_and_the_accessibility_checks_in_both_languages(
    spec: PageSpec, lang: str, request: pytest.FixtureRequest, open_page: OpenPage
) -> None:
    site_fixture, ids_fixture = fixtures_for(spec)
    origin: str = request.getfixturevalue(site_fixture).origin
    ids = request.getfixturevalue(ids_fixture)
    path = resolve(spec, ids)
    if path is None:
        pytest.fail(f"{spec.key}: the platform has no record for {spec.path}")
    page, errors = visit(open_page, origin, path, spec, lang)
    problems = page_problems(page, lang, f"{spec.key}-{lang}", errors)
    assert not problems, f"{path} in {lang} — {len(problems)} problems:\n  " + "\n  ".join(problems)


def test_every_page_the_home_page_links_to_is_in_the_pages_table(site: KyodoUp, open_page: OpenPage) -> None:
    page = open_page(site.origin, "ja")
    errors = watch_errors(page)
    page.goto("/")
    linked = home_links(page, site.origin)
    assert linked, "the home page links to no page"
    missing = []
    found = []
    for path in [path for path in linked if not in_table(path)]:
        response = page.goto(path)
        if response is None or not response.headers.get("content-type", "").startswith("text/html"):
            continue  # not a page (the API's JSON index)
        missing.append(path)
        # Checked anyway, so a new page is covered before it is added to the table.
        name = f"nav{path.replace('/', '-')}-ja"
        found += [f"{path}: {problem}" for problem in page_problems(page, "ja", name, errors)]
    assert not missing, (
        f"the home page links to pages missing from PAGES (tests/browser/site_pages.py): {missing}"
        + "".join(f"\n  {problem}" for problem in found)
    )
