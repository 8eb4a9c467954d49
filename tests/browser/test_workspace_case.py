"""A coordination case from raising to its outcome in a real browser against `kyodo up --demo` (issue 21): raised by
a group's representative at /me/cases/new, routed by the coordinator to the childcare department, matched with the
registered group that shares its field and area (the reasons shown) and that group invited; the department's liaison
acknowledges it, the coordinator closes it as resolved with its reason, and the raiser and the invited group read the
outcome. Every workspace page on the way passes axe-core and the structure checks in Japanese and English
(screenshots: tests/browser/screenshots/ws-case-*.png)."""

from __future__ import annotations

from playwright.sync_api import Browser

from browser.kyodo_up import KyodoUp
from browser.workspace_journeys import Checked, Person, person, status_of

KOSODATE = "恋ヶ窪子育てネットワーク"


def send(who: Person, action: str, notice: str = "") -> None:
    """The form posting to `action` on the person's page sent; back on the page with a notice."""
    form = who.page.locator(f"main form[action='{action}']")
    assert form.count() == 1, f"{who.sub}: no form posting to {action} on {who.page.url}"
    with who.page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"{who.sub}: {action} answered {status_of(sent.value)}"
    assert f"done={notice}" in who.page.url, f"{who.sub}: {action} gave no {notice or 'notice'} ({who.page.url})"


def test_a_group_s_case_is_routed_matched_with_a_group_for_its_reasons_acknowledged_and_resolved(
    site: KyodoUp, browser: Browser
) -> None:
    checked = Checked()
    raiser = person(browser, site, "demo-representative-1")
    raiser.goto("/me/cases/new")
    checked.page(raiser, "case-new", focus=True)
    form = raiser.page.locator("main form[action='/me/cases/new']")
    form.locator("textarea[name=problem_ja]").fill("東恋ヶ窪の公園で放課後に過ごす子どもの見守りの担い手が足りない。")
    form.locator("input[name='fields_of_activity.0']").fill("子どもの健全育成")
    form.locator("input[name=area]").fill("東恋ヶ窪")
    form.locator("input[type=radio][name=urgency][value=normal]").check()
    with raiser.page.expect_navigation(url=lambda url: "done=case_raised" in url):
        form.locator("button[type=submit]").click()
    case = raiser.page.url.split("?")[0]
    case = case[case.index("/me/cases/") :]

    # The center: routed to the childcare department, the matching groups found with their reasons, one invited.
    coordinator = person(browser, site, "demo-coordinator")
    coordinator.goto(case)
    checked.page(coordinator, "case-center-open", focus=True)
    routing = coordinator.page.locator(f"main form[action='{case}/routings']")
    routing.get_by_label("子育て支援課").check()
    send(coordinator, f"{case}/routings")
    send(coordinator, f"{case}/suggestions")
    matching = coordinator.page.locator("main table:has(caption#matching-caption) tbody tr", has_text=KOSODATE)
    assert matching.count() == 1, "恋ヶ窪子育てネットワーク is not among the matching groups"
    reasons = matching.inner_text()
    assert "子どもの健全育成" in reasons, f"the shared field is not given as a reason: {reasons}"
    assert "東恋ヶ窪" in reasons, f"the same area is not given as a reason: {reasons}"
    invitation = coordinator.page.locator(f"main form[action='{case}/invitations']")
    invitation.get_by_label(KOSODATE).check()
    send(coordinator, f"{case}/invitations")
    checked.page(coordinator, "case-center-matched")

    # The department's liaison takes it up; the center closes it as resolved, with its reason.
    liaison = person(browser, site, "demo-staff-kosodate")
    liaison.goto(case)
    send(liaison, acknowledgement_of(liaison, case), "case_acknowledged")
    checked.page(liaison, "case-liaison-acknowledged")
    coordinator.goto(case)
    closure = coordinator.page.locator(f"main form[action='{case}/closure']")
    closure.locator("input[type=radio][name=outcome][value=resolved]").check()
    closure.locator("textarea[name=reason_ja]").fill("恋ヶ窪子育てネットワークが見守りに加わった。")
    send(coordinator, f"{case}/closure")
    assert coordinator.page.locator(f"main form[action='{case}/closure']").count() == 0, "a closed case can close"
    checked.page(coordinator, "case-closed")

    # The raiser and the invited group's representative read the outcome.
    invited = person(browser, site, "demo-representative-2")
    for who in (raiser, invited):
        who.goto(case)
        assert "恋ヶ窪子育てネットワークが見守りに加わった。" in who.page.locator("main").inner_text(), who.sub
    checked.page(invited, "case-invited-closed")
    checked.assert_none()


def acknowledgement_of(liaison: Person, case: str) -> str:
    """The acknowledgement form's action on the liaison's page (one routing: the childcare department's)."""
    form = liaison.page.locator(f"main form[action^='{case}/routings/'][action$='/acknowledgement']")
    assert form.count() == 1, f"the liaison has no acknowledgement form on {liaison.page.url}"
    return form.get_attribute("action") or ""
