"""The center's programmes in a real browser against `kyodo up --demo` (issue 21).

A training: the coordinator drafts one of one seat at /center/trainings/new and announces it; two groups'
representatives register at /me/trainings/{tid} — the first takes the seat, the second is put on the waitlist; the
coordinator cancels the first registration with its reason on its page, and the seat goes to the first on the
waitlist at once, as both the center's page and the representative's own page say.

A coordination case from raising to its outcome is `test_workspace_case.py`.

Every workspace page on the way passes axe-core and the structure checks in Japanese and English (screenshots:
tests/browser/screenshots/ws-center-*.png). Demo users log in through the embedded provider's page."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser

from browser.kyodo_up import KyodoUp
from browser.workspace_journeys import Checked, Person, person, status_of

TRAINING = ("協働事業の会計講座", "Accounting for collaboration projects")
MINUTE = "%Y-%m-%dT%H:%M"
TOKYO = ZoneInfo("Asia/Tokyo")


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
