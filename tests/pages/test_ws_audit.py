"""The auditor's pages (`/<service>/audit`, served by every service from its kernel), in the browser against the real
services: an auditor filters a call's history by its aggregate and by the correlation id of the request that
published it, sees each event's chain fields, and sees no body the visibility policy hides; the recompute page of a
decided call agrees with the decision; a verification runs from the page and says the history verifies; a
coordinator gets the 403 page and a post without the CSRF token is refused. In Japanese and English.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from test_ws_proposals import SERVICES, board_and_groups

from kyodo_registry.visibility import POLICY
from kyodo_shared.audit.visibility import EventPolicy, sealed

from support.calls import TOKYO, close_and_open_review, coordinator, ok, published_call, score, submit
from support.harness import eventually
from support.page_reading import text, well_formed
from support.workspace import Browser, Site, workspace


def history_rows(page: Any) -> list[dict[str, str]]:
    """Each event of the history table (a <tbody> of its own: its fields, its chain fields, its body, each row as wide
    as the table): position, type, aggregate, hash, previous link, link, body as shown."""
    rows = []
    for event in page.xpath("//table[caption[@id='history-caption']]/tbody"):
        fields_row, chain_row, body_row = event.xpath("./tr")
        # Every row after the first is headed by the position (it spans them), so nothing reads as another column.
        position_id = fields_row.xpath("./th/@id")[0]
        assert fields_row.xpath("./th/@rowspan") == ["3"]
        assert [cell.get("headers") for row in (chain_row, body_row) for cell in row.xpath("./td")] == [position_id] * 2
        fields = {
            text(dt): text(dd)
            for row in (fields_row, chain_row)
            for dt, dd in zip(row.xpath(".//dt"), row.xpath(".//dd"), strict=True)
        }
        hidden = body_row.xpath(".//*[@data-hidden]/@data-hidden")
        rows.append(
            {
                "position": text(fields_row.xpath("./th")[0]),
                **fields,
                "body": str(hidden[0]) if hidden else text(body_row.xpath(".//pre")[0]),
            }
        )
    return rows


async def all_chained(browser: Browser, service: str) -> None:
    """Wait until the service's chain holds every stored event (it chains them in the background)."""

    async def chained() -> bool:
        items = (await ok(browser.get(f"/api/{service}/audit/records"))).json()["items"]
        return all(item["link"] is not None for item in items)

    await eventually(chained, timeout=20)


CALL = {
    "kind": "open_call",
    "title_ja": "協働事業提案",
    "description_ja": "提案を募集します。",
    "criteria": [{"key": "need", "name_ja": "必要性", "weight": 1, "max_points": 10}],
    "passing_score": "5",
    "select": 1,
    "committee_id": "",
}


async def call_drafted_and_published(site: Site, committee: str) -> str:
    """A call drafted (correlation id audit-draft-1) and published (audit-publish-1) by a coordinator."""
    p = site.platform
    proposals = p.clients["proposals"]
    deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=20)
    body = {**CALL, "committee_id": committee, "deadline": deadline.isoformat()}
    drafted = await ok(
        proposals.post("/calls", json=body, headers={**coordinator(p), "X-Correlation-ID": "audit-draft-1"}), 201
    )
    call_id: str = drafted.json()["id"]
    published = {**coordinator(p), "If-Match": drafted.headers["ETag"], "X-Correlation-ID": "audit-publish-1"}
    await ok(proposals.post(f"/calls/{call_id}/publication", headers=published))
    return call_id


async def test_an_auditor_filters_a_calls_history_by_aggregate_and_correlation_id_and_sees_no_hidden_body(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        committee, green, _ = await board_and_groups(site.platform)
        call_id = await call_drafted_and_published(site, committee)
        auditor = site.browser("aud-1", "auditor")
        await all_chained(auditor, "proposals")
        for lang, labels in (("ja", JA), ("en", EN)):
            page = well_formed(await auditor.page("/proposals/audit", aggregate=call_id, lang=lang))
            rows = history_rows(page)
            assert [r[labels["type"]] for r in rows] == ["proposals.Call.Drafted", "proposals.Call.Published"]
            assert all(r[labels["aggregate"]].startswith(call_id) for r in rows)
            # The draft is the coordinators' (restricted): its body is not shown, only that it is hidden.
            drafted, published = rows
            assert drafted["body"] == "restricted"
            assert "提案を募集します。" not in text(page.xpath("//table")[0].xpath("./tbody/tr")[0])
            assert '"chair_sub": "m-1"' in published["body"]
            assert "audit-publish-1" in published["body"]
            # The chain fields as the records API gives them: each link follows the one before.
            records = (await ok(auditor.get("/api/proposals/audit/records"))).json()["items"]
            by_position = {str(r["position"]): r for r in records}
            for row in rows:
                record = by_position[row["position"]]
                assert row[labels["hash"]] == record["stored"]["state_hash"]
                assert row[labels["link"]] == record["link"]
            assert published[labels["previous"]] == by_position[str(int(published["position"]) - 1)]["link"]

            # By correlation id: the publication's request caused the one public event.
            page = well_formed(await auditor.page("/proposals/audit", correlation_id="audit-publish-1", lang=lang))
            assert [r[labels["type"]] for r in history_rows(page)] == ["proposals.Call.Published"]
            # The draft's request: its only event's body is hidden, so a filter on the body never matches it.
            page = well_formed(await auditor.page("/proposals/audit", correlation_id="audit-draft-1", lang=lang))
            assert history_rows(page) == []
            assert labels["none"] in text(page)

            # By time in Japan (the form's datetime-local): the last hour holds the publication, the next none.
            now = datetime.now(TOKYO).replace(second=0, microsecond=0)
            hour_ago, hour_on = (now - timedelta(hours=1)).isoformat()[:16], (now + timedelta(hours=1)).isoformat()[:16]
            page = well_formed(await auditor.page("/proposals/audit", aggregate=call_id, since=hour_ago, lang=lang))
            assert [r[labels["type"]] for r in history_rows(page)] == ["proposals.Call.Published"]
            page = well_formed(await auditor.page("/proposals/audit", aggregate=call_id, since=hour_on, lang=lang))
            assert history_rows(page) == []
            # A filter that is not one is said so beside its field, and lists nothing.
            page = well_formed(await auditor.page("/proposals/audit", aggregate="not-a-uuid", lang=lang, status=422))
            assert page.xpath("//*[@id='aggregate-error']") or page.xpath("//*[contains(@class,'form-error')]")
            assert history_rows(page) == []

            # A group's application in the registry: its representative is personal data, its declarations are the
            # coordinators'; the rest of the body is shown.
            page = well_formed(await auditor.page("/registry/audit", aggregate=green, lang=lang))
            applied = history_rows(page)[0]
            assert applied[labels["type"]] == "registry.Group.Applied"
            assert '"representative": "[personal data redacted]"' in applied["body"]
            assert '"declarations": "[restricted]"' in applied["body"]
            assert "hanako@example.jp" not in text(page)
            assert "山田 花子" not in text(page)
            assert "みどりの会" in applied["body"]

        # A sealed body (the registry seals nothing: here its assessments are sealed until a time not yet known, as
        # proposals are until their call closes): neither shown nor matched by a filter on bodies.
        kernel = site.platform.apps["registry"].state.kernel
        assessed = "kyodo_registry.domain:Group.CriterionAssessed"
        kernel.visibility = replace(
            POLICY, events={**POLICY.events, assessed: EventPolicy(event=sealed(lambda _: None))}
        )
        for lang, shown in (
            ("ja", "封印中：封印期間の終了後に本文を表示します。"),
            ("en", "Sealed: the body is shown once"),
        ):
            page = well_formed(await auditor.page("/registry/audit", aggregate=green, lang=lang))
            rows = [r for r in history_rows(page) if r[(JA if lang == "ja" else EN)["type"]].endswith("Assessed")]
            assert len(rows) == 6
            assert {r["body"] for r in rows} == {"sealed"}
            assert shown in text(page)
        page = await auditor.page("/registry/audit", aggregate=green, since=hour_ago)
        assert not [r for r in history_rows(page) if r["Event type"].endswith("Assessed")]

        # Paged as every list: 20 a page with the total, the filters kept; each page is the API's answer from its
        # first position on.
        first = well_formed(await auditor.page("/registry/audit", per_page="20"))  # English: the language is kept
        positions = [int(r["position"]) for r in history_rows(first)]
        assert len(positions) == 20
        assert positions == sorted(positions)
        total = site.application("registry").recorder.max_notification_id()
        assert f"Showing 1–20 of {total}" in text(first)
        following = first.xpath("//nav[@class='pagination']//a[@rel='next']/@href")
        assert following == ["/registry/audit?page=2"]
        second = well_formed(await auditor.page(following[0]))
        assert int(history_rows(second)[0]["position"]) == positions[-1] + 1
        assert second.xpath("//nav[@class='pagination']//a[@rel='prev']/@href") == ["/registry/audit"]
        assert second.xpath(f"//a[@href='/api/registry/audit/events?after={positions[-1]}&limit=20']")
        # With a type: only that type's events, counted.
        typed = well_formed(await auditor.page("/registry/audit", type="registry.Group.Applied"))
        assert [r["Event type"] for r in history_rows(typed)] == ["registry.Group.Applied"] * 2
        assert "Showing 1–2 of 2" in text(typed)


JA = {
    "type": "イベントの種類",
    "aggregate": "集約",
    "hash": "イベントのハッシュ (SHA-256)",
    "link": "リンク",
    "previous": "前のリンク",
    "none": "条件に合うイベントはありません。",
}
EN = {
    "type": "Event type",
    "aggregate": "Aggregate",
    "hash": "Event hash (SHA-256)",
    "link": "Link",
    "previous": "Previous link",
    "none": "No event matches these filters.",
}


async def decided_call(site: Site) -> str:
    """A call decided by its board: one proposal, scored by all three members (the quorum), the chair decides."""
    p = site.platform
    proposals = p.clients["proposals"]
    committee, green, _ = await board_and_groups(p)
    call_id, deadline = await published_call(p, committee, quorum=3)
    await submit(p, call_id, green, "rep-g", "緑の提案")
    await close_and_open_review(p, call_id, deadline)
    listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer")))
    proposal_id = listed.json()["items"][0]["proposal_id"]
    for member in ("m-1", "m-2", "m-3"):
        await ok(score(p, call_id, member, proposal_id, 9, 8), 201)
    decision = {"reasons": "規定により決定"}
    await ok(proposals.post(f"/calls/{call_id}/review/decision", json=decision, headers=p.token("m-1", "reviewer")))
    assert (await ok(proposals.get(f"/calls/{call_id}"))).json()["status"] == "results_published"
    return call_id


async def test_the_recompute_page_agrees_with_a_decided_call_and_a_verification_runs_from_the_page(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id = await decided_call(site)
        auditor = site.browser("aud-1", "auditor")
        for lang, agrees, selected in (
            ("ja", "再計算は決定および公表された結果と一致しました。", "選定"),
            ("en", "The recompute agrees with the decision and the published results.", "Selected"),
        ):
            page = well_formed(await auditor.page(f"/proposals/audit/calls/{call_id}", lang=lang))
            assert page.xpath("//*[@data-verdict]/@data-verdict") == ["agrees"]
            assert agrees in text(page)
            ranking = page.xpath("//table[caption[@id='ranking-caption']]/tbody/tr")
            assert len(ranking) == 1
            assert selected in text(ranking[0])
        # The history's call events link to it, and the recompute form leads there.
        page = await auditor.page("/proposals/audit", aggregate=call_id)
        assert page.xpath(f"//a[@href='/proposals/audit/calls/{call_id}']")
        chosen = await auditor.get("/proposals/audit/calls", id=call_id)
        assert (chosen.status_code, chosen.headers["location"]) == (303, f"/proposals/audit/calls/{call_id}")

        # Verify now: refused without the CSRF token, then run; the page shows the result.
        await all_chained(auditor, "proposals")
        page = well_formed(await auditor.page("/proposals/audit", lang="en"))
        assert "No verification has run since the service started." in text(page)
        refused = await auditor.post("/proposals/audit/verification", csrf=False)
        assert refused.status_code == 403
        assert "No verification has run" in text(await auditor.page("/proposals/audit", lang="en"))
        ran = await auditor.post("/proposals/audit/verification")
        assert (ran.status_code, ran.headers["location"]) == (303, "/proposals/audit#verification")
        for lang, verdict in (("ja", "OK：履歴は検証に合格しました。"), ("en", "OK: the history verifies.")):
            page = well_formed(await auditor.page("/proposals/audit", lang=lang))
            assert page.xpath("//*[@data-verdict]/@data-verdict") == ["ok"]
            assert verdict in text(page)
            assert "aud-1" in text(page)


async def test_a_coordinator_gets_the_403_page_and_cannot_run_a_verification(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        committee, _, _ = await board_and_groups(site.platform)
        call_id = await call_drafted_and_published(site, committee)
        coord = site.browser("coord-1", "coordinator")
        for lang, forbidden in (("ja", "権限がありません"), ("en", "requires one of the roles: auditor")):
            for path in ("/proposals/audit", f"/proposals/audit/calls/{call_id}", "/registry/audit"):
                page = await coord.page(path, status=403, lang=lang)
                assert forbidden in text(page)
                assert not page.xpath("//table[caption[@id='history-caption']]")
        forced = await coord.post("/proposals/audit/verification")
        assert forced.status_code == 403
        # Nothing ran: the auditor's page still says so.
        page = await site.browser("aud-1", "auditor").page("/proposals/audit", lang="en")
        assert "No verification has run since the service started." in text(page)
