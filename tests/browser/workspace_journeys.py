"""What the workspace journeys share: a person's browser (their own cookies and downloads), logging in through the
embedded provider's page as a person does, every workspace page checked on the way (axe-core, structure, skip link,
reflow, script errors) in Japanese and in English through the page's own language switch with screenshots, a CP932
CSV as Excel writes it, and `kyodo receipt verify` run on a downloaded receipt.

The checks of a journey's pages are gathered rather than asserted one by one (`Checked.problems`), so a journey goes
on to its end and one failure lists every page's problems; the journey asserts them last."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Response

from browser.conftest import LOCALES, screenshots_dir
from browser.kyodo_up import KYODO, KyodoUp
from browser.page_checks import (
    DESKTOP,
    axe_problems,
    focus_problems,
    reflow_problems,
    screenshots,
    skip_link_problems,
    structure_problems,
    watch_errors,
)

TIMEOUT_MS = 20_000
# Kana or kanji: a Japanese page's h1 has some (an untranslated msgid is plain English).
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass
class Person:
    """One person's browser on the platform: a context of their own (cookies, downloads), one page, the script
    errors and CSP refusals it met."""

    sub: str
    context: BrowserContext
    page: Page
    errors: list[str]

    def goto(self, path: str, status: int = 200) -> Response:
        response = self.page.goto(path)
        assert response is not None, f"{path}: no response"
        assert response.status == status, f"{self.sub}: {path} answered {response.status}, expected {status}"
        return response

    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def person(browser: Browser, site: KyodoUp, sub: str | None, lang: str = "ja") -> Person:
    """A fresh browser context for `sub` (None: a visitor), logged in through the provider's page when named."""
    context = browser.new_context(base_url=site.origin, viewport=DESKTOP, locale=LOCALES[lang], accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    someone = Person(sub or "visitor", context, page, watch_errors(page))
    if sub is not None:
        log_in(someone, sub)
    return someone


def log_in(who: Person, sub: str, then: str = "/") -> None:
    """As a person logs in: the login link's address, the demo user chosen on the embedded provider's page, its
    sign-in button; back on `then`, logged in."""
    page = who.page
    page.goto(f"/auth/login?next={quote(then, safe='/')}")
    assert urlsplit(page.url).path.startswith("/oidc/"), f"login led to {page.url}, not the provider's page"
    page.locator(f"input[type=radio][value='{sub}']").check()
    with page.expect_navigation(url=lambda url: urlsplit(url).path == urlsplit(then).path):
        page.locator("main form button[type=submit]").click()
    assert page.locator("form[action*='/auth/logout']").count() == 1, f"{sub} is not logged in on {page.url}"


@dataclass
class Checked:
    """The workspace pages a journey checked and every problem found on them."""

    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def page(self, who: Person, name: str, *, both_languages: bool = True, focus: bool = False) -> None:
        """The page `who` is on, checked in Japanese and (through its language switch, then back) in English;
        screenshots at desktop and mobile width as `ws-<name>-<lang>-….png`. `focus`: also the focus visible at
        each of the first Tab stops (a form's page; in Japanese only, the styles are the same in English)."""
        page = who.page
        here = who.path()
        self.pages.append(f"{name} ({here})")
        self._check(who, name, "ja")
        if focus:
            self.problems += [f"{name} ({here}) in ja: {problem}" for problem in focus_problems(page)]
        if not both_languages:
            return
        switch = page.locator('a[hreflang="en"]')
        if switch.count() == 0:
            self.problems.append(f"{name} ({here}): no language switch to English")
            return
        with page.expect_navigation() as navigation:
            switch.first.click()
        answered = navigation.value
        if answered is None or answered.status != 200 or urlsplit(page.url).path != urlsplit(here).path:
            status = answered.status if answered else None
            self.problems.append(f"{name} ({here}): the language switch answered {status} at {page.url}")
        self._check(who, name, "en")
        back = page.locator('a[hreflang="ja"]')
        with page.expect_navigation():
            back.first.click()

    def _check(self, who: Person, name: str, lang: str) -> None:
        page = who.page
        before = len(who.errors)
        found = structure_problems(page, lang)
        heading = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
        if lang == "ja" and not JAPANESE.search(heading):
            found.append(f"the h1 {heading!r} has no Japanese in the Japanese page (a msgid left untranslated?)")
        found += skip_link_problems(page)
        found += axe_problems(page)
        screenshots(page, screenshots_dir(), f"ws-{name}-{lang}")
        found += reflow_problems(page)
        page.set_viewport_size(DESKTOP)
        found += who.errors[before:]
        self.problems += [f"{name} ({who.path()}) in {lang}: {problem}" for problem in found]

    def assert_none(self) -> None:
        assert not self.problems, f"{len(self.problems)} problems on {len(self.pages)} workspace pages:\n  " + (
            "\n  ".join(self.problems)
        )


def forced_post(who: Person, path: str, fields: dict[str, str], *, csrf: bool = True) -> int:
    """A form post as the person's browser sends it — their cookies, the Origin header, the page's CSRF token
    (from any of its forms: the logout form has it too) unless `csrf=False` — for what the page does not offer.
    A refusal must be a page (HTML with its h1), never JSON; its status is returned."""
    page = who.page
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    data = {**fields, **({"csrf_token": token} if csrf else {})}
    parts = urlsplit(page.url)
    answer = who.context.request.post(
        path, multipart=data, headers={"Origin": f"{parts.scheme}://{parts.netloc}"}, max_redirects=0
    )
    if answer.status >= 400:
        assert answer.headers.get("content-type", "").startswith("text/html"), f"{path}: a {answer.status} not in HTML"
        assert "<h1" in answer.text(), f"{path}: a {answer.status} page without its h1"
    return answer.status


def until_linked(who: Person, path: str, href: str, seconds: float = 20) -> None:
    """`path` reloaded until it links to `href` (a page of info-hub's read models catching up with the events)."""
    deadline = time.monotonic() + seconds
    while True:
        who.goto(path)
        if who.page.locator(f"main a[href='{href}']").count() >= 1:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} does not link to {href} after {seconds:.0f} s ({who.sub})")
        time.sleep(0.5)


def status_of(response: Response | None) -> int | None:
    """The status a navigation answered (None: it answered nothing)."""
    return None if response is None else response.status


INVENTORY_HEADER = ["事業番号", "事業名", "目的", "根拠法令", "予算額", "対象者", "実施方法", "期間", "担当"]


def cp932_csv(rows: Sequence[Sequence[str]], header: Sequence[str] = INVENTORY_HEADER) -> bytes:
    """An inventory as Excel in Japan saves it: Shift_JIS (CP932), CRLF line ends, quoted where a cell needs it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("cp932")


def verify_receipt(receipt: Path, keys: Path) -> subprocess.CompletedProcess[str]:
    """`kyodo receipt verify RECEIPT --keys KEYS`, a subprocess of this interpreter as a user runs the CLI."""
    return subprocess.run(
        [*KYODO, "receipt", "verify", str(receipt), "--keys", str(keys)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
