"""The center's programmes and a coordination case in a real browser against `kyodo up --demo` (issue 21).

A training: the coordinator drafts one of one seat at /center/trainings/new and announces it; two groups'
representatives register at /me/trainings/{tid} — the first takes the seat, the second is put on the waitlist; the
coordinator cancels the first registration with its reason on its page, and the seat goes to the first on the
waitlist at once, as both the center's page and the representative's own page say.

A case: raised by a group's representative at /me/cases/new, routed by the coordinator to the childcare department,
matched with the registered group that shares its field and area (the reasons shown) and that group invited; the
department's liaison acknowledges it, the coordinator closes it as resolved with its reason, and the raiser and the
invited group read the outcome.

Every workspace page on the way passes axe-core and the structure checks in Japanese and English (screenshots:
tests/browser/screenshots/ws-center-*.png, ws-case-*.png). Demo users log in through the embedded provider's page."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser

from browser.kyodo_up import KyodoUp
from browser.workspace_journeys import Checked, Person, person, status_of

TRAINING = ("協働事業の会計講座", "Accounting for collaboration projects")
MINUTE = "%Y-%m-%dT%H:%M"
TOKYO = ZoneInfo("Asia/Tokyo")
KOSODATE = "恋ヶ窪子育てネットワーク"


def draft_training(coordinator: Person, site: KyodoUp) -> str:
    """A training of one seat for groups, drafted through /center/trainings/new (registration open now); its id."""
    now = site.clock_now("info-hub").astimezone(TOKYO).replace(second=0, microsecond=0)
    starts = now + timedelta(days=10)
    page = coordinator.page
    form = page.locator("main form[action='/center/trainings/new']")
    form.locator("input[type=radio][name=kind][value=training]").check()
    form.locator("input[name=title_ja]").fill(TRAINING[0])
    form.locator("input[name=title_en]").fill(TRAINING[1])
    form.locator("textarea[name=description_ja]").fill("補助金の会計報告の作り方を学びます。")
    for name, at in (
        ("starts_at", starts),
        ("ends_at", starts + timedelta(hours=2)),
        ("registration_opens_at", now - timedelta(hours=1)),
        ("registration_closes_at", starts - timedelta(days=1)),
    ):
        form.locator(f"input[name={name}]").fill(at.astimezone(TOKYO).strftime(MINUTE))
    form.locator("input[name=place]").fill("本多公民館 2階 講座室")
    form.locator("input[name=capacity]").fill("1")
    form.locator("input[type=checkbox][name=audience][value=groups]").check()
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"drafting the training answered {status_of(sent.value)}"
    assert "done=" in page.url, f"the training was not drafted: {page.url}"
    return page.url.split("?")[0].rstrip("/").rsplit("/", 1)[1]


def register(who: Person, training_id: str) -> None:
    who.goto(f"/me/trainings/{training_id}")
    form = who.page.locator(f"main form[action='/me/trainings/{training_id}/registrations']")
    assert form.count() == 1, f"{who.sub}: no registration form on {who.page.url}"
    with who.page.expect_navigation(url=lambda url: "done=training_registered" in url):
        form.locator("button[type=submit]").click()


def own_seat(who: Person) -> str:
    return who.page.locator("main section[aria-labelledby=mine-heading] li").first.inner_text()


def test_a_training_of_one_seat_fills_and_its_waitlist_takes_the_seat_a_cancellation_frees(
    site: KyodoUp, browser: Browser
) -> None:
    checked = Checked()
    coordinator = person(browser, site, "demo-coordinator")
    coordinator.goto("/center")
    checked.page(coordinator, "center-home")
    coordinator.goto("/center/trainings")
    checked.page(coordinator, "center-trainings")
    coordinator.goto("/center/trainings/new")
    checked.page(coordinator, "center-training-new", focus=True)
    training_id = draft_training(coordinator, site)
    here = f"/center/trainings/{training_id}"
    coordinator.goto(here)
    announce = coordinator.page.locator(f"main form[action='{here}/announcement']")
    with coordinator.page.expect_navigation(url=lambda url: "done=training_announced" in url):
        announce.locator("button[type=submit]").click()
    checked.page(coordinator, "center-training-announced")

    first, second = (person(browser, site, sub) for sub in ("demo-representative-1", "demo-representative-2"))
    register(first, training_id)
    assert "参加確定" in own_seat(first), f"the first registration did not take the seat: {own_seat(first)}"
    register(second, training_id)
    assert "キャンセル待ち（1番目）" in own_seat(second), f"the second is not first on the waitlist: {own_seat(second)}"
    checked.page(second, "me-training-waitlisted")

    # The center cancels the seated registration with its reason: the first on the waitlist takes the seat.
    coordinator.goto(here)
    rows = coordinator.page.locator("main table:has(caption#registrations-caption) tbody tr")
    assert rows.count() == 2, f"the center's page lists {rows.count()} registrations, not 2"
    assert "参加確定" in rows.nth(0).inner_text(), rows.nth(0).inner_text()
    assert "キャンセル待ち" in rows.nth(1).inner_text(), rows.nth(1).inner_text()
    rows.nth(0).locator("a[href$='/cancellation']").click()
    coordinator.page.wait_for_url("**/cancellation")
    checked.page(coordinator, "center-training-registration", focus=True)
    cancel = coordinator.page.locator("main form[action$='/cancellation']")
    cancel.locator("textarea[name=reason_ja]").fill("同じ団体から別の講座に参加するため。")
    with coordinator.page.expect_navigation(url=lambda url: "done=registration_cancelled_by_center" in url):
        cancel.locator("button[type=submit]").click()
    rows = coordinator.page.locator("main table:has(caption#registrations-caption) tbody tr")
    assert "申込取消済み" in rows.nth(0).inner_text(), rows.nth(0).inner_text()
    assert "同じ団体から別の講座に参加するため。" in rows.nth(0).inner_text(), "the reason is not shown"
    assert "参加確定" in rows.nth(1).inner_text(), f"the waitlist did not take the seat: {rows.nth(1).inner_text()}"
    checked.page(coordinator, "center-training-promoted")
    second.goto(f"/me/trainings/{training_id}")
    assert "参加確定" in own_seat(second), f"the representative's page does not show the seat: {own_seat(second)}"
    checked.assert_none()


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
