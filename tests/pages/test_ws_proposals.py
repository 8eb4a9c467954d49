"""The proposals workspace in the browser (real stores, real NATS, logged-in sessions): a coordinator drafts and
publishes a call through the forms; groups submit sealed proposals through the form, download their signed receipts
and verify them as `kyodo receipt verify` does; a group revises and withdraws before the deadline; after it,
submitting is unavailable and a forced post is refused with nothing stored; one group's session can neither read
nor act on another's proposal. The helpers here serve test_ws_proposals_forms.py too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kyodo_shared.cli.receipt import verify_files

from support.calls import TOKYO, appointed_committee, content, ok, published_call, registered_group, review_board
from support.harness import Platform, eventually
from support.page_reading import doc, error_beside, text, version_on, well_formed
from support.workspace import Browser, Site, workspace

SERVICES = ["registry", "proposals"]


def proposal_form(summary: str, group_id: str, amount: str = "240000") -> dict[str, str]:
    return {
        "group_id": group_id,
        "content.summary": summary,
        "content.plan": "地域の空き店舗で週3回の居場所を開く。",
        "content.budget.0.item": "会場費",
        "content.budget.0.amount_yen": amount,
        "content.schedule.0.period": "4月〜6月",
        "content.schedule.0.activity": "準備",
        "content.team.0.role": "代表",
        "content.team.0.description": "統括",
    }


async def own(site: Site, call_id: str, group_id: str, rep: str) -> Any:
    """The group's proposal as the API answers its own people (404 when there is none)."""
    return await site.api("proposals").get(
        f"/calls/{call_id}/proposals/{group_id}", headers=site.platform.token(rep, "group")
    )


async def board_and_groups(p: Platform) -> tuple[str, str, str]:
    """The review board (m-1 chairs, m-2 vice) and two registered groups: みどりの会 (rep-g), 子ども食堂 (rep-f)."""
    committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
    return committee, await registered_group(p, "rep-g", "みどりの会"), await registered_group(p, "rep-f", "子ども食堂")


async def submit_by_form(browser: Browser, call_id: str, group_id: str, summary: str, **files: Any) -> None:
    page = well_formed(await browser.page(f"/proposals/calls/{call_id}/proposal", group=group_id))
    assert page.xpath(f"//form[@action='/proposals/calls/{call_id}/proposal'][@enctype='multipart/form-data']")
    sent = await browser.post(
        f"/proposals/calls/{call_id}/proposal", proposal_form(summary, group_id), files=files or {"none": ("", b"", "")}
    )
    assert sent.status_code == 303, sent.text[:2000]
    assert sent.headers["location"] == f"/proposals/calls/{call_id}/proposal?group={group_id}&done=proposal_submitted"


async def verified(site: Site, browser: Browser, call_id: str, group_id: str, folder: Path, body: Any) -> int:
    """Download the receipt from the page's link and check it with the CLI's own function (and its content)."""
    page = well_formed(await browser.page(f"/proposals/calls/{call_id}/proposal", group=group_id))
    link = page.xpath("//a[@download]/@href")[0]
    assert "kyodo receipt verify" in text(page)
    download = await browser.get(link)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert download.headers["content-type"].startswith("application/json")
    api = await own(site, call_id, group_id, browser.sub)
    assert json.loads(download.text) == api.json()["receipt"]  # exactly what the API gives
    keys = await ok(site.api("proposals").get("/audit/keys"))
    (folder / "receipt.json").write_text(download.text, encoding="utf-8")
    (folder / "keys.json").write_text(keys.text, encoding="utf-8")
    (folder / "content.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return verify_files(folder / "receipt.json", folder / "keys.json", folder / "content.json", [])


async def test_a_coordinator_publishes_a_call_through_the_forms_and_two_groups_submit_with_receipts_that_verify(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee, green, food = await board_and_groups(p)
        evaluators = await appointed_committee(
            p, "evaluation_committee", "協働事業評価委員会", ["e-1", "e-2", "e-3"], "e-1", None, date.today()
        )
        view = p.apps["proposals"].state.kernel.application.view
        await eventually(lambda: len(view.board(evaluators, date.today()).members) == 3, timeout=20)
        coordinator = site.browser("coord-1", "coordinator")
        # Screening decisions as the screening service's events leave them in proposals' read model: one suitable,
        # one not; only the suitable one is offered, by project number and title.
        with p.apps["proposals"].state.kernel.application.db.transaction() as tx:
            for decision_id, outcome, number in (
                ("d-suitable", "suitable", "R8-001"),
                ("d-not", "not_suitable", "R8-002"),
            ):
                tx.execute(
                    "INSERT INTO scr_decisions (decision_id, outcome, round_id, project_id, project_number, title, "
                    "department_id, fiscal_year, forms, decided_at) "
                    "VALUES (%s, %s, 'r', 'p', %s, '見守り事業', 'd', 2026, '[]', '2026-12-01T00:00:00+00:00')",
                    (decision_id, outcome, number),
                )

        form = well_formed(await coordinator.page("/proposals/calls/new"))
        assert len(form.xpath("//h1")) == 1
        decisions = form.xpath("//select[@name='screening_decision_id']/option[@value!='']")
        assert [(str(o.get("value")), text(o)) for o in decisions] == [("d-suitable", "R8-001 見守り事業（2026年度）")]
        # Only review boards are offered, named by their kind (never the evaluation committee, never a bare id).
        offered = form.xpath("//select[@name='committee_id']/option[@value!='']")
        assert [str(o.get("value")) for o in offered] == [committee]
        assert "協働事業審査会" in text(offered[0])  # its name, from the registry's event establishing it
        assert committee[:8] not in text(offered[0])
        deadline = p.apps["proposals"].state.kernel.service_clock() + timedelta(days=20)
        local = deadline.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
        drafted = await coordinator.post(
            "/proposals/calls/new",
            {
                "kind": "open_call",
                "title_ja": "居場所づくり協働事業",
                "description_ja": "提案を募集します。",
                "deadline": local,
                "committee_id": committee,
                "quorum": "3",
                "criteria.0.key": "need",
                "criteria.0.name_ja": "必要性",
                "criteria.0.weight": "2",
                "criteria.0.max_points": "10",
                "criteria.1.key": "feasibility",
                "criteria.1.name_ja": "実現性",
                "criteria.1.weight": "1",
                "criteria.1.max_points": "10",
                "formula": "weighted_sum_of_means",
                "passing_score": "15",
                "select": "1",
                "tie_rule": "lottery",
            },
        )
        assert drafted.status_code == 303, drafted.text[:3000]
        manage = drafted.headers["location"].split("?")[0]
        call_id = manage.split("/")[3]
        page = well_formed(await coordinator.page(manage, done="call_drafted"))
        assert "下書き" in text(page.xpath("//dl")[0])
        # The draft revised through its form, which shows the draft as stored (its criteria rows included).
        revision = f"/proposals/calls/{call_id}/manage/revision"
        form = well_formed(await coordinator.page(revision))
        shown = {
            str(i.get("name")): str(i.get("value") or "")
            for i in form.xpath(f"//form[@action='{revision}']//input[@type!='radio']")
            if i.get("name") != "csrf_token"
        }
        assert (shown["criteria.1.key"], shown["deadline"], shown["passing_score"]) == ("feasibility", local, "15")
        texts = {str(t.get("name")): str(t.text or "") for t in form.xpath("//textarea")}
        chosen = {
            str(s.get("name")): str(s.xpath("option[@selected]/@value")[0])
            for s in form.xpath("//select")
            if s.xpath("option[@selected]")
        }
        body = {**shown, **texts, **chosen, "kind": "open_call", "title_ja": "居場所づくり協働事業（改）"}
        assert (await coordinator.post(revision, body)).status_code == 303
        revised = await ok(site.api("proposals").get(f"/calls/{call_id}", headers=p.token("coord-1", "coordinator")))
        assert revised.json()["rules"]["title_ja"] == "居場所づくり協働事業（改）"
        assert revised.json()["rules"]["criteria"][1]["key"] == "feasibility"
        page = well_formed(await coordinator.page(manage))
        publication = f"/proposals/calls/{call_id}/manage/publication"
        # Publishing cannot be undone: without its confirmation box ticked it is refused beside the box.
        unconfirmed = await coordinator.post(publication, {"version": version_on(page, publication)})
        assert unconfirmed.status_code == 422
        assert error_beside(doc(unconfirmed), "confirm")
        assert (
            await ok(site.api("proposals").get(f"/calls/{call_id}", headers=p.token("coord-1", "coordinator")))
        ).json()["status"] == "draft"
        published = await coordinator.post(publication, {"version": version_on(page, publication), "confirm": "yes"})
        assert published.status_code == 303, published.text[:3000]
        call = (await ok(site.api("proposals").get(f"/calls/{call_id}"))).json()
        assert call["status"] == "published"
        assert call["rules"]["deadline"].startswith(f"{local}:00+09:00")
        board = well_formed(await coordinator.page(manage))
        assert "協働事業審査会の委員" in text(board)  # the board named as the registry names it
        listing = well_formed(await coordinator.page("/proposals/calls"))
        assert listing.xpath(f"//a[@href='/proposals/calls/{call_id}/manage']")

        green_rep, food_rep = site.browser("rep-g", "group"), site.browser("rep-f", "group")
        link = f"//a[@href='/proposals/calls/{call_id}/proposal?group={green}']"

        async def listed_open() -> bool:  # the list reads the call index, which follows the call's events
            return bool((well_formed(await green_rep.page("/proposals/calls"))).xpath(link))

        await eventually(listed_open, timeout=20)
        pdf = ("計画.pdf", b"%PDF-1.7 plan", "application/pdf")
        await submit_by_form(green_rep, call_id, green, "緑の居場所", **{"attachments.0": pdf})
        await submit_by_form(food_rep, call_id, food, "食の居場所")

        revising = well_formed(await green_rep.page(f"/proposals/calls/{call_id}/proposal", group=green))
        assert "計画.pdf" in text(revising.xpath("//ul[@aria-describedby='attachments-replaced']")[0])
        pdf_hash = hashlib.sha256(pdf[1]).hexdigest()
        green_body = {"content": content("緑の居場所"), "attachments": [{"sha256": pdf_hash}]}
        assert await verified(site, green_rep, call_id, green, tmp_path, green_body) == 0
        assert await verified(site, food_rep, call_id, food, tmp_path, {"content": content("食の居場所")}) == 0
        # The receipt does not cover other content: the same check fails for a changed summary.
        assert await verified(site, food_rep, call_id, food, tmp_path, {"content": content("別の内容")}) == 1
        listed = well_formed(await green_rep.page("/proposals/calls", lang="en"))
        assert "緑の居場所" not in text(listed)  # the list names the proposal, never shows its content
        assert listed.xpath(f"//a[@href='/proposals/calls/{call_id}/proposal?group={green}']")


async def test_a_group_revises_and_withdraws_before_the_deadline_and_nothing_is_taken_after_it(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee, green, food = await board_and_groups(p)
        call_id, deadline = await published_call(p, committee)
        green_rep, food_rep = site.browser("rep-g", "group"), site.browser("rep-f", "group")
        path = f"/proposals/calls/{call_id}/proposal"
        await submit_by_form(green_rep, call_id, green, "初版")

        # A revision names the version the page showed: a new version with a new receipt.
        page = await green_rep.page(path, group=green)
        assert page.xpath("//textarea[@name='content.summary']")[0].text == "初版"  # its own people read it
        # Three attachments, each within the stated 128 KB: the form's body is larger than the pages' default
        # limit and is taken whole.
        files = {
            f"attachments.{n}": (f"資料{n}.pdf", b"%PDF-1.7 " + bytes(120 * 1024), "application/pdf") for n in range(3)
        }
        revised = await green_rep.post(
            path, {**proposal_form("改訂版", green), "version": version_on(page, path)}, files=files
        )
        assert revised.status_code == 303, revised.text[:2000]
        assert len((await ok(own(site, call_id, green, "rep-g"))).json()["attachments"]) == 3
        stored = (await ok(own(site, call_id, green, "rep-g"))).json()
        assert (stored["version"], stored["content"]["summary"], stored["receipt"]["proposal_version"]) == (
            2,
            "改訂版",
            2,
        )
        page = await green_rep.page(path, group=green)
        assert "改訂版" in text(page)

        # Another group's session: the page, the receipt and every action on this proposal are refused.
        await food_rep.page(path, status=404, group=green)
        assert (await food_rep.get(f"{path}/receipt", group=green)).status_code == 404
        forced = await food_rep.post(
            path, {**proposal_form("乗っ取り", green), "version": '"2"'}, files={"x": ("", b"", "")}
        )
        assert forced.status_code == 403
        assert "text/html" in forced.headers["content-type"]
        taken = await food_rep.post(f"{path}/withdrawal", {"group_id": green, "version": '"2"', "confirm": "yes"})
        assert taken.status_code == 403
        stored = (await ok(own(site, call_id, green, "rep-g"))).json()
        assert (stored["version"], stored["withdrawn"], stored["content"]["summary"]) == (2, False, "改訂版")

        # The withdrawal, before the deadline.
        withdrawal = f"{path}/withdrawal"
        seen = version_on(page, withdrawal)
        unconfirmed = await green_rep.post(withdrawal, {"group_id": green, "version": seen})
        assert unconfirmed.status_code == 422  # a withdrawal is confirmed with its box ticked
        assert error_beside(doc(unconfirmed), "confirm")
        assert (await ok(own(site, call_id, green, "rep-g"))).json()["withdrawn"] is False
        withdrawn = await green_rep.post(withdrawal, {"group_id": green, "version": seen, "confirm": "yes"})
        assert withdrawn.status_code == 303, withdrawn.text[:2000]
        assert (await ok(own(site, call_id, green, "rep-g"))).json()["withdrawn"] is True
        page = await green_rep.page(path, group=green, done="proposal_withdrawn")
        assert "取り下げ済み" in text(page)
        # Sealed as the API's routes are: the pages' submissions, revisions, withdrawals and reads are not counted.
        await green_rep.page("/proposals/calls")  # a public page, counted
        metrics = (await p.clients["proposals"].get("/metrics")).text
        assert 'route="page:/proposals/calls"' in metrics
        assert "/proposals/calls/{call_id}/proposal" not in metrics
        assert not page.xpath(f"//form[@action='{withdrawal}']")
        # 版 is the receipt's content version (2), not the proposal's record version (3 after the withdrawal).
        facts = page.xpath("//dl[dt='版']")[0]
        assert text(facts.xpath("dd")[0]).startswith("2")

        # After the deadline: unavailable with the reason; a forced post is refused and nothing is stored.
        p.apps["proposals"].state.kernel.clock = lambda: deadline + timedelta(seconds=1)
        page = well_formed(await food_rep.page(path, group=food))
        assert not page.xpath(f"//form[@action='{path}']")
        assert page.xpath("//button[@disabled]")
        assert "締切を過ぎたため" in text(page)
        late = await food_rep.post(path, proposal_form("遅れた提案", food), files={"x": ("", b"", "")})
        assert late.status_code == 409
        assert "締切を過ぎています" in text(doc(late))
        assert (await own(site, call_id, food, "rep-f")).status_code == 404
        english = await food_rep.page(path, group=food, lang="en")
        assert "The deadline has passed" in text(english)
