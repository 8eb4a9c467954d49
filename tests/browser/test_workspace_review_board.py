"""A call's review from the board's scores to the published results, in a real browser against `kyodo up --demo`
(issue 21): the call is taken to its review through the pages (`review_journeys.call_in_review`: a quorum of two,
two groups' proposals, the proposals service's clock past the deadline, the review opened by the coordinator); the
vice-chair (demo-reviewer-2) completes a scoring form with the keyboard alone, first with points above the
criterion's maximum, pointed out beside the field; the third member (demo-reviewer-3) declares a conflict with one
proposal, is recused and told why, never shown the proposal, and scores the other; the chair (demo-reviewer-1) sees
no other member's score before submitting theirs and the vice-chair's after, reads the exact ranking on the decision
page and confirms it with reasons; the portal's results page (info-hub's projection) shows the same ranking. The
auditor (demo-auditor) then browses the call's history at /proposals/audit — by the call's id, its results' type, the
decision's correlation id and time — follows it to the call's recompute, which agrees with the published ranks and
exact scores, and verifies the history now (`audit_journeys.py`).

Every workspace page on the way passes axe-core and the structure checks in Japanese and English (screenshots:
tests/browser/screenshots/ws-review-*.png, ws-audit-*.png). Demo users log in through the embedded provider's page."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser.audit_journeys import HASH, events, filter_history, until_chained, verify_now
from browser.kyodo_up import KyodoUp
from browser.review_journeys import GROUPS, CallInReview, call_in_review, confirm_and_send, ranking, score
from browser.test_keyboard import focused, tab_to
from browser.test_workspace_submissions import TOKYO
from browser.workspace_journeys import Checked, Person, person, status_of

GREEN, KOSODATE = (name for name, *_ in GROUPS.values())
SUMMARY = {name: summary for name, summary, _ in GROUPS.values()}
# The points each member gives (need, feasibility). 恋ヶ窪's means are 25/3 and 8: 49/3, shown ≈ 16.33; みどり's
# 13/2 and 11/2: 12. Both pass (10), one is selected: 恋ヶ窪 first.
VICE_ON_KOSODATE = (8, 8)
RESULTS = "proposals.Call.ResultsPublished"


@pytest.fixture(scope="module")
def in_review(site: KyodoUp, browser: Browser) -> CallInReview:
    return call_in_review(site, browser)


@pytest.fixture(scope="module")
def decided() -> dict[str, Any]:
    """What the board's test leaves for the auditor's: the decision's correlation id (its post's X-Correlation-ID)
    and the portal's published ranking."""
    return {}


def test_a_board_member_completes_a_scoring_form_with_the_keyboard_alone(
    site: KyodoUp, browser: Browser, in_review: CallInReview
) -> None:
    checked = Checked()
    vice = person(browser, site, "demo-reviewer-2")
    path = in_review.review(in_review.proposals[KOSODATE])
    vice.goto(path)
    page = vice.page
    assert page.locator("main table:has(caption#others-caption)").count() == 0, "others' scores before one's own"
    checked.page(vice, "review-proposal-form", focus=True)

    # From the skip link, the points typed criterion by criterion; need above its maximum (10), sent with Enter.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: the focus moves into main
    for name, value in (("points.need", "12"), ("points.feasibility", "8"), ("comment", "放課後の需要が明確。")):
        tab_to(page, page.locator(f"main [name='{name}']"), f"the field {name}")
        page.keyboard.type(value)
    submit = page.locator(f"main form[action='{path}/score'] button[type=submit]")
    tab_to(page, submit, "採点を提出する")
    with page.expect_navigation() as sent:
        page.keyboard.press("Enter")
    assert status_of(sent.value) == 422, f"points above the maximum answered {status_of(sent.value)}"
    need = page.locator("main [name='points.need']")
    assert need.get_attribute("aria-invalid") == "true", "the need field is not marked invalid"
    assert page.locator("#field-points-need-error").count() == 1, "no reason beside the need field"
    assert page.locator("main [name=comment]").input_value() == "放課後の需要が明確。", "the comment was not kept"
    summary = page.locator("[data-error-summary]")
    try:
        page.wait_for_function("() => document.activeElement?.hasAttribute('data-error-summary')", timeout=3000)
    except PlaywrightTimeout:
        checked.problems.append(f"the error summary does not take the focus on {page.url}")
        summary.focus()
    checked.page(vice, "review-proposal-errors", both_languages=False)

    # From the summary's link to the field: corrected, then the button pressed with Space.
    tab_to(page, summary.locator("a[href='#field-points-need']"), "the summary's link to the need field")
    page.keyboard.press("Enter")
    if not focused(need):
        tab_to(page, need, "the need field")
    page.keyboard.press("Control+A")
    page.keyboard.type(str(VICE_ON_KOSODATE[0]))
    tab_to(page, submit, "採点を提出する")
    with page.expect_navigation(url=lambda url: "done=proposal_scored" in url):
        page.keyboard.press("Space")
    assert page.locator("main table:has(caption#mine-caption)").count() == 1, "the member's own score is not shown"
    checked.assert_none()


def test_the_board_scores_independently_one_member_recused_and_the_chair_s_decision_is_the_portal_s_ranking(
    site: KyodoUp, browser: Browser, in_review: CallInReview, decided: dict[str, Any]
) -> None:
    checked = Checked()
    green, kosodate = in_review.review(in_review.proposals[GREEN]), in_review.review(in_review.proposals[KOSODATE])

    # The third member: the calls to review, the call's list, a conflict declared with みどり's proposal.
    third = person(browser, site, "demo-reviewer-3")
    third.goto("/proposals/review")
    assert third.page.locator(f"main a[href='{in_review.review()}']").count() == 1, "the call is not listed"
    checked.page(third, "review-calls")
    third.goto(in_review.review())
    checked.page(third, "review-board")
    third.goto(green)
    declare = third.page.locator(f"main form[action='{green}/conflict']")
    declare.locator("select[name=kind]").select_option("member")
    declare.locator("textarea[name=reason]").fill("この団体の会員です。")
    with third.page.expect_navigation(url=lambda url: "done=conflict_declared" in url):
        declare.locator("button[type=submit]").click()
    main = third.page.locator("main").inner_text()
    assert "あなたはこの提案から除斥されています" in main, "the recusal is not explained"
    assert SUMMARY[GREEN] not in main, "a recused member is shown the proposal"
    assert GREEN not in main, "a recused member is shown whose proposal it is"
    assert third.page.locator(f"main form[action='{green}/score']").count() == 0, "a recused member may score"
    checked.page(third, "review-proposal-recused")
    third.goto(in_review.review())
    recused = third.page.locator("main h2#recused + p + ul a")
    assert recused.count() == 1, "the list does not show the recusal"
    assert GREEN not in recused.inner_text(), "the list names the group a member is recused from"
    checked.page(third, "review-board-recused")
    third.goto(kosodate)
    score(third, kosodate, 9, 7, "地域の協力者が多い。")

    # The vice-chair scores みどり's (and 恋ヶ窪's, when the keyboard test did not run before).
    vice = person(browser, site, "demo-reviewer-2")
    vice.goto(kosodate)
    if vice.page.locator(f"main form[action='{kosodate}/score']").count() == 1:
        score(vice, kosodate, *VICE_ON_KOSODATE, "放課後の需要が明確。")
    vice.goto(green)
    score(vice, green, 7, 5, "自然体験の場として良い。")

    # The chair: no other member's score before their own, the vice-chair's after.
    chair = person(browser, site, "demo-reviewer-1")
    chair.goto(green)
    assert chair.page.locator("main table:has(caption#others-caption)").count() == 0, "others' scores shown first"
    assert "自分の採点を提出した後に表示されます" in chair.page.locator("main").inner_text()
    score(chair, green, 6, 6, "安全管理の計画が要る。")
    others = chair.page.locator("main table:has(caption#others-caption) tbody tr")
    assert others.count() == 1, "the other members' scores are not shown after one's own"
    assert "副委員長" in others.inner_text(), "the vice-chair's score is not shown"
    assert "demo-reviewer" not in chair.page.locator("main").inner_text(), "a member shown by login id"
    checked.page(chair, "review-proposal-scored")
    decision = f"/proposals/calls/{in_review.call_id}/review/decision"
    chair.goto(decision)
    assert chair.page.locator("main table:has(caption#preview-caption)").count() == 0, "a ranking before scoring all"
    chair.goto(kosodate)
    score(chair, kosodate, 8, 9, "計画が具体的。")

    # The decision page: the exact ranking by the published rule, then the reasons and the confirmation.
    chair.goto(decision)
    preview = ranking(chair.page, "preview-caption")
    assert [(rank, value) for rank, value, _ in preview] == [("1", "49/3"), ("2", "12")], preview
    assert KOSODATE in preview[0][2], preview
    assert GREEN in preview[1][2], preview
    checked.page(chair, "review-decision", focus=True)
    chair.page.locator("main textarea[name=reasons]").fill("必要性と実現可能性の平均点の合計による。")
    with chair.page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(decision)) as posted:
        confirm_and_send(chair.page, decision, "results_published")
    decided["correlation_id"] = posted.value.headers.get("x-correlation-id", "")
    assert ranking(chair.page, "ranking-caption") == preview, "the published ranking is not the one previewed"
    checked.page(chair, "review-decision-published")

    # The portal's results page, once info-hub has the results: the same ranking, names and exact scores.
    visitor = person(browser, site, None)
    published = until_ranked(visitor, f"/calls/{in_review.call_id}/results")
    assert [(rank, value) for rank, value, _ in published] == [(r, v) for r, v, _ in preview], published
    assert [name for *_, name in published] == [KOSODATE, GREEN], published
    assert "≈" in visitor.page.locator("main table:has(caption#ranking-caption)").inner_text(), "49/3 not marked ≈"
    checked.page(visitor, "review-portal-results")
    decided["published"] = published
    checked.assert_none()


def until_ranked(visitor: Person, path: str, seconds: float = 30) -> list[tuple[str, str, str]]:
    """The portal's results page reloaded until its ranking table has rows (info-hub's read model catching up)."""
    deadline = time.monotonic() + seconds
    while True:
        visitor.goto(path)
        found = ranking(visitor.page, "ranking-caption")
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} shows no ranking {seconds:.0f} s after the decision")
        time.sleep(0.5)


def test_an_auditor_browses_the_call_s_history_and_its_recompute_agrees_with_the_published_ranking(
    site: KyodoUp, browser: Browser, in_review: CallInReview, decided: dict[str, Any]
) -> None:
    assert "published" in decided, "the board's test did not decide the call (it runs before this one)"
    checked = Checked()
    base, call = "/proposals/audit", in_review.call_id
    auditor = person(browser, site, "demo-auditor")
    auditor.goto(base)
    assert events(auditor), "the history lists no event"

    # The call's events, by its id: every one chained (hash, previous link, link), the results among them. Checked
    # here rather than unfiltered: the same page, a few screens long rather than twenty events' bodies.
    history = until_chained(auditor, base, aggregate=call)
    assert {event.aggregate for event in history} == {call}, history
    types = [event.type for event in history]
    assert types[0] == "proposals.Call.Drafted", types
    assert RESULTS in types, types
    assert all(HASH.match(event.state_hash) and HASH.match(event.link) for event in history), history
    checked.page(auditor, "audit-call-history", focus=True)
    published = filter_history(auditor, base, aggregate=call, type=RESULTS)
    assert [(event.type, event.body) for event in published] == [(RESULTS, "shown")], published
    # The decision's own request (its X-Correlation-ID) and the proposals clock's last ten minutes find it too.
    correlated = filter_history(auditor, base, correlation_id=decided["correlation_id"])
    assert RESULTS in [event.type for event in correlated], (decided["correlation_id"], correlated)
    since = (site.clock_now("proposals").astimezone(TOKYO) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    recent = filter_history(auditor, base, aggregate=call, since=since)
    assert RESULTS in [event.type for event in recent], (since, recent)

    # From the results' event to the call's recompute: it agrees, with the portal's ranks and exact scores.
    recompute = auditor.page.locator(f"main a[href='{base}/calls/{call}']").first
    with auditor.page.expect_navigation() as opened:
        recompute.click()
    assert status_of(opened.value) == 200, f"the recompute answered {status_of(opened.value)}"
    verdict = auditor.page.locator("main [data-verdict]").get_attribute("data-verdict")
    assert verdict == "agrees", f"the recompute's verdict is {verdict}: {auditor.page.locator('main').inner_text()}"
    recomputed = ranking(auditor.page, "ranking-caption")
    assert [(rank, value) for rank, value, _ in recomputed] == [(r, v) for r, v, _ in decided["published"]]
    assert [proposal for *_, proposal in recomputed] == [in_review.proposals[KOSODATE], in_review.proposals[GREEN]]
    checked.page(auditor, "audit-call-recompute")

    # The checkpoints and keys, the JSON exports, and verify now.
    auditor.goto(f"{base}?aggregate={call}")
    assert auditor.page.locator("main section.checkpoints table tbody tr").count() >= 1, "no signed checkpoint"
    assert auditor.page.locator("main section.checkpoints h3[id^=keys-] ~ *").count() >= 1, "no public key"
    for link in auditor.page.locator("main h2#exports + ul a").all():
        href = link.get_attribute("href") or ""
        answer = auditor.context.request.get(href)
        assert answer.ok, (href, answer.status)
        assert answer.headers["content-type"].startswith("application/json"), (href, answer.headers["content-type"])
    assert verify_now(auditor, base) == "ok", auditor.page.locator("main section.verification-result").inner_text()
    auditor.goto(f"{base}?aggregate={call}")  # the result stays on the page (not at its #verification)
    assert auditor.page.locator("main [data-verdict=ok]").count() == 1, "the last verification is not shown"
    checked.page(auditor, "audit-proposals-verified", both_languages=False)
    checked.assert_none()
