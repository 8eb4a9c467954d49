"""Keyboard only (page.keyboard, never a click): the directory search — through the skip link to the search field, a
Japanese query, a filter, Enter, a result opened — and login — from the home page to the embedded provider, a demo
user chosen, back logged in, then logged out. Wherever Tab lands, the focus is visible (an outline or a box-shadow)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Locator, Page

from browser.kyodo_up import KyodoUp
from browser.page_checks import DESCRIBE_ACTIVE_JS, FOCUS_VISIBLE_JS, LEFT_THE_PAGE_JS

OpenPage = Callable[[str, str], Page]
MAX_TABS = 60


def focused(locator: Locator) -> bool:
    return locator.count() > 0 and bool(locator.first.evaluate("el => el === document.activeElement"))


def focus_is_visible(page: Page) -> bool:
    return bool(page.evaluate(f"() => ({FOCUS_VISIBLE_JS})(document.activeElement)"))


def tab_to(page: Page, target: Locator, what: str, *, backwards: bool = False) -> None:
    """Tab (or Shift+Tab) until `target` has the focus, the focus visible at every stop on the way."""
    visited = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate(LEFT_THE_PAGE_JS):
            visited.append("(the browser, past the page's last stop)")
            continue  # the next Tab comes back to the page's first stop
        here = page.evaluate(DESCRIBE_ACTIVE_JS)
        visited.append(here)
        assert focus_is_visible(page), f"focus not visible (no outline nor box-shadow) on {here} on {page.url}"
        if focused(target):
            return
    raise AssertionError(f"{MAX_TABS} Tabs never reached {what} on {page.url}; visited:\n  " + "\n  ".join(visited))


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None, f"{path}: no response"
    assert response.status == 200, f"{path} answered {response.status}"


def enter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_directory_search_works_with_the_keyboard_alone(site: KyodoUp, open_page: OpenPage) -> None:
    page = open_page(site.origin, "ja")
    visit(page, "/groups")
    page.keyboard.press("Tab")
    skip = page.locator("a[href='#main']")
    assert focused(skip), f"the first Tab reaches {page.evaluate(DESCRIBE_ACTIVE_JS)}, not the skip link"
    assert focus_is_visible(page), "the focused skip link shows no outline or box-shadow"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('main').contains(document.activeElement)")

    search = page.locator("main input[type=search]")
    tab_to(page, search, "the directory's search field")
    page.keyboard.type("子育て")
    status = page.locator("main select[name=status]")
    tab_to(page, status, "the status filter")
    for _ in range(5):  # a closed select changes its choice with the arrow keys
        if status.evaluate("el => el.value") == "registered":
            break
        page.keyboard.press("ArrowDown")
    assert status.evaluate("el => el.value") == "registered", "ArrowDown never chose 登録中 (registered)"
    tab_to(page, page.locator("main form[role=search] button[type=submit], main form button[type=submit]"), "検索")
    enter_and_wait(page)

    query = parse_qs(urlsplit(page.url).query)
    assert (query.get("q"), query.get("status")) == (["子育て"], ["registered"]), page.url
    result = page.locator("main a[href^='/groups/']").first
    assert result.count() == 1, f"no result for 子育て on {page.url}"
    name = result.inner_text().strip()
    assert "子育て" in name, f"the first result {name!r} does not match 子育て"
    tab_to(page, result, f"the result {name}")
    enter_and_wait(page)
    assert urlsplit(page.url).path.startswith("/groups/")
    assert page.locator("h1").inner_text().strip() == name


def test_login_and_logout_work_with_the_keyboard_alone(site: KyodoUp, open_page: OpenPage) -> None:
    page = open_page(site.origin, "ja")
    visit(page, "/")
    login = page.locator("a[href^='/auth/login']")
    tab_to(page, login, "the login link")
    enter_and_wait(page)
    page.wait_for_load_state()
    assert urlsplit(page.url).path.startswith("/oidc/"), f"the login link led to {page.url}"

    first_user = page.locator("input[type=radio]").first
    tab_to(page, first_user, "the first demo user")
    page.keyboard.press("ArrowDown")  # a radio group moves its choice with the arrow keys
    chosen = page.locator("input[type=radio]:checked")
    assert focused(chosen), "ArrowDown left the chosen demo user without the focus"
    assert chosen.evaluate("el => el.value") != first_user.evaluate("el => el.value"), "ArrowDown chose no other user"
    user = chosen.evaluate("el => el.value")
    tab_to(page, page.locator("button[type=submit], input[type=submit]"), "the provider's sign-in button")
    with page.expect_navigation(url=f"{site.origin}/"):
        page.keyboard.press("Enter")

    logout = page.locator("form[action*='/auth/logout'] button, form[action*='/auth/logout'] input[type=submit]")
    assert logout.count() == 1, f"back on {page.url} as {user}, no logout button: not logged in"
    tab_to(page, logout, "the logout button")
    enter_and_wait(page)
    page.wait_for_load_state()
    assert page.locator("form[action*='/auth/logout']").count() == 0, f"still logged in after logout ({page.url})"
    assert page.locator("a[href^='/auth/login']").count() >= 1, "no login link after logout"
