"""The proposals workspace's forms in the browser (real stores, real NATS, logged-in sessions): invalid input shown
beside its fields in both languages with nothing stored, a post without the session's CSRF token refused, a draft
cancelled with its reason; a coordinator amends a published call, opens the review after the deadline, pins a
member's conflict and adds a substitute (refused when they may not), a group's session refused the coordinator's
actions; a group reads its own scores and comments after the decision, and no other group's.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from test_ws_proposals import (
    SERVICES,
    board_and_groups,
    own,
    proposal_form,
    submit_by_form,
)

from support.calls import TOKYO, close_and_open_review, ok, published_call, registered_group, score, submit
from support.harness import eventually
from support.page_reading import doc, error_beside, text, version_on, well_formed
from support.workspace import workspace


async def test_invalid_input_is_shown_beside_its_fields_in_both_languages_and_nothing_is_stored(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee, green, _ = await board_and_groups(p)
        coordinator = site.browser("coord-1", "coordinator")
        draft = {
            "kind": "open_call",
            "title_ja": "",
            "description_ja": "説明",
            "deadline": "2020-01-01T10:00",
            "committee_id": committee,
            "criteria.0.key": "Need!",
            "criteria.0.name_ja": "必要性",
            "criteria.0.weight": "重い",
            "criteria.0.max_points": "10",
            "formula": "weighted_sum_of_means",
            "passing_score": "x",
        }
        for lang, expected in (("ja", "入力"), ("en", "Field required")):
            refused = await coordinator.post(f"/proposals/calls/new?lang={lang}", draft)
            assert refused.status_code == 422
            page = well_formed(doc(refused))
            assert page.xpath("//*[@data-error-summary]")
            assert error_beside(page, "title_ja")
            assert error_beside(page, "criteria.0.key")
            assert error_beside(page, "criteria.0.weight")
            assert error_beside(page, "passing_score")
            # What was typed stays in the form.
            assert page.xpath("//input[@name='criteria.0.weight']/@value") == ["重い"]
            if lang == "en":
                assert expected in error_beside(page, "title_ja")
            # The summary names each field, a row's with its number.
            summary = text(page.xpath("//*[@data-error-summary]")[0])
            assert ("件名（日本語）" if lang == "ja" else "Title (Japanese)") in summary
            assert ("評価基準 1" if lang == "ja" else "Criterion 1") in summary
            links = [str(a.get("href")) for a in page.xpath("//*[@data-error-summary]//a")]
            assert links.index("#field-title_ja") < links.index("#field-criteria-0-key")  # in the page's order
        # Sent again and again (the blank rows with it), the form keeps one filled row and three blank ones.
        typed = "//form//input[@name!='csrf_token' and @type!='radio' and @type!='checkbox']"
        shown = {str(i.get("name")): str(i.get("value") or "") for i in page.xpath(typed)}
        for _ in range(2):
            again = await coordinator.post("/proposals/calls/new", {**shown, "committee_id": committee})
            assert again.status_code == 422
            page = doc(again)
            shown = {str(i.get("name")): str(i.get("value") or "") for i in page.xpath(typed)}
        assert len(page.xpath("//input[starts-with(@name, 'criteria.') and contains(@name, '.key')]")) == 4
        # A rule the domain checks against the service clock: the deadline already past, beside the deadline.
        past = {**draft, "title_ja": "題", "criteria.0.key": "need", "criteria.0.weight": "1", "passing_score": "5"}
        refused = await coordinator.post("/proposals/calls/new?lang=ja", past)
        assert refused.status_code == 422
        assert "締切" in error_beside(doc(refused), "deadline")
        listed = await ok(site.api("proposals").get("/calls", headers=p.token("coord-1", "coordinator")))
        assert listed.json()["total"] == 0

        # Without the session's CSRF token: refused, nothing drafted.
        ready = {**past, "deadline": "2099-01-01T10:00"}
        assert (await coordinator.post("/proposals/calls/new", ready, csrf=False)).status_code == 403
        listed = await ok(site.api("proposals").get("/calls", headers=p.token("coord-1", "coordinator")))
        assert listed.json()["total"] == 0

        # With the token the draft is made; its cancellation needs a reason, shown beside the field when missing.
        made = await coordinator.post("/proposals/calls/new", ready)
        assert made.status_code == 303
        draft_id = made.headers["location"].split("/")[3]
        cancellation = f"/proposals/calls/{draft_id}/manage/cancellation"
        page = well_formed(await coordinator.page(cancellation, lang="ja"))
        seen = version_on(page, cancellation)
        refused = await coordinator.post(cancellation, {"version": seen})
        assert refused.status_code == 422
        assert error_beside(doc(refused), "reason")
        assert (await coordinator.post(cancellation, {"version": seen, "reason": "予算の見直し"})).status_code == 303
        cancelled = (await ok(site.api("proposals").get(f"/calls/{draft_id}"))).json()
        assert (cancelled["status"], cancelled["status_reason"]) == ("cancelled", "予算の見直し")
        # Its manage page says no action is left rather than showing an empty heading.
        gone = well_formed(await coordinator.page(f"/proposals/calls/{draft_id}/manage", lang="ja"))
        assert "中止された募集では操作できません" in text(gone)

        # A group's proposal: each error beside its field (the API's JSON path), nothing stored.
        call_id, _ = await published_call(p, committee)
        rep = site.browser("rep-g", "group")
        path = f"/proposals/calls/{call_id}/proposal"
        bad = {**proposal_form("", green, amount="たくさん")}
        exe = {"attachments.0": ("run.exe", b"MZ", "application/x-msdownload")}
        for lang in ("ja", "en"):
            refused = await rep.post(f"{path}?lang={lang}", bad, files=exe)
            assert refused.status_code == 422
            page = doc(refused)
            assert error_beside(page, "content.summary")
            assert error_beside(page, "content.budget.0.amount_yen")
            assert error_beside(page, "attachments.0")
        assert "Choose a PDF, text, PNG or JPEG file." in error_beside(page, "attachments.0")
        # A file over 128 KB (the form's body within its limit): refused beside its input, the form kept.
        large = {"attachments.1": ("大きい.pdf", b"%PDF-1.7 " + bytes(200 * 1024), "application/pdf")}
        refused = await rep.post(f"{path}?lang=ja", proposal_form("正しい内容", green), files=large)
        assert refused.status_code == 422, refused.text[:500]
        assert "128 KB 以下" in error_beside(doc(refused), "attachments.1")
        assert doc(refused).xpath("//textarea[@name='content.summary']")[0].text == "正しい内容"
        assert (await own(site, call_id, green, "rep-g")).status_code == 404
        no_token = await rep.post(path, proposal_form("正しい内容", green), csrf=False)
        assert no_token.status_code == 403
        assert (await own(site, call_id, green, "rep-g")).status_code == 404

        # Results before the decision: unavailable, with the reason.
        results = await rep.page(f"/proposals/calls/{call_id}/my-results", group=green, lang="ja")
        assert "結果はまだ公表されていません" in text(results)
        assert not results.xpath(f"//a[@href='/calls/{call_id}/results']")  # not linked before they exist

        # A person acting for two groups names none: the page asks which, and opens the one chosen.
        second = await registered_group(p, "rep-g", "みどりの会 第二")
        chooser = well_formed(await rep.page(path, lang="ja"))
        links = sorted(str(a) for a in chooser.xpath("//main//a/@href"))
        assert links == sorted(f"{path}?group={g}" for g in (green, second))
        assert not chooser.xpath("//form[@enctype]")


async def test_a_coordinator_amends_cancels_and_opens_the_review_and_a_group_reads_its_own_results(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee, green, food = await board_and_groups(p)
        coordinator = site.browser("coord-1", "coordinator")
        proposals = site.api("proposals")
        call_id, deadline = await published_call(p, committee)
        manage = f"/proposals/calls/{call_id}/manage"

        # An amendment without its reason is shown beside the reason; nothing changes.
        amendment = f"{manage}/amendment"
        form = well_formed(await coordinator.page(amendment, lang="ja"))
        values = {
            str(i.get("name")): str(i.get("value") or "")
            for i in form.xpath(f"//form[@action='{amendment}']//input[@type!='checkbox' and @type!='radio']")
        }
        values["passing_score"] = "12"
        values["deadline"] = (deadline + timedelta(days=8)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
        values.pop("csrf_token")
        boards = form.xpath(f"//form[@action='{amendment}']//input[@name='board'][@checked]/@value")
        assert sorted(boards) == ["m-1", "m-2", "m-3"]
        fields = [*values.items(), *(("board", b) for b in boards), ("formula", "weighted_sum_of_means")]
        # The deadline alone is not an amendment: said beside the form before anything is sent.
        only_deadline = [(k, v) for k, v in fields if k != "passing_score"]
        only_deadline += [("passing_score", str(form.xpath("//input[@name='passing_score']/@value")[0]))]
        refused = await coordinator.post(amendment, [*only_deadline, ("reason", "延長")])
        assert refused.status_code == 422
        assert "締切だけの延長はできません" in text(doc(refused).xpath("//*[@data-error-summary]")[0])
        assert "7 日以上" in text(doc(refused).xpath("//*[@id='amendment-rule']")[0])
        # Too short an extension: beside the deadline, whose hint names the minimum.
        short = [(k, v) for k, v in fields if k != "deadline"]
        short += [("deadline", (deadline + timedelta(days=1)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M"))]
        refused = await coordinator.post(amendment, [*short, ("reason", "配点の見直し")])
        assert refused.status_code == 409
        assert error_beside(doc(refused), "deadline")
        refused = await coordinator.post(amendment, fields)
        assert refused.status_code == 422
        assert error_beside(doc(refused), "reason")
        assert (await ok(proposals.get(f"/calls/{call_id}"))).json()["amendments"] == []
        amended = await coordinator.post(amendment, [*fields, ("reason", "配点の見直し")])
        assert amended.status_code == 303, amended.text[:3000]
        call = (await ok(proposals.get(f"/calls/{call_id}"))).json()
        assert call["amendments"][0]["changes"] == ["passing_score"]
        assert call["rules"]["passing_score"] == "12/1"
        deadline = deadline + timedelta(days=8)
        page = await coordinator.page(manage)
        assert "配点の見直し" in text(page)
        # Before the deadline the review cannot open: unavailable, with the reason.
        assert page.xpath("//button[@disabled][@aria-describedby='review-why']")

        # A group's session cannot act as the coordinator: the forced cancellation is refused, nothing stored.
        rep = site.browser("rep-g", "group")
        forced = await rep.post(f"{manage}/cancellation", {"reason": "乗っ取り", "version": '"3"'})
        assert forced.status_code == 403
        await rep.page(manage, status=403)

        for group_id, sub in ((green, "rep-g"), (food, "rep-f")):
            await submit_by_form(site.browser(sub, "group"), call_id, group_id, f"{sub}の提案")
        p.apps["proposals"].state.kernel.clock = lambda: deadline + timedelta(seconds=1)

        async def closed() -> bool:
            return bool((await proposals.get(f"/calls/{call_id}")).json()["status"] == "closed")

        await eventually(closed, timeout=20)
        page = await coordinator.page(manage)
        assert not page.xpath(f"//a[@href='{amendment}']")
        unconfirmed = await coordinator.post(f"{manage}/review", {})
        assert unconfirmed.status_code == 422  # opening the review is confirmed with its box ticked
        assert error_beside(doc(unconfirmed), "confirm")
        assert (await ok(proposals.get(f"/calls/{call_id}"))).json()["status"] == "closed"
        opened = await coordinator.post(f"{manage}/review", {"confirm": "yes"})
        assert opened.status_code == 303, opened.text[:3000]
        page = await coordinator.page(manage)
        assert page.xpath(f"//a[@href='{manage}/pinned-conflicts']")
        # No quorum failure: adding a substitute is unavailable, with the reason.
        assert not page.xpath(f"//a[@href='{manage}/substitutes']")
        assert page.xpath("//button[@disabled][@aria-describedby='substitute-why']")
        pinning = well_formed(await coordinator.page(f"{manage}/pinned-conflicts"))
        well_formed(await coordinator.page(f"{manage}/substitutes", lang="en"))
        well_formed(await coordinator.page(f"{manage}/cancellation"))
        options = pinning.xpath("//select[@name='proposal_id']/option[@value!='']")
        assert sorted(text(o) for o in options) == ["みどりの会", "子ども食堂"]
        assert "rep-g の提案" not in text(pinning)  # ids and group names, never content

        # A pinned conflict needs its reason; a substitute joins only when the quorum fails (409, on the form).
        pin = {"member_sub": "m-3", "proposal_id": str(options[0].get("value")), "kind": "officer"}
        refused = await coordinator.post(f"{manage}/pinned-conflicts", pin)
        assert refused.status_code == 422
        assert error_beside(doc(refused), "reason")
        early = await coordinator.post(f"{manage}/substitutes?lang=ja", {"member_sub": "m-1", "reason": "補充"})
        assert early.status_code == 409
        assert "定足数不足のときのみ" in text(doc(early))

        # The board scores and decides through the API; the group reads its own scores and comments on its page.
        listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer")))
        ids = {item["group_id"]: item["proposal_id"] for item in listed.json()["items"]}
        for member in ("m-1", "m-2", "m-3"):
            for group_id, need in ((green, 9), (food, 7)):
                await ok(score(p, call_id, member, ids[group_id], need, 8), 201)
        await ok(
            proposals.post(
                f"/calls/{call_id}/review/decision",
                json={"reasons": "規定により決定"},
                headers=p.token("m-1", "reviewer"),
            )
        )
        mine = well_formed(await rep.page(f"/proposals/calls/{call_id}/my-results", group=green, lang="ja"))
        assert "所見" in text(mine)  # the reviewers' comments, for the group only
        # Each comment under the letter its scores carry in the table.
        assert [text(dt) for dt in mine.xpath("//dl[dd='所見']/dt")] == ["委員 A", "委員 B", "委員 C"]
        published = f"//a[@href='/calls/{call_id}/results']"
        assert mine.xpath(published)  # the public results, linked once they exist
        assert "規定により決定" in text(mine)
        rows = mine.xpath("//table//tbody/tr")
        assert [text(r.xpath("th")[0]) for r in rows] == ["A", "B", "C"]
        assert {text(r.xpath("td")[0]) for r in rows} == {"9"}
        # The score with the rule it is judged by; numeric headers aligned with their numbers.
        assert text(mine.xpath("//dt[.='得点']/following-sibling::dd[1]")[0]) == "26（合格点 12・満点 30）"
        assert all("num" in str(th.get("class")) for th in mine.xpath("//table//thead/th[position() > 1]"))
        # A group that passed but was not selected is told why: the call selects at most one.
        theirs = well_formed(
            await site.browser("rep-f", "group").page(f"/proposals/calls/{call_id}/my-results", group=food, lang="ja")
        )
        assert "合格点に達した提案のうち順位が上位の1件まで" in text(
            theirs.xpath("//dt[.='選定']/following-sibling::dd[1]")[0]
        )
        # Another group's session reads its own results only.
        await site.browser("rep-f", "group").page(f"/proposals/calls/{call_id}/my-results", status=404, group=green)


async def test_a_pinned_conflict_is_listed_on_the_manage_page_in_the_registrys_words(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee, green, food = await board_and_groups(p)
        call_id, deadline = await published_call(p, committee)
        await submit(p, call_id, green, "rep-g", "緑の提案")
        await submit(p, call_id, food, "rep-f", "食の提案")
        await close_and_open_review(p, call_id, deadline)
        coordinator = site.browser("coord-1", "coordinator")
        manage = f"/proposals/calls/{call_id}/manage"
        assert "固定した利害関係はありません" in text(await coordinator.page(manage, lang="ja"))

        pinning = well_formed(await coordinator.page(f"{manage}/pinned-conflicts", lang="ja"))
        kinds = [text(o) for o in pinning.xpath("//select[@name='kind']/option[@value!='']")]
        assert kinds[:3] == ["会員", "役員", "親族・近しい関係"]  # as the registry's declarations say them
        green_proposal = next(
            str(o.get("value"))
            for o in pinning.xpath("//select[@name='proposal_id']/option")
            if text(o) == "みどりの会"
        )
        pin = {"member_sub": "m-3", "proposal_id": green_proposal, "kind": "officer", "reason": "団体の役員を務める"}
        pinned = await coordinator.post(f"{manage}/pinned-conflicts", pin)
        assert pinned.status_code == 303, pinned.text[:2000]
        page = well_formed(await coordinator.page(manage, lang="ja"))
        assert "m-3 — みどりの会 (役員)" in text(page)
        # The review is not blocked: a substitute is unavailable, with the reason; one list of the board.
        assert page.xpath("//button[@disabled][@aria-describedby='substitute-why']")
        assert [text(li) for li in page.xpath("//h2[.='審査委員']/following-sibling::ul[1]/li")] == [
            "m-1 — 委員長",
            "m-2",
            "m-3",
        ]
