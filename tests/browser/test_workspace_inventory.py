"""A department's inventory and its screening, in a real browser against `kyodo up --demo`: the childcare
department's liaison (demo-staff-kosodate) imports the department's projects from a CSV file as Excel in Japan saves
it (CP932) with one bad row — the page lists the error beside its row and stores nothing — fixes the row and imports
it; the coordinator drafts and opens a round; the liaison answers a project's self-check, two team members from two
departments assess it, and the coordinator decides it with reasons.

Every workspace page on the way passes axe-core and the structure checks in Japanese and English (screenshots:
tests/browser/screenshots/ws-*.png)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Locator

from browser.kyodo_up import KyodoUp
from browser.workspace_journeys import Checked, Person, cp932_csv, person, status_of

# Project numbers of this journey's own (the demo's inventory holds K-001 and K-002).
GOOD_ROW = [
    *("K-201", "地域子育て相談会", "保護者の悩みを地域で受け止める", "児童福祉法", "1,200,000"),
    *("乳幼児の保護者", "委託", "通年", "子育て支援課"),
]
BAD_ROW = [
    *("K-202", "絵本の読み聞かせ講座", "親子で本に親しむ機会をつくる", "", "百万円"),
    *("親子", "直営", "年6回", "子育て支援課"),
]
FIXED_ROW = [*BAD_ROW[:4], "1,000,000", *BAD_ROW[5:]]
TOKYO = ZoneInfo("Asia/Tokyo")


def choose_upload(who: Person, csv_file: Path) -> Locator:
    form = who.page.locator("main form[action='/screening/inventory/import']")
    form.locator("input[type=file][name=file]").set_input_files(str(csv_file))
    return form


def test_a_department_imports_its_inventory_from_cp932_and_a_round_screens_and_decides_a_project(
    site: KyodoUp, browser: Browser, tmp_path: Path
) -> None:
    checked = Checked()
    liaison = person(browser, site, "demo-staff-kosodate")
    liaison.goto("/me")
    checked.page(liaison, "me-liaison")
    liaison.goto("/screening/inventory")
    checked.page(liaison, "screening-inventory")
    liaison.goto("/screening/inventory/import")
    checked.page(liaison, "screening-import", focus=True)
    page = liaison.page

    # One bad row (row 3: a budget in words): its error beside the row, nothing stored.
    bad = tmp_path / "事業一覧_誤り.csv"
    bad.write_bytes(cp932_csv([GOOD_ROW, BAD_ROW]))
    form = choose_upload(liaison, bad)
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 422, f"the file with a bad row answered {status_of(sent.value)}"
    row_errors = page.locator("main table tbody tr")
    assert row_errors.count() == 1, f"expected one row error, found {row_errors.count()}"
    assert row_errors.first.locator("th").inner_text().strip() == "3", "the error does not name row 3"
    assert "予算額" in row_errors.first.inner_text(), "the error does not name the budget column"
    assert page.locator("[data-error-summary]").count() == 1, "no error summary"
    checked.page(liaison, "screening-import-errors", both_languages=False)
    liaison.goto("/screening/inventory")
    assert page.locator("main a", has_text="K-201").count() == 0, "a row of a refused file was stored"

    # Fixed: both rows entered.
    fixed = tmp_path / "事業一覧.csv"
    fixed.write_bytes(cp932_csv([GOOD_ROW, FIXED_ROW]))
    liaison.goto("/screening/inventory/import")
    form = choose_upload(liaison, fixed)
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"the fixed file answered {status_of(sent.value)}"
    assert "done=inventory_imported" in page.url, page.url
    assert page.locator("[role=status]").count() == 1, "no notice after the import"
    checked.page(liaison, "screening-import-done")
    liaison.goto("/screening/inventory")
    for number in ("K-201", "K-202"):
        assert page.locator("main a", has_text=number).count() == 1, f"{number} is not in the inventory"
    checked.page(liaison, "screening-inventory-imported")
    page.locator("main table a", has_text="K-202").click()
    page.wait_for_url("**/screening/projects/*")
    assert "1,000,000" in page.locator("main").inner_text() or "1000000" in page.locator("main").inner_text()
    checked.page(liaison, "screening-project")

    # The coordinator drafts a round for the childcare department and opens it.
    coordinator = person(browser, site, "demo-coordinator")
    coordinator.goto("/screening/rounds")
    checked.page(coordinator, "screening-rounds")
    coordinator.goto("/screening/rounds/new")
    checked.page(coordinator, "screening-round-new", focus=True)
    draft = coordinator.page.locator("main form[action='/screening/rounds/new']")
    draft.locator("input[name=title_ja]").fill("子育て支援課 追加の事業選別")
    draft.locator("input[name=title_en]").fill("Childcare: additional screening")
    deadline = (datetime.now(TOKYO) + timedelta(days=7)).strftime("%Y-%m-%dT17:00")
    draft.locator("input[name=self_check_deadline]").fill(deadline)
    draft.get_by_label("子育て支援課", exact=True).check()
    with coordinator.page.expect_navigation() as sent:
        draft.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"drafting the round answered {status_of(sent.value)}"
    assert "done=round_drafted" in coordinator.page.url, f"the round was not drafted: {coordinator.page.url}"
    round_path = coordinator.path().split("?")[0]
    checked.page(coordinator, "screening-round-draft")
    with coordinator.page.expect_navigation():
        coordinator.page.locator(f"main form[action='{round_path}/opening'] button[type=submit]").click()
    assert "done=round_opened" in coordinator.page.url, f"the round did not open: {coordinator.page.url}"
    checked.page(coordinator, "screening-round-open")
    project = coordinator.page.locator("main table a", has_text="K-201")
    assert project.count() == 1, "K-201 is not among the round's projects"
    project_path = project.get_attribute("href") or ""

    # The liaison's self-check, then two team members' assessments (two departments), then the decision.
    liaison.goto(project_path)
    checked.page(liaison, "screening-project-self-check")
    answer_checklist(liaison, "self-check", "self_checked")
    liaison.goto(project_path)
    answer_checklist(liaison, "assessment", "assessed")
    team = person(browser, site, "demo-staff-kyodo")
    team.goto(project_path)
    checked.page(team, "screening-project-assessment")
    answer_checklist(team, "assessment", "assessed")

    coordinator.goto(project_path)
    checked.page(coordinator, "screening-project-decision", focus=True)
    decision = coordinator.page.locator(f"main form[action='{project_path}/decision']")
    decision.locator("input[type=radio][name=outcome][value=suitable]").check()
    decision.locator("input[type=checkbox][name=forms][value=commission]").check()
    decision.locator("textarea[name=reasons_ja]").fill("相談の場は地域の団体の経験が活かせるため、委託で協働する。")
    with coordinator.page.expect_navigation():
        decision.locator("button[type=submit]").click()
    assert "done=decided" in coordinator.page.url, f"the decision was not recorded: {coordinator.page.url}"
    checked.page(coordinator, "screening-project-decided")
    checked.assert_none()


def answer_checklist(who: Person, action: str, notice: str) -> None:
    """Every criterion of the round's checklist answered "yes" with a reason, and sent."""
    page = who.page
    form = page.locator(f"main form[action$='/{action}']")
    assert form.count() == 1, f"{who.sub}: no {action} form on {page.url}"
    ratings = form.locator("input[type=radio][name$='.rating'][value=yes]")
    assert ratings.count() >= 1, f"{who.sub}: the {action} form has no criteria to answer"
    for index in range(ratings.count()):
        ratings.nth(index).check()
    reasons = form.locator("textarea[name$='.reason']")
    for index in range(reasons.count()):
        reasons.nth(index).fill("地域の団体の経験が活かせる。")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert f"done={notice}" in page.url, f"{who.sub}: the {action} was not accepted ({page.url})"
