"""`/me` for the center's coordinators and the cross-department team (real stores, real NATS, logged-in browsers):
a call past its deadline awaits the opening of its review, then reads as under review; a blocked decision counts its
proposals short of the quorum in one line and names the next step (a substitute member, on the call's page); an open
round shows how many of its projects await a decision, fewer after one, and a round past its self-check deadline
reads as closed; a team member sees the rounds they are on the team of (a member of another round and staff off the
team do not), and the round's own page tells them which projects await *their* assessment; adoptions without a
department are told apart by their call's title (in the reader's language), group and rank, and show until the
evaluation service creates the project."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kyodo_contracts import evaluation as ev
from kyodo_contracts import proposals as pr
from kyodo_contracts import screening as s

from support.calls import close_and_open_review, coordinator, ok, published_call, review_board
from support.harness import eventually
from support.info_hub_feed import feed
from support.info_hub_open_data import call, group, result
from support.page_reading import links, text, well_formed
from support.screening import TOKYO, answers, department, heard, join_team, round_body, screening_now
from support.workspace import Browser, workspace

HUB = "info-hub"


def item(page: Any, href: str) -> str:
    """The text of the list item linking to `href` ('' when there is none)."""
    found = page.xpath(f".//li[a[@href='{href}']]")
    return " ".join(str(found[0].text_content()).split()) if found else ""


async def shows(browser: Browser, href: str, words: str) -> bool:
    return words in item(await browser.page("/me"), href)


def team_section(page: Any) -> Any:
    found = page.xpath("//section[@aria-labelledby='team-heading']")
    return found[0] if found else None


async def test_a_call_past_its_deadline_awaits_the_opening_of_its_review_then_reads_under_review(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(["registry", "proposals", HUB], tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        call_id, deadline = await published_call(p, committee, title_ja="見守り協働事業")
        center = site.browser("coord-1", "coordinator")
        href = f"/proposals/calls/{call_id}/manage"
        await eventually(lambda: shows(center, href, "募集中"), timeout=30)

        kernel = p.apps["proposals"].state.kernel
        kernel.clock = lambda: deadline + timedelta(seconds=1)
        await eventually(lambda: shows(center, href, "締切済み：審査の開始待ち"), timeout=30)
        page = well_formed(await center.page("/me"))
        assert "審査中" not in item(page, href)

        await close_and_open_review(p, call_id, deadline)
        await eventually(lambda: shows(center, href, "審査中"), timeout=30)
        assert "審査の開始待ち" not in item(await center.page("/me"), href)
        assert "Under review" in item(await center.page("/me", lang="en"), href)


async def test_a_blocked_decision_and_an_adoption_awaiting_its_department_show_until_the_project_is_created(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    # The registry's facts are fed (its service does not run here): the groups' names.
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        deadline = datetime.now(TOKYO) - timedelta(days=3)
        blocked = call("見守り協働事業", deadline=deadline)
        decided = call("居場所協働事業", deadline=deadline, title_en="Ibasho collaboration")
        midori, aozora = group("みどりの会"), group("あおぞらの会")
        ranked = result(decided.call_id, [midori.group_id, aozora.group_id], uuid.uuid4(), "効果が高い")
        (proposal, second), named = [r.proposal_id for r in ranked.proposals], uuid.uuid4()
        feed(p, "registry", midori, aozora)
        short = [f"quorum:{uuid.uuid4()}:1/2", f"quorum:{uuid.uuid4()}:1/2"]
        feed(
            p,
            "proposals",
            blocked,
            decided,
            pr.CallClosed(call_id=blocked.call_id, closed_at=deadline),
            pr.ReviewStarted(call_id=blocked.call_id, started_at=deadline + timedelta(days=1)),
            pr.DecisionBlocked(call_id=blocked.call_id, reasons=short),
            pr.CallClosed(call_id=decided.call_id, closed_at=deadline),
            ranked,
            pr.ProposalAdopted(
                call_id=decided.call_id,
                proposal_id=proposal,
                group_id=midori.group_id,
                rank=1,
                score="9/1",
                title_ja="居場所協働事業",
            ),
            # Two adoptions of one call: told apart by their groups and ranks.
            pr.ProposalAdopted(
                call_id=decided.call_id,
                proposal_id=second,
                group_id=aozora.group_id,
                rank=2,
                score="8/1",
                title_ja="居場所協働事業",
            ),
            # The call named its department: its project is created without the center.
            pr.ProposalAdopted(
                call_id=decided.call_id,
                proposal_id=named,
                group_id=uuid.uuid4(),
                rank=3,
                score="7/1",
                department_id=uuid.uuid4(),
                title_ja="居場所協働事業",
            ),
        )
        # A round past its self-check deadline reads as closed, not as due; an open one as due.
        late, running = uuid.uuid4(), uuid.uuid4()
        checklist = [s.ChecklistItem(key="community", name_ja="地域性")]
        feed(
            p,
            "screening",
            *(
                s.RoundOpened(
                    round_id=rid,
                    fiscal_year=2026,
                    title_ja=title,
                    checklist=checklist,
                    department_ids=[uuid.uuid4()],
                    self_check_deadline=due,
                    opened_on=(deadline - timedelta(days=30)).date(),
                    team_subs=[],
                )
                for rid, title, due in (
                    (late, "締切済みの回", deadline),
                    (running, "受付中の回", datetime.now(TOKYO) + timedelta(days=5)),
                )
            ),
            s.SelfCheckClosed(round_id=late, closed_at=deadline),
        )
        center = site.browser("coord-1", "coordinator")
        page = well_formed(await center.page("/me"))
        closed_round, open_round = item(page, f"/screening/rounds/{late}"), item(page, f"/screening/rounds/{running}")
        assert "自己点検の締切日時" in closed_round
        assert "自己点検の期限" not in closed_round
        assert "自己点検の期限" in open_round
        shown = item(page, f"/proposals/calls/{blocked.call_id}/manage")
        assert "決定保留：定足数不足" in shown
        # One line for both proposals short of the quorum, and the next step: a substitute member.
        assert "定足数に満たない提案：2件（採点できる委員1人／定足数2人）" in shown
        assert "審査会に補充委員を加えてください" in shown
        assert f"/proposals/calls/{blocked.call_id}/manage/substitutes" in links(page)
        found = links(page)
        assert f"/evaluation/adoptions/{named}" not in found
        first, other = item(page, f"/evaluation/adoptions/{proposal}"), item(page, f"/evaluation/adoptions/{second}")
        assert "居場所協働事業 — みどりの会 — 1位 — 採択" in first
        assert "居場所協働事業 — あおぞらの会 — 2位 — 採択" in other
        assert "担当部署が未定の採択提案" in text(page.xpath("//main")[0])
        english = await center.page("/me", lang="en")
        assert "Proposals short of the quorum: 2 (eligible scorers 1, quorum 2)" in text(english.xpath("//main")[0])
        assert "Ibasho collaboration — みどりの会 — rank 1" in item(english, f"/evaluation/adoptions/{proposal}")
        assert "self-checks closed on" in item(english, f"/screening/rounds/{late}")
        assert "self-checks due" not in item(english, f"/screening/rounds/{late}")

        # The center names the department on the evaluation service's page, which creates the project.
        feed(
            p,
            "evaluation",
            ev.ProjectCreated(
                project_id=uuid.uuid4(),
                source=ev.Source.ADOPTION,
                group_id=uuid.uuid4(),
                department_id=uuid.uuid4(),
                title_ja="居場所協働事業",
                call_id=decided.call_id,
                proposal_id=proposal,
                criteria=[ev.Criterion(key="achievement", name_ja="目標の達成度")],
            ),
        )
        page = await center.page("/me", lang="ja")  # back to Japanese (`?lang=` keeps the choice)
        assert f"/evaluation/adoptions/{proposal}" not in links(page)
        assert f"/evaluation/adoptions/{second}" in links(page)
        # Nobody else is shown the center's queues.
        assert f"/evaluation/adoptions/{proposal}" not in links(await site.browser("staff-x", "staff").page("/me"))


async def test_a_team_member_sees_their_round_with_its_undecided_projects_and_which_await_their_assessment(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(["registry", "screening", HUB], tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        screening = p.clients["screening"]
        now = screening_now(p)
        fiscal_year = now.year if now.month >= 4 else now.year - 1
        since = datetime.now(TOKYO).date() - timedelta(days=30)
        kodomo = await department(p, "KODOMO", "子ども家庭課", ["liaison-a", "team-a", "staff-a"], since)
        kankyo = await department(p, "KANKYO", "環境対策課", ["liaison-b", "team-b", "staff-b"], since)
        await join_team(p, [("team-a", kodomo.id), ("team-b", kankyo.id)], since)
        await heard(p, [kodomo, kankyo], ["team-a", "team-b"], now.date())
        projects = []
        for number in ("M-1", "M-2"):
            entry = {"department_id": kodomo.id, "fiscal_year": fiscal_year, "project_number": number}
            record = {"title": f"見守り{number}", "purpose": "高齢者の見守り", "budget_yen": 500_000}
            made = await ok(screening.post("/projects", json={**entry, **record}, headers=coordinator(p)), 201)
            projects.append(str(made.json()["id"]))
        body = round_body(fiscal_year, [kodomo.id], now + timedelta(days=7))
        drafted = await ok(screening.post("/rounds", json=body, headers=coordinator(p)), 201)
        rid = str(drafted.json()["id"])
        await ok(
            screening.post(f"/rounds/{rid}/opening", headers={**coordinator(p), "If-Match": drafted.headers["ETag"]})
        )
        href = f"/screening/rounds/{rid}"

        member = site.browser("team-a", "staff", "team")
        center = site.browser("coord-1", "coordinator")

        async def team_lists(count: int) -> bool:
            section = team_section(await member.page("/me"))
            return section is not None and f"決定待ちの事業：{count}件" in item(section, href)

        await eventually(lambda: team_lists(2), timeout=30)
        assert "決定待ちの事業：2件" in item(well_formed(await center.page("/me")), href)
        # Staff off the team see no team section; a team member of no open round sees none of this round.
        assert team_section(await site.browser("staff-a", "staff").page("/me")) is None
        outsider = team_section(await site.browser("team-x", "staff", "team").page("/me"))
        assert outsider is not None
        assert href not in [str(a) for a in outsider.xpath(".//a/@href")]
        assert "あなたがチームに加わっている実施中の選別の回はありません。" in text(outsider)

        # The round's page: the member's own assessments, and nobody else's.
        first, second = projects
        round_page = well_formed(await member.page(href))
        assert "このページであなたの評価を待つ事業：2 件" in text(round_page.xpath("//main")[0])
        base = f"/rounds/{rid}/projects/{first}"
        await ok(screening.put(f"{base}/self-check", json=answers(), headers=p.token("liaison-a", "staff")))
        await ok(screening.post(f"{base}/assessments", json=answers(), headers=p.token("team-a", "staff")), 201)
        round_page = await member.page(href)
        rows = {
            " ".join(str(r.xpath("th")[0].text_content()).split()): str(r.xpath("td")[-1].text_content()).strip()
            for r in round_page.xpath("//main//table/tbody/tr")
        }
        assert rows == {"M-1 見守りM-1": "提出済み", "M-2 見守りM-2": "あなたの評価待ち"}
        assert "Awaiting yours" in text(
            (await site.browser("team-a", "staff", "team").page(href, lang="en")).xpath("//main")[0]
        )
        other = await site.browser("team-b", "staff", "team").page(href)
        assert [str(r.xpath("td")[-1].text_content()).strip() for r in other.xpath("//main//table/tbody/tr")] == [
            "あなたの評価待ち",
            "あなたの評価待ち",
        ], "team-b's own state: team-a's assessment is not told"
        staff_page = await site.browser("staff-a", "staff").page(href)
        assert not staff_page.xpath("//th[normalize-space()='あなたの評価']")

        # Decided: one project fewer awaits a decision, for the team and the center.
        await ok(screening.post(f"{base}/assessments", json=answers(), headers=p.token("team-b", "staff")), 201)
        current = await ok(screening.get(base, headers=coordinator(p)))
        decision = {"outcome": "suitable", "forms": ["commission"], "reasons_ja": "地域団体の強みが活きる"}
        await ok(
            screening.post(
                f"{base}/decisions", json=decision, headers={**coordinator(p), "If-Match": current.headers["ETag"]}
            ),
            201,
        )
        await eventually(lambda: team_lists(1), timeout=30)
        assert "決定待ちの事業：1件" in item(await center.page("/me"), href)
        assert second  # still pending


async def test_each_role_finds_where_its_own_work_starts_on_its_home_page(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as site:
        reviewer = await site.browser("rev-1", "reviewer").page("/me")
        assert "/proposals/review" in links(reviewer)
        assert "/evaluation/committee" not in links(reviewer)
        evaluator = await site.browser("ev-1", "evaluator").page("/me")
        assert "/evaluation/committee" in links(evaluator)
        auditor = await site.browser("aud-1", "auditor").page("/me", lang="en")
        for svc in ("registry", "proposals", "screening", "evaluation", "info-hub"):
            assert f"/{svc}/audit" in links(auditor)
        assert "Audit of calls and proposals" in text(auditor)
        center = await site.browser("coord-1", "coordinator").page("/me")
        assert "/center" in links(center)
        assert "センターの事業：お知らせ・意見交換・研修・アンケート" in text(center)
        for page in (reviewer, evaluator, auditor, center):
            well_formed(page)
