"""What the review board's journey shares: a call taken to its review through the pages (the coordinator drafts it
with a quorum of two and publishes it, two groups' representatives submit, the proposals service's clock passes the
deadline, the coordinator opens the review), a member's score typed into a proposal's scoring form, and a ranking
table read row by row (rank, the exact score, the row's name) to compare the decision page with the portal's."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Browser, Page

from browser.kyodo_up import KyodoUp
from browser.test_workspace_submissions import TOKYO, draft_call, review_board, submit_proposal
from browser.workspace_journeys import Person, person, status_of

TITLE = ("子どもの居場所づくりの提案募集", "Proposals for children's places to be")
# Each group's representative, their group's name as the directory has it, and what they propose.
GROUPS = {
    "demo-representative-1": ("こくぶんじ緑のボランティア", "雑木林で週末に子どもの居場所を開く。", "毎週土曜日。"),
    "demo-representative-2": ("恋ヶ窪子育てネットワーク", "放課後の子どもの居場所を公民館に開く。", "平日の放課後。"),
}


@dataclass(frozen=True)
class CallInReview:
    """The call's id and each group's proposal id (by the group's name)."""

    call_id: str
    proposals: dict[str, str]

    def review(self, proposal_id: str = "") -> str:
        return f"/proposals/calls/{self.call_id}/review" + (f"/proposals/{proposal_id}" if proposal_id else "")


def call_in_review(site: KyodoUp, browser: Browser) -> CallInReview:
    """A call taken to its review through the pages (not checked here: the submissions journey checks them)."""
    coordinator = person(browser, site, "demo-coordinator")
    coordinator.goto("/proposals/calls/new")
    deadline = (site.clock_now("proposals").astimezone(TOKYO) + timedelta(days=1)).replace(second=0, microsecond=0)
    call_id = draft_call(coordinator, deadline, review_board(site), TITLE, quorum="2", select="1")
    manage = f"/proposals/calls/{call_id}/manage"
    coordinator.goto(manage)
    confirm_and_send(coordinator.page, f"{manage}/publication", "call_published")
    for sub, (_, summary, plan) in GROUPS.items():
        representative = person(browser, site, sub)
        representative.goto(f"/proposals/calls/{call_id}/proposal")
        submit_proposal(representative, call_id, summary, plan)
        representative.context.close()
    site.advance_clock("2d", services=["proposals"])
    until_form(coordinator, manage, f"{manage}/review")
    confirm_and_send(coordinator.page, f"{manage}/review", "review_opened")
    coordinator.context.close()

    chair = person(browser, site, "demo-reviewer-1")
    chair.goto(f"/proposals/calls/{call_id}/review")
    proposals = {}
    for name, *_ in GROUPS.values():
        link = chair.page.locator("main a[href*='/review/proposals/']", has_text=name)
        assert link.count() == 1, f"the board's list names no proposal of {name}"
        proposals[name] = (link.get_attribute("href") or "").rsplit("/", 1)[1]
    chair.context.close()
    return CallInReview(call_id, proposals)


def confirm_and_send(page: Page, action: str, notice: str) -> None:
    """A form that asks for its confirmation first (publishing, opening the review, the decision): ticked, sent."""
    form = page.locator(f"main form[action='{action}']")
    assert form.count() == 1, f"no form posting to {action} on {page.url}"
    form.locator("input[name=confirm]").check()
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"{action} answered {status_of(sent.value)}"
    assert f"done={notice}" in page.url, f"{action}: no {notice} notice at {page.url}"


def until_form(who: Person, path: str, action: str, seconds: float = 30) -> None:
    """`path` reloaded until it has the form posting to `action` (the service's timer closing the call)."""
    deadline = time.monotonic() + seconds
    while True:
        who.goto(path)
        if who.page.locator(f"main form[action='{action}']").count() == 1:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} has no form posting to {action} after {seconds:.0f} s")
        time.sleep(0.5)


def score(who: Person, path: str, need: int, feasibility: int, comment: str) -> None:
    """The member's score typed into the proposal's scoring form and sent."""
    page = who.page
    form = page.locator(f"main form[action='{path}/score']")
    assert form.count() == 1, f"{who.sub}: no scoring form on {page.url}"
    form.locator("input[name='points.need']").fill(str(need))
    form.locator("input[name='points.feasibility']").fill(str(feasibility))
    form.locator("textarea[name=comment]").fill(comment)
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"{who.sub}: scoring answered {status_of(sent.value)}"
    assert "done=proposal_scored" in page.url, f"{who.sub}: the score was not taken ({page.url})"


def ranking(page: Page, caption: str) -> list[tuple[str, str, str]]:
    """The ranking table's rows: (rank, the exact score as its `data` value, the row's name)."""
    rows = page.locator(f"main table:has(caption#{caption}) tbody tr")
    found = []
    for n in range(rows.count()):
        row = rows.nth(n)
        found.append(
            (
                row.locator("td").first.inner_text().strip(),
                row.locator("td data.exact").first.get_attribute("value") or "",
                row.locator("th").first.inner_text().strip(),
            )
        )
    return found
