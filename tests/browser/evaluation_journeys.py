"""What the evaluation journey shares: the demo's collaboration project (恋ヶ窪子育てネットワーク with the childcare
department, its agreement concluded by `kyodo up --demo`) found from a partner's list, its forms filled as a person
fills them (an interim report's indicator values, a self-evaluation's ratings, a committee member's points), pages
reloaded until a timer or info-hub's projection has caught up, and the published means read as exact values."""

from __future__ import annotations

import time
from collections.abc import Sequence

from playwright.sync_api import Page

from browser.workspace_journeys import Person, status_of

PROJECT_TITLE = "放課後の居場所づくり"  # screening's K-002, the project the evaluation demo starts
REPRESENTATIVE = "demo-representative-2"  # 恋ヶ窪子育てネットワーク's
LIAISON = "demo-staff-kosodate"  # the childcare department's (子育て支援課)
CHAIR, VICE, THIRD = "demo-evaluator-1", "demo-evaluator-2", "demo-evaluator-3"


def demo_project(who: Person) -> str:
    """The demo project's id, from the partner's project list (`/evaluation/projects`)."""
    who.goto("/evaluation/projects")
    link = who.page.locator("main a[href^='/evaluation/projects/']", has_text=PROJECT_TITLE)
    assert link.count() == 1, f"{who.sub}: the project list does not list {PROJECT_TITLE}"
    return (link.get_attribute("href") or "").rsplit("/", 1)[1]


def sent(who: Person, action: str, notice: str) -> None:
    """The form posting to `action` sent with its button; back with the `notice`."""
    page = who.page
    with page.expect_navigation() as answered:
        page.locator(f"main form[action='{action}'] button[type=submit]").click()
    assert status_of(answered.value) == 200, f"{who.sub}: {action} answered {status_of(answered.value)}"
    assert f"done={notice}" in page.url, f"{who.sub}: {action} gave no {notice} notice ({page.url})"


def file_report(who: Person, pid: str, index: int, value: str, summary: str) -> None:
    """The interim report's form: every indicator's value so far, a summary; filed."""
    action = f"/evaluation/projects/{pid}/reports/{index}"
    form = who.page.locator(f"main form[action='{action}']")
    assert form.count() == 1, f"{who.sub}: no report form on {who.page.url}"
    values = form.locator("input[name^='values.'][name$='.value']")
    assert values.count() >= 1, "the report form asks for no indicator"
    for n in range(values.count()):
        values.nth(n).fill(value)
    form.locator("textarea[name=summary_ja]").fill(summary)
    sent(who, action, "report_filed")


def self_evaluate(who: Person, pid: str, ratings: Sequence[int], achieved: str, summary: str) -> None:
    """The self-evaluation form: each criterion rated (its radio clicked) with a comment, every indicator's value
    achieved, the summary; sent (final)."""
    action = f"/evaluation/projects/{pid}/self-evaluation"
    form = who.page.locator(f"main form[action='{action}']")
    assert form.count() == 1, f"{who.sub}: no self-evaluation form on {who.page.url}"
    count = form.locator("input[type=hidden][name^='ratings.'][name$='.key']").count()
    assert count == len(ratings), f"{count} criteria to rate, {len(ratings)} ratings given"
    for n, rating in enumerate(ratings):
        form.locator(f"input[type=radio][name='ratings.{n}.rating'][value='{rating}']").check()
        form.locator(f"textarea[name='ratings.{n}.comment_ja']").fill(f"評価{rating}の理由を記す。")
    values = form.locator("input[name^='achieved.'][name$='.value']")
    for n in range(values.count()):
        values.nth(n).fill(achieved)
    form.locator("textarea[name=summary_ja]").fill(summary)
    sent(who, action, "self_evaluation_sent")


def score(who: Person, pid: str, points: Sequence[int], comment: str) -> None:
    """A member's score: each criterion's points (its radio clicked), a comment on the first; sent (final)."""
    action = f"/evaluation/projects/{pid}/committee/scores"
    form = who.page.locator(f"main form[action='{action}']")
    assert form.count() == 1, f"{who.sub}: no scoring form on {who.page.url}"
    keys = [name.removeprefix("points.") for name in radio_groups(who.page, action, "points.")]
    assert len(keys) == len(points), f"{len(keys)} criteria to score, {len(points)} points given"
    for key, given in zip(keys, points, strict=True):
        form.locator(f"input[type=radio][name='points.{key}'][value='{given}']").check()
    form.locator(f"textarea[name='comments.{keys[0]}']").fill(comment)
    sent(who, action, "committee_scored")


def radio_groups(page: Page, action: str, prefix: str) -> list[str]:
    """The names of a form's radio groups starting with `prefix`, in the form's order."""
    names: list[str] = page.eval_on_selector_all(
        f"main form[action='{action}'] input[type=radio][name^='{prefix}']", "els => els.map(e => e.name)"
    )
    return list(dict.fromkeys(names))


def until_there(who: Person, path: str, selector: str, seconds: float = 30) -> None:
    """`path` reloaded until it has `selector` (a timer firing on the moved clock, a projection catching up)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = who.page.goto(path)
        if status_of(answer) == 200 and who.page.locator(selector).count() >= 1:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} has no {selector} after {seconds:.0f} s ({who.sub}: {status_of(answer)})")
        time.sleep(0.5)


def exact_values(page: Page, selector: str) -> list[str]:
    """The exact values (`data.exact`'s value: "13/3", "4") of the elements `selector` finds, in order."""
    found: list[str] = page.eval_on_selector_all(
        f"{selector} data.exact", "els => els.map(e => e.getAttribute('value'))"
    )
    return found
