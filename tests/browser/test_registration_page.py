"""A citizen's registration page as its secret link opens it: the script reads the token from the fragment, drops it
from the address, shows the registration and cancels it through the API; a wrong token is said so, in each language.
Without the script the page is a token form (checked with every page in test_pages_accessibility)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page

from browser.kyodo_up import KyodoUp
from browser.page_checks import watch_errors

OpenPage = Callable[[str, str], Page]
NOT_FOUND = {"ja": "申込が見つかりません", "en": "Registration not found"}


def opened(open_page: OpenPage, site: KyodoUp, path: str, fragment: str, lang: str) -> tuple[Page, list[str]]:
    """The link opened in a fresh page (a load of its own, not a same-document change of the fragment)."""
    page = open_page(site.origin, lang)
    errors = watch_errors(page)
    page.goto("about:blank")
    query = "" if lang == "ja" else f"?lang={lang}"
    page.goto(f"{site.origin}{path}{query}#{fragment}")
    return page, errors


def test_the_secret_link_shows_the_registration_and_cancels_it(site: KyodoUp, open_page: OpenPage) -> None:
    path, token = site.register_citizen("恋ヶ窪 一郎", "ichiro@example.jp")
    page, errors = opened(open_page, site, path, f"token={token}", "ja")
    page.wait_for_selector("#registration-details:not([hidden])")
    assert "#token=" not in page.url, f"the token stays in the address bar: {page.url}"
    assert page.locator("[data-field=name]").inner_text().strip() == "恋ヶ窪 一郎"
    page.locator("#registration-cancel-js button").click()
    page.wait_for_selector("#registration-cancel-js[hidden]", state="attached")
    seat = httpx.get(f"{site.origin}/api/info-hub{path}", headers={"X-Registration-Token": token}, timeout=5)
    assert seat.json()["seat"] == "cancelled", seat.text
    assert errors == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_wrong_token_is_said_so(lang: str, site: KyodoUp, open_page: OpenPage) -> None:
    path, _ = site.register_citizen(f"tester {lang}", f"wrong-{lang}@example.jp")
    page, errors = opened(open_page, site, path, "token=" + "y" * 43, lang)
    alert = page.locator("#registration-live-error")
    alert.wait_for(state="visible")
    assert NOT_FOUND[lang] in alert.inner_text()
    assert page.locator("#registration-details").is_hidden()
    assert errors == []
