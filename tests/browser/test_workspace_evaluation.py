"""A collaboration project from its partners' reports to the published evaluation report, in a real browser against
`kyodo up --demo` (issue 21): the demo project (恋ヶ窪子育てネットワーク with the childcare department, its agreement
concluded) gets its interim report from each partner — the group's representative (demo-representative-2) and the
department's liaison (demo-staff-kosodate), each in a browser of their own — with the indicator's value so far; the
evaluation service's clock moves past the agreement's end (`kyodo clock advance 181d --service evaluation`: only that
service's); both partners send their self-evaluations, the first sealed from the other until the second is in; the
coordinator opens the committee's evaluation; the vice-chair (demo-evaluator-2), the third member (demo-evaluator-3)
and the chair (demo-evaluator-1) score every criterion, each shown no other member's points before sending their own;
the chair confirms the recommendation with its reasons, publishing the report; the portal's evaluation report
(info-hub's projection) shows the same recommendation, reasons and exact means.

Every page on the way passes axe-core and the structure checks in Japanese and English, each where a person first
reaches it (the project, the report's form, the self-evaluation's form, the committee page as the center opens it, the
committee's list, the scoring form, the published evaluation, the portal's report; the later states of the report and
self-evaluation pages are the same templates, asserted but not checked again, for the suite's time budget);
screenshots: tests/browser/screenshots/ws-eval-*.png. Demo users log in through the embedded provider's page."""

from __future__ import annotations

from fractions import Fraction

from playwright.sync_api import Browser

from browser.evaluation_journeys import (
    CHAIR,
    LIAISON,
    REPRESENTATIVE,
    THIRD,
    VICE,
    demo_project,
    exact_values,
    file_report,
    score,
    self_evaluate,
    sent,
    until_there,
)
from browser.kyodo_up import KyodoUp
from browser.workspace_journeys import Checked, Person, person

GROUP_SUMMARY = "週2回の居場所を開き、延べ612人の子どもが参加した。"
DEPARTMENT_SUMMARY = "学校と保護者への周知が進み、会場の確保も順調だった。"
SEALED = "非公開：双方がそろうか期限が過ぎるまで、相手の自己評価は誰も見られません。"
INDEPENDENCE = "他の委員の評価はあなたが自分の評価を提出した後にのみ表示されます"
# Each member's points on the five published criteria, in their order (achievement, collaboration, citizen benefit,
# cost-effectiveness, future direction): the means are 13/3, 11/3, 11/3, 13/3, 13/3 (each shown ≈ with its fraction).
POINTS = {VICE: (4, 4, 3, 4, 5), THIRD: (5, 3, 4, 4, 4), CHAIR: (4, 4, 4, 5, 4)}
MEANS = [str(Fraction(sum(column), len(POINTS))) for column in zip(*POINTS.values(), strict=True)]
REASONS_JA = "参加児童数は目標に届いたが、見守りの担い手の確保に課題が残るため、役割分担を見直して継続する。"
REASONS_EN = "The target was met, but finding volunteers remains hard: continue with the roles reviewed."


def main_text(who: Person) -> str:
    return who.page.locator("main").inner_text()


def points_shown(who: Person) -> dict[str, tuple[int, ...]]:
    """The committee page's score table: each member's row (as the page names them) and its points."""
    rows = who.page.locator("main table:has(caption#scores-caption) tbody tr")
    return {
        row.locator("th").inner_text().strip(): tuple(int(cell) for cell in row.locator("td").all_inner_texts())
        for row in rows.all()
    }


def test_a_project_s_reports_and_self_evaluations_go_to_the_committee_whose_recommendation_the_portal_publishes(
    site: KyodoUp, browser: Browser
) -> None:
    checked = Checked()

    # The group's representative: the project, its first interim report filed from the project's schedule.
    group = person(browser, site, REPRESENTATIVE)
    pid = demo_project(group)
    project = f"/evaluation/projects/{pid}"
    group.goto(project)
    checked.page(group, "eval-project")
    with group.page.expect_navigation():
        group.page.locator(f"main table:has(caption#reports-caption) a[href='{project}/reports/1']").first.click()
    checked.page(group, "eval-report-form")
    file_report(group, pid, 1, "240", "4月から6月に24回開き、延べ240人が参加した。")
    assert "240" in group.page.locator("main table:has(caption#filed-group-caption)").inner_text()

    # The department's liaison files theirs: both partners' values side by side.
    department = person(browser, site, LIAISON)
    department.goto(f"{project}/reports/1")
    file_report(department, pid, 1, "236", "名簿の集計では延べ236人。学校経由の参加が多い。")
    filed = department.page.locator("main table:has(caption#filed-department-caption)")
    assert "236" in filed.inner_text(), "the department's value is not shown"
    assert department.page.locator("main table:has(caption#filed-group-caption)").count() == 1

    # The period over (the evaluation service's clock past the agreement's 180 days): the group self-evaluates.
    site.advance_clock("181d", services=["evaluation"])
    self_page = f"{project}/self-evaluation"
    until_there(group, self_page, f"main form[action='{self_page}']")
    checked.page(group, "eval-self-form", focus=True)
    self_evaluate(group, pid, (5, 4, 4, 4, 5), "612", GROUP_SUMMARY)
    assert GROUP_SUMMARY in main_text(group), "the group's own self-evaluation is not shown to it"
    assert SEALED in main_text(group), "the other partner's section is not said to be sealed"

    # Sealed: the liaison is not shown the group's before sending theirs; both shown once both are in.
    department.goto(self_page)
    before = main_text(department)
    assert GROUP_SUMMARY not in before, "the group's self-evaluation leaks to the department before unsealing"
    assert SEALED in before
    assert department.page.locator("main #seen-group").count() == 0
    self_evaluate(department, pid, (4, 4, 3, 4, 4), "598", DEPARTMENT_SUMMARY)
    assert GROUP_SUMMARY in main_text(department), "the group's self-evaluation is not shown once both are in"
    group.goto(self_page)
    assert DEPARTMENT_SUMMARY in main_text(group), "the department's self-evaluation is not shown to the group"
    group.context.close()
    department.context.close()

    # The coordinator opens the committee's evaluation (the registry's only evaluation committee, quorum 3).
    committee = f"{project}/committee"
    coordinator = person(browser, site, "demo-coordinator")
    coordinator.goto(committee)
    checked.page(coordinator, "eval-committee-center")
    opening = coordinator.page.locator(f"main form[action='{committee}']")
    assert opening.locator("select[name=committee_id] option[selected]").count() == 1, "the committee is not chosen"
    opening.locator("input[name=quorum]").fill("3")
    sent(coordinator, committee, "committee_opened")

    # The vice-chair finds the project in the committee's list and scores it.
    vice = person(browser, site, VICE)
    vice.goto("/evaluation/committee")
    checked.page(vice, "eval-committee-list")
    with vice.page.expect_navigation():
        vice.page.locator(f"main a[href='{committee}']").first.click()
    material = main_text(vice)
    assert GROUP_SUMMARY in material, "the members are not shown the group's self-evaluation"
    assert DEPARTMENT_SUMMARY in material, "the members are not shown the department's self-evaluation"
    assert vice.page.locator("main table:has(caption#scores-caption)").count() == 0, "scores before one's own"
    checked.page(vice, "eval-committee-score-form", focus=True)
    score(vice, pid, POINTS[VICE], "地域の大人が関わる居場所になった。")

    # The center sees that a member has scored, never the points or comments before the report is published.
    coordinator.goto(committee)
    # The committee's page itself (not an error page): its heading, the progress with one member scored, and why the
    # points are not shown.
    assert "委員会評価" in coordinator.page.locator("main h1").inner_text(), "not the committee's page"
    assert coordinator.page.locator("main #scores-withheld").count() == 1, "the center is not told why no points"
    assert "評価済み1人" in main_text(coordinator), "the progress does not show the member who scored"
    assert coordinator.page.locator("main table:has(caption#scores-caption)").count() == 0, "points shown to the center"
    assert "地域の大人が関わる居場所になった。" not in main_text(coordinator), "a member's comment shown to the center"
    coordinator.context.close()

    # The third member: the vice-chair's points are not shown before theirs are sent, and are after.
    third = person(browser, site, THIRD)
    third.goto(committee)
    assert third.page.locator("main table:has(caption#scores-caption)").count() == 0, "others' scores shown first"
    assert INDEPENDENCE in main_text(third), "the member is not told why no score is shown"
    assert "地域の大人が関わる居場所になった。" not in main_text(third), "the vice-chair's comment leaks"
    score(third, pid, POINTS[THIRD], "見守りの担い手が足りない。")
    # Members by office and letter, never by login id: the vice-chair's row is 副委員長, with the points given.
    shown = points_shown(third)
    assert len(shown) == 2, f"the other member's score is not shown after one's own: {shown}"
    assert shown.get("副委員長") == POINTS[VICE], f"the vice-chair's points are not shown as given: {shown}"
    assert VICE not in main_text(third), "a member is named by login id"
    third.context.close()

    # The chair: nothing of the others first; then scores, and confirms the recommendation with its reasons.
    chair = person(browser, site, CHAIR)
    chair.goto(committee)
    assert chair.page.locator("main table:has(caption#scores-caption)").count() == 0, "others' scores shown first"
    assert INDEPENDENCE in main_text(chair)
    score(chair, pid, POINTS[CHAIR], "学校との連携が良い。")
    assert sorted(points_shown(chair).values()) == sorted(POINTS.values()), points_shown(chair)
    recommendation = f"{committee}/recommendation"
    form = chair.page.locator(f"main form[action='{recommendation}']")
    assert form.count() == 1, "the chair is not offered the recommendation"
    form.locator("input[type=radio][name=recommendation][value=improve]").check()
    form.locator("textarea[name=reasons_ja]").fill(REASONS_JA)
    form.locator("textarea[name=reasons_en]").fill(REASONS_EN)
    sent(chair, recommendation, "committee_recommended")
    means = exact_values(chair.page, "main table:has(caption#means-caption) tbody td")
    assert means == MEANS, means
    overall = exact_values(chair.page, "main #report-heading + dl")
    assert len(overall) == 1, overall
    report_part = chair.page.locator("main #report-heading + dl").inner_text()
    assert "改善して継続" in report_part, report_part
    assert REASONS_JA in report_part, report_part
    checked.page(chair, "eval-committee-published")
    chair.context.close()

    # The portal's evaluation report, once info-hub has it: the same recommendation, reasons and exact means.
    visitor = person(browser, site, None)
    until_there(visitor, f"/evaluation-reports/{pid}", "main table:has(caption#committee-caption)")
    facts = visitor.page.locator("main dl.facts").first
    assert "改善して継続" in facts.inner_text(), facts.inner_text()
    assert exact_values(visitor.page, "main dl.facts") == overall, "the overall mean differs from the committee's"
    committee_table = "main table:has(caption#committee-caption)"
    assert exact_values(visitor.page, f"{committee_table} tfoot td") == MEANS, "the means differ from the committee's"
    assert visitor.page.locator(f"{committee_table} tbody tr").count() == 3, "not every counted score is published"
    text = main_text(visitor)
    assert REASONS_JA in text, "the reasons are not published"
    for published in (GROUP_SUMMARY, DEPARTMENT_SUMMARY, "612", "598"):
        assert published in text, f"the self-evaluations' {published!r} is not published"
    for sub in (CHAIR, VICE, THIRD):
        assert sub not in text, f"the portal names a member ({sub}) beside their points"
    checked.page(visitor, "eval-portal-report")
    visitor.context.close()
    checked.assert_none()
