"""A group's registration from start to end, in a real browser against `kyodo up --demo`: a new group's representative
(demo-applicant) fills the whole application form with the keyboard alone — Tab and Shift+Tab, typing, an arrow key
in a select, Enter and Space; the bylaws chosen through the file input (Playwright's set_input_files, the one
thing a test cannot type) — first with a mistake the page points out beside its field, then corrected; a coordinator
assesses the six criteria at /registry/assessments/{gid}; the group appears in the portal's directory; another
group's representative forcing a profile change for it, and the profile form sent without its CSRF token, are
refused (403 pages) and nothing changes.

Every workspace page on the way passes axe-core and the structure checks in Japanese and English (screenshots:
tests/browser/screenshots/ws-*.png)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser.kyodo_up import KyodoUp
from browser.test_keyboard import focused, tab_to
from browser.workspace_journeys import Checked, Person, forced_post, person, status_of, until_linked

GROUP = "西国分寺みどりの輪"
CRITERIA = (
    "public_interest",
    "non_profit_distributing",
    "private",
    "voluntary",
    "formally_organized",
    "self_governing",
)
EVIDENCE = {
    "public_interest": "会則第2条：西国分寺駅周辺の緑地を市民のために保全する。",
    "non_profit_distributing": "会則第8条：剰余金は会員に分配せず翌年度の活動に充てる。",
    "private": "市の職員は役員に就かず、会の意思は総会で決める。",
    "voluntary": "会則第4条：入会・退会は自由。会員名簿を添付。",
    "formally_organized": "会則、役員名簿、令和7年度の事業報告と決算書がある。",
    "self_governing": "総会の議決で運営し、政党・宗教団体の指示を受けない。",
}
BYLAWS = "西国分寺みどりの輪 会則\n第1条 本会は西国分寺みどりの輪と称する。\n第2条 本会は緑地の保全を目的とする。\n"


def field(page: Page, name: str) -> Locator:
    return page.locator(f"main [name='{name}']")


def type_into(page: Page, name: str, value: str) -> None:
    """Tab to the field (the focus visible at every stop on the way), then type into it."""
    target = field(page, name)
    tab_to(page, target, f"the field {name}")
    page.keyboard.type(value)


def fill_application_with_the_keyboard(page: Page, bylaws: Path, phone: str) -> None:
    """The whole form in the order Tab reaches it, from the main content (through the skip link)."""
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: the focus moves into main
    type_into(page, "name", GROUP)
    type_into(page, "purpose", "西国分寺駅周辺の緑地を守り、季節ごとの自然観察会と清掃活動を行う。")
    type_into(page, "fields_of_activity", "環境保全")
    page.keyboard.press("Enter")  # one field of activity per line
    page.keyboard.type("子どもの健全育成")
    type_into(page, "area", "西恋ヶ窪")
    type_into(page, "members_count", "18")
    type_into(page, "representative.name", "緑川 花子")
    type_into(page, "representative.email", "midori@example.jp")
    type_into(page, "representative.phone", phone)
    for criterion in CRITERIA:
        type_into(page, f"criteria.{criterion}.evidence", EVIDENCE[criterion])
    upload = field(page, "bylaws")
    tab_to(page, upload, "the bylaws' file input")
    upload.set_input_files(str(bylaws))  # the file chooser: the one step a test cannot type
    kind = field(page, "ties.0.kind")
    tab_to(page, kind, "the first tie's kind")
    for _ in range(6):  # a closed select changes its choice with the arrow keys
        if kind.evaluate("el => el.value") == "commercial":
            break
        page.keyboard.press("ArrowDown")
    assert kind.evaluate("el => el.value") == "commercial", "ArrowDown never chose 営利 (commercial)"
    type_into(page, "ties.0.counterpart", "西国分寺駅前商店会")
    type_into(page, "ties.0.description", "年1回の緑化イベントで協賛を受ける。")


def submit_button(page: Page) -> Locator:
    return page.locator("main form[enctype='multipart/form-data'] button[type=submit]")


def test_a_group_applies_with_the_keyboard_a_coordinator_assesses_it_and_it_appears_in_the_directory(
    site: KyodoUp, browser: Browser, tmp_path: Path
) -> None:
    checked = Checked()
    bylaws = tmp_path / "会則.txt"
    bylaws.write_text(BYLAWS, encoding="utf-8")

    applicant = person(browser, site, "demo-applicant")
    applicant.goto("/me")
    checked.page(applicant, "me-applicant")
    applicant.goto("/registry/apply")
    checked.page(applicant, "registry-apply")
    page = applicant.page

    # A phone number the API refuses: the form comes back with the reason beside the field, what was typed kept.
    fill_application_with_the_keyboard(page, bylaws, phone="midori")
    tab_to(page, submit_button(page), "申請する")
    with page.expect_navigation() as sent:
        page.keyboard.press("Enter")
    assert status_of(sent.value) == 422, f"the mistaken application answered {status_of(sent.value)}"
    summary = page.locator("[data-error-summary]")
    assert summary.count() == 1, "no error summary at the top of the form"
    try:
        page.wait_for_function("() => document.activeElement?.hasAttribute('data-error-summary')", timeout=3000)
    except PlaywrightTimeout:  # noted, and the journey goes on from the summary
        checked.problems.append(f"the error summary does not take the focus on {page.url} (kit.js, the URL's hash)")
        summary.focus()
    phone = field(page, "representative.phone")
    assert phone.get_attribute("aria-invalid") == "true", "the phone field is not marked invalid"
    assert page.locator("#field-representative-phone-error").count() == 1, "no reason beside the phone field"
    assert field(page, "name").input_value() == GROUP, "the group's name was not kept"
    checked.page(applicant, "registry-apply-errors", both_languages=False)

    # From the summary (focused on load) by its link to the field, corrected; Shift+Tab back to the email, kept.
    link = summary.locator("a[href='#field-representative-phone']")
    tab_to(page, link, "the summary's link to the phone field")
    page.keyboard.press("Enter")
    if not focused(phone):  # the link scrolled to the field; where a browser leaves focus before it, Tab reaches it
        tab_to(page, phone, "the phone field")
    page.keyboard.press("Control+A")
    page.keyboard.type("042-300-7788")
    tab_to(page, field(page, "representative.email"), "the email field", backwards=True)
    assert page.evaluate("() => document.activeElement.value") == "midori@example.jp"
    upload = field(page, "bylaws")
    tab_to(page, upload, "the bylaws' file input")
    upload.set_input_files(str(bylaws))  # a browser never keeps a chosen file across a page load
    tab_to(page, submit_button(page), "申請する")
    with page.expect_navigation(url=re.compile(r"/registry/groups/[0-9a-f-]{36}")):
        page.keyboard.press("Space")  # a button is pressed with Space as well as Enter
    group_id = urlsplit(page.url).path.rsplit("/", 1)[1]
    assert page.locator("[role=status]").count() == 1, f"no notice after the application on {page.url}"
    checked.page(applicant, "registry-group")
    applicant.goto("/registry/mine")
    assert page.locator(f"main a[href='/registry/groups/{group_id}']").count() >= 1, "/registry/mine lacks the group"
    checked.page(applicant, "registry-mine")

    # The coordinator: the queue, then each of the six criteria met, with a reason.
    coordinator = person(browser, site, "demo-coordinator")
    until_linked(coordinator, "/me", f"/registry/assessments/{group_id}")  # the role home lists the application
    checked.page(coordinator, "me-coordinator")
    coordinator.goto("/registry/assessments")
    queued = coordinator.page.locator(f"main a[href='/registry/assessments/{group_id}']")
    assert queued.count() == 1, "the new application is not in the assessment queue"
    checked.page(coordinator, "registry-assessments")
    queued.click()
    coordinator.page.wait_for_url(f"**/registry/assessments/{group_id}")
    checked.page(coordinator, "registry-assessment", focus=True)
    for criterion in CRITERIA:
        assess(coordinator, criterion)
    assert coordinator.page.locator("main form[action$='/assessment']").count() == 0, "criteria left to assess"
    checked.page(coordinator, "registry-assessment-done")
    coordinator.page.locator(f"main a[href='/registry/decisions/{group_id}']").click()
    coordinator.page.wait_for_url(f"**/registry/decisions/{group_id}")
    checked.page(coordinator, "registry-decisions")

    # The portal's directory (info-hub's projection of the registry's events): the group, registered.
    visitor = person(browser, site, None)
    listed = until_listed(visitor, GROUP)
    listed.click()
    visitor.page.wait_for_url(f"**/groups/{group_id}")
    assert visitor.page.locator("h1").inner_text().strip() == GROUP
    applicant.goto(f"/registry/groups/{group_id}")
    checked.page(applicant, "registry-group-registered")

    # The profile form sent without its CSRF token (a forged post looks so): the 403 page, the profile unchanged.
    applicant.goto(f"/registry/groups/{group_id}/profile")
    checked.page(applicant, "registry-profile", focus=True)
    profile = page.locator(f"main form[action='/registry/groups/{group_id}/profile']")
    profile.locator("input[name=csrf_token]").evaluate("token => token.remove()")
    profile.locator("input[name=name]").fill("名前を変えられた会")
    with page.expect_navigation() as sent:
        profile.locator("button[type=submit]").click()
    assert status_of(sent.value) == 403, f"a post without the CSRF token answered {status_of(sent.value)}"
    assert page.locator("h1").inner_text().strip() == "フォームの確認ができませんでした", "not the CSRF refusal page"
    checked.page(applicant, "csrf-refused", both_languages=False)

    # Another group's representative cannot act for this one: the 403 page, and the profile unchanged.
    other = person(browser, site, "demo-representative-2")
    other.goto("/registry/mine")
    taken = {"name": "乗っ取られた会", "purpose": "x", "fields_of_activity": "x", "area": "x", "version": "*"}
    assert forced_post(other, f"/registry/groups/{group_id}/profile", taken) == 403
    visitor.goto(f"/groups/{group_id}")
    assert visitor.page.locator("h1").inner_text().strip() == GROUP, "another group's post changed the profile"
    checked.assert_none()


def assess(coordinator: Person, criterion: str) -> None:
    page = coordinator.page
    form = page.locator(f"main form[action$='/assessment']:has(input[name=criterion][value='{criterion}'])")
    assert form.count() == 1, f"no assessment form for {criterion} on {page.url}"
    form.locator(f"input[type=radio][name='{criterion}.met'][value='true']").check()
    form.locator(f"textarea[name='{criterion}.reason']").fill("会則と事業報告により確認した。")
    with page.expect_navigation() as done:
        form.locator("button[type=submit]").click()
    assert status_of(done.value) == 200, f"assessing {criterion}: {status_of(done.value)} at {page.url}"
    assert "done=" in page.url, f"assessing {criterion}: no notice after it, at {page.url}"


def until_listed(visitor: Person, name: str, seconds: float = 30) -> Locator:
    """The directory's link to the group, once info-hub has projected the registry's events."""
    deadline = time.monotonic() + seconds
    while True:
        visitor.goto("/groups")
        link = visitor.page.locator("main a[href^='/groups/']", has_text=name)
        if link.count() == 1:
            return link
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is not in the portal's directory after {seconds:.0f} s")
        time.sleep(0.5)
