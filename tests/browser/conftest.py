"""Fixtures of the browser tests: Debian's chromium driven by Playwright (one browser for these tests, a fresh context
per test and language), and the platform as users get it, `kyodo up --demo`, on free ports.

Package-scoped: the browser and the platform end after the last browser test, before the rest of the suite."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from browser.kyodo_up import KyodoUp
from browser.page_checks import DESKTOP, SAVED
from browser.site_pages import demo_ids

from support.published_portal import PublishedPortal
from support.servers import delete_streams_sync

CHROMIUM = "/usr/bin/chromium"
INSTALL = "sudo apt-get install -y chromium"
SCREENSHOTS_ENV = "KYODO_BROWSER_SCREENSHOTS"
DEFAULT_SCREENSHOTS = Path(__file__).parent / "screenshots"
LOCALES = {"ja": "ja-JP", "en": "en-US"}


def screenshots_dir() -> Path:
    """Where the screenshots go: $KYODO_BROWSER_SCREENSHOTS, else tests/browser/screenshots (git-ignored)."""
    return Path(os.environ.get(SCREENSHOTS_ENV) or DEFAULT_SCREENSHOTS).resolve()


def chromium_path() -> str | None:
    """$KYODO_CHROMIUM when set (only that one), else `chromium` on PATH, else /usr/bin/chromium."""
    if given := os.environ.get("KYODO_CHROMIUM"):
        return given if Path(given).is_file() else None
    return shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)


@pytest.fixture(scope="package")
def chromium_executable() -> str:
    """Debian's chromium. Missing, the browser tests fail (never skip), naming the command that installs it."""
    found = chromium_path()
    if found is None:
        given = os.environ.get("KYODO_CHROMIUM")
        pytest.fail(
            (f"KYODO_CHROMIUM={given} is not a file; unset it or " if given else "")
            + f"chromium is not installed, so the browser tests cannot run. Install Debian's package: `{INSTALL}` "
            "(`./dev.sh test` and `.ci/run` do it when run as root or with sudo). "
            "Never `playwright install`: these tests drive the system chromium.",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="package")
def browser(chromium_executable: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_executable,
            args=["--no-sandbox", "--disable-background-networking"],
            headless=True,
        )
        try:
            yield launched
        finally:
            launched.close()


def _wants(session: pytest.Session, platform: str) -> bool:
    """Whether a collected test visits a page on that platform (a PageSpec flag: `month_later`, `published`)."""
    for item in session.items:
        spec = getattr(getattr(item, "callspec", None), "params", {}).get("spec")
        if getattr(spec, platform, False):
            return True
    return False


@pytest.fixture(scope="package")
def platforms(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, KyodoUp]]:
    """The platforms these tests use, started together (each takes ~15 s to seed its demo): `kyodo up --demo` now,
    and, when a collected test needs them, a second one to be moved a month on and info-hub alone with published
    results (`published_site`, started while the demos seed). Stopped after the last browser test."""
    started: dict[str, KyodoUp] = {}
    names = ["now", "month_later"] if _wants(request.session, "month_later") else ["now"]
    try:
        for name in names:
            directory = tmp_path_factory.mktemp(f"kyodo-up-{name}")
            started[name] = KyodoUp(data_dir=directory / "data", log_path=directory / "up.log")
            started[name].start()
        if _wants(request.session, "published"):  # started while the demos seed themselves
            request.getfixturevalue("published_site")
        yield started
    finally:
        for platform in started.values():
            platform.stop()


def _later(platforms: dict[str, KyodoUp], tmp_path_factory: pytest.TempPathFactory) -> KyodoUp:
    if "month_later" not in platforms:  # asked for by a test the collection did not foresee
        directory = tmp_path_factory.mktemp("kyodo-up-month_later")
        platforms["month_later"] = KyodoUp(data_dir=directory / "data", log_path=directory / "up.log")
        platforms["month_later"].start()
    return platforms["month_later"]


@pytest.fixture(scope="package")
def site(platforms: dict[str, KyodoUp]) -> KyodoUp:
    """`kyodo up --demo`, its demo seeded and shown by the portal."""
    platform = platforms["now"]
    started = time.monotonic()
    platform.wait_ready()
    print(f"\nkyodo up --demo ready ({time.monotonic() - started:.1f} s waited) at {platform.origin}")
    return platform


@pytest.fixture(scope="package")
def month_later_site(platforms: dict[str, KyodoUp], tmp_path_factory: pytest.TempPathFactory) -> KyodoUp:
    """A second `kyodo up --demo` a month on (`kyodo clock advance 29d`): the survey closed, its statistics out."""
    platform = _later(platforms, tmp_path_factory)
    platform.wait_ready()
    platform.advance_clock("29d")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        survey = platform.api("/surveys")["items"][0]
        statistics = httpx.get(f"{platform.origin}/api/info-hub/surveys/{survey['id']}/statistics", timeout=5)
        if statistics.status_code == 200:
            return platform
        time.sleep(0.2)
    raise AssertionError(f"the survey's statistics were not published a month on:\n{platform.log_tail()}")


@pytest.fixture(scope="package")
def published_site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedPortal]:
    """info-hub alone behind the gateway (uvicorn, a free loopback port, the session's NATS, a temporary SQLite
    store), its read models fed a call's published results and an evaluation report — what the demo never publishes."""
    started = time.monotonic()
    namespace = f"b{uuid.uuid4().hex[:8]}"
    portal = PublishedPortal(tmp_path_factory.mktemp("published-portal"), nats_url, namespace)
    try:
        portal.start()
        print(f"\ninfo-hub with published results ready ({time.monotonic() - started:.1f} s) at {portal.origin}")
        yield portal
    finally:
        portal.stop()
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


@pytest.fixture(scope="package")
def published_ids(published_site: PublishedPortal) -> dict[str, str | None]:
    return published_site.ids


@pytest.fixture(scope="package")
def ids(site: KyodoUp) -> dict[str, str | None]:
    return demo_ids(site)


@pytest.fixture(scope="package")
def month_later_ids(month_later_site: KyodoUp) -> dict[str, str | None]:
    return demo_ids(month_later_site)


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[str, str], Page]]:
    """A page in a fresh context for a language's reader (`locale` ja-JP or en-US) at desktop size, on `origin`."""
    contexts: list[BrowserContext] = []

    def make(origin: str, lang: str) -> Page:
        context = browser.new_context(base_url=origin, viewport=DESKTOP, locale=LOCALES[lang])
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SAVED:
        where = sorted({str(path.parent) for path in SAVED})
        terminalreporter.write_line(f"browser screenshots: {len(SAVED)} PNG files in {', '.join(where)}")
