"""Security review of the workspace pages of issue 21 (review board, evaluation committee, the center's programmes,
the auditor's pages): each test acts as a party would — a member who has not scored yet, one recused, one not on
the board, a coordinator on the auditor's pages, an auditor on the center's, an attacker's query string — and checks
what reaches them. Findings and what was checked: /tmp/k/security21.md (summarised in each docstring)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_ws_proposals import SERVICES
from test_ws_proposals_review import PDF as REVIEW_PDF
from test_ws_proposals_review import review, reviewed_call
from test_ws_proposals_review import score_form as review_score

from kyodo_shared.audit import pages_verify
from kyodo_shared.audit.pages_verify import verifications

from support.calls import (
    TOKYO,
    close_and_open_review,
    ok,
    published_call,
    registered_group,
    review_board,
    score,
    submit,
)
from support.evaluation_committee_pages import committee_path, committee_scene, score_form
from support.evaluation_http import ended, evaluating, self_evaluation
from support.info_hub_cases import HUB
from support.info_hub_news import PDF
from support.page_reading import doc
from support.workspace import Browser, workspace

# What only the members' own scores and the proposals' texts contain: none of it may reach those not entitled.
VICE_COMMENT = "副委員長だけが書いた所見XYZ"
GREEN_TITLE = "緑の居場所づくり"


def _secure_page(answer: httpx.Response, path: str) -> None:
    """A workspace page: HTML, never stored, with the kit's security headers."""
    assert answer.headers.get("cache-control") == "private, no-store", path
    assert answer.headers.get("x-content-type-options") == "nosniff", path
    policy = answer.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy or answer.headers.get("x-frame-options") == "DENY", (path, policy)


async def _refused(browser: Browser, path: str, *hidden: str, also: int = 0) -> None:
    answer = await browser.get(path)
    assert answer.status_code in (403, 404, also), (browser.sub, path, answer.status_code)
    for secret in hidden:
        assert secret not in answer.text, (browser.sub, path, secret)


async def test_the_decision_preview_and_the_scores_reach_no_member_before_their_own_scores_nor_anyone_off_the_board(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """Checked (no finding): the decision page shows the ranking only to the one who confirms, and only once they
    scored every proposal — not to the chair with one proposal still to score, not to the vice-chair who scored
    everything; nobody reads another member's comment before their own score; a member recused from a proposal
    reads neither its text nor its group, on no page (list, proposal, decision) nor its attachment; a reviewer not
    on the board, a coordinator and a group's person get the 403/404 page for every GET and POST, with nothing
    stored; a proposal of another call named under this call is not found (IDOR); a post without the CSRF token
    is refused; every page carries the security headers and is never stored."""
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site)
        chair, vice, third = (site.browser(m, "reviewer") for m in ("m-1", "m-2", "m-3"))
        decision = f"{review(call_id)}/decision"

        # m-3 declares a conflict on みどりの会's proposal through its page: recused from it from then on.
        declared = await third.post(f"{review(call_id, green)}/conflict", {"kind": "member", "reason": "会員です"})
        assert declared.status_code == 303, declared.text[:2000]
        for path in (review(call_id), review(call_id, green), decision):
            answer = await third.get(path)
            assert answer.status_code == 200, (path, answer.text[:2000])
            assert GREEN_TITLE not in answer.text, path
            assert "みどりの会" not in answer.text, path
        attachment = doc(await chair.get(review(call_id, green))).xpath("//a[@download]/@href")
        assert attachment
        await _refused(third, str(attachment[0]), "%PDF")
        _private_download(await chair.get(str(attachment[0])), REVIEW_PDF)

        # The vice-chair scores both (with a comment of their own), the chair only 子ども食堂's.
        for proposal_id in (green, food):
            sent = await review_score(vice, call_id, proposal_id, "7", "6", comment=VICE_COMMENT)
            assert sent.status_code == 303, sent.text[:2000]
        assert (await review_score(chair, call_id, food, "9", "4")).status_code == 303

        # The chair has not scored みどりの会's yet: its page shows no one's score; the decision page no ranking.
        before = await chair.get(review(call_id, green))
        assert before.status_code == 200
        assert VICE_COMMENT not in before.text
        for reader in (chair, vice, third):
            page = await reader.get(decision)
            assert page.status_code == 200, (reader.sub, page.text[:2000])
            assert not doc(page).xpath("//table[caption[@id='preview-caption']]"), reader.sub
            assert VICE_COMMENT not in page.text
            assert not doc(page).xpath("//data[contains(@value, '/')]"), reader.sub  # no exact mean anywhere
            assert not doc(page).xpath("//input[@type='hidden'][not(@name='csrf_token')]"), reader.sub
        # Once the chair scored every proposal, the ranking is theirs to read (and still nobody else's).
        assert (await review_score(chair, call_id, green, "8", "7")).status_code == 303
        assert doc(await chair.get(decision)).xpath("//table[caption[@id='preview-caption']]")
        assert not doc(await vice.get(decision)).xpath("//table[caption[@id='preview-caption']]")

        # A reviewer not on the board, a coordinator, a group's person: every GET refused, nothing shown.
        outsiders = [
            site.browser("m-9", "reviewer"),
            site.browser("coord-1", "coordinator"),
            site.browser("rep-g", "group"),
        ]
        stored = site.domain_events("proposals")
        for outsider in outsiders:
            for path in (review(call_id), review(call_id, green), decision, str(attachment[0])):
                await _refused(outsider, path, GREEN_TITLE, VICE_COMMENT, "%PDF")
            for path, form in (
                (f"{review(call_id, food)}/score", {"points.need": "1", "points.feasibility": "1", "comment": "x"}),
                (f"{review(call_id, food)}/conflict", {"kind": "member", "reason": "x"}),
                (f"{review(call_id, green)}/conflict/removal", {}),
                (decision, {"reasons": "強行", "confirm": "yes"}),
            ):
                forced = await outsider.post(path, form)
                assert forced.status_code in (403, 404), (outsider.sub, path, forced.status_code)
        assert site.domain_events("proposals") == stored

        # IDOR: a proposal of this call named under another call of the same board (published, its review not
        # open: 409) is not found there, nor its attachment.
        later = (datetime.now(TOKYO) + timedelta(days=60)).replace(microsecond=0).isoformat()
        other_call, _ = await published_call(site.platform, call_committee(site, call_id), deadline=later)
        stored = site.domain_events("proposals")
        for path in (review(other_call, green), str(attachment[0]).replace(call_id, other_call)):
            await _refused(chair, path, GREEN_TITLE, "%PDF", also=409)
        await _refused(chair, review(call_id, str(uuid.uuid4())))
        forced = await chair.post(f"{review(other_call, food)}/conflict", {"kind": "member", "reason": "x"})
        assert forced.status_code in (403, 404, 409)
        assert site.domain_events("proposals") == stored

        # CSRF: the third member's removal of their conflict, posted without the token, is refused.
        no_token = await third.post(f"{review(call_id, green)}/conflict/removal", {}, csrf=False)
        assert no_token.status_code == 403
        assert site.domain_events("proposals") == stored

        for path in ("/proposals/review", review(call_id), review(call_id, food), decision):
            _secure_page(await chair.get(path), path)


def call_committee(site: Any, call_id: str) -> str:
    return str(site.application("proposals").get_call(uuid.UUID(call_id)).spec["committee_id"])


AUDIT_PAGES = ("/registry/audit", "/proposals/audit", "/info-hub/audit")
CENTER_PAGES = (
    "/center",
    "/center/news",
    "/center/news/new",
    "/center/exchange",
    "/center/exchange/new",
    "/center/trainings",
    "/center/trainings/new",
    "/center/surveys",
    "/center/surveys/new",
    "/center/cases/figures",
)
# What an attacker puts into a link an auditor is sent: markup in every filter.
ATTACK = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


async def test_the_auditors_pages_and_the_centers_pages_refuse_each_others_roles_and_echo_no_markup(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """Checked (no finding): a coordinator gets the 403 page on every service's audit pages and cannot run a
    verification (GET or POST, with the token); an auditor gets the 403 page on every center page and form; the
    verification posted without the CSRF token, or from another site, is refused and runs nothing; markup in
    every filter is shown escaped in the form, the error summary and the export link (no reflected XSS); the
    recompute form's `id` redirects only within the audit pages (no open redirect); the recompute page of a call
    still under review shows no ranking, no score and no comment (nothing to compare until the decision)."""
    async with workspace([*SERVICES, "info-hub"], tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site)
        vice = site.browser("m-2", "reviewer")
        for proposal_id in (green, food):
            assert (await review_score(vice, call_id, proposal_id, "7", "6", comment=VICE_COMMENT)).status_code == 303

        coordinator = site.browser("coord-1", "coordinator")
        auditor = site.browser("aud-1", "auditor")
        for path in AUDIT_PAGES:
            assert (await coordinator.get(path)).status_code == 403, path
            forced = await coordinator.post(f"{path}/verification", {})
            assert forced.status_code == 403, path
        assert (await coordinator.get(f"/proposals/audit/calls/{call_id}")).status_code == 403
        for path in CENTER_PAGES:
            answer = await auditor.get(path)
            assert answer.status_code == 403, (path, answer.status_code)
        for path in ("/center/news/new", "/center/exchange/new", "/center/surveys/new", "/center/trainings/new"):
            answer = await auditor.post(path, {"title_ja": "監査人の投稿"})
            assert answer.status_code == 403, (path, answer.status_code)

        # The verification: without the token, or from another site, refused — and nothing ran.
        for path in AUDIT_PAGES:
            assert (await auditor.post(f"{path}/verification", {}, csrf=False)).status_code == 403, path
            elsewhere = await auditor.post(f"{path}/verification", {}, headers={"Origin": "https://evil.example"})
            assert elsewhere.status_code == 403, path
            page = await auditor.get(path)
            assert page.status_code == 200, path
            assert not doc(page).xpath("//*[@data-verdict]"), path
            _secure_page(page, path)

        # Reflected input: every filter typed with markup, shown back escaped only.
        attacked = await auditor.get(
            "/proposals/audit",
            aggregate=ATTACK,
            type=ATTACK,
            since=ATTACK,
            until=ATTACK,
            correlation_id=ATTACK,
            page=ATTACK,
            per_page=ATTACK,
        )
        assert attacked.status_code == 422
        assert "<script>alert(1)" not in attacked.text
        assert "<img src=x" not in attacked.text
        page = doc(attacked)
        assert not page.xpath("//script[contains(., 'alert')]")
        assert not page.xpath("//img[@onerror]")
        typed = page.xpath("//input[@name='type']/@value")
        assert typed
        assert typed[0] == ATTACK  # shown again as typed, as text
        valid = await auditor.get("/proposals/audit", type=ATTACK, correlation_id=ATTACK)
        assert valid.status_code == 200
        assert "<script>alert(1)" not in valid.text
        exports = doc(valid).xpath("//a[@download]/@href")
        assert exports
        assert all(str(href).startswith("/api/proposals/audit/") for href in exports)

        # The recompute form's id: within the audit pages only, whatever is typed.
        for typed_id in ("https://evil.example/", "//evil.example", "/\\evil.example", f"{call_id}/../../x"):
            moved = await auditor.get("/proposals/audit/calls", id=typed_id)
            assert moved.status_code == 303, typed_id
            assert moved.headers["location"] == "/proposals/audit#recompute", (typed_id, moved.headers["location"])

        # A call still under review: nothing to compare, and nothing of the scores.
        recomputed = await auditor.get(f"/proposals/audit/calls/{call_id}")
        assert recomputed.status_code == 200
        assert doc(recomputed).xpath("//*[@data-verdict='waiting']")
        assert not doc(recomputed).xpath("//table[caption[@id='ranking-caption']]")
        assert VICE_COMMENT not in recomputed.text
        _secure_page(recomputed, "recompute")


# --- the evaluation committee -----------------------------------------------------------------------------------

SEALED_SUMMARY = "封印中の自己評価の要旨QRS"
EV1_COMMENT = "委員ev-1だけの所見TUV"


async def test_a_sealed_self_evaluation_and_the_members_scores_reach_no_evaluator_before_their_time(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """Checked (no finding): before both self-evaluations are in, an evaluator's committee page shows neither (the
    one submitted is sealed); once the committee scores, the chair who presides but has not scored reads no
    member's points or comment (no scores table, nothing in the HTML), nor does a member recused by a conflict
    declared before scoring; a project id that does not exist is not found on every committee page and form; an
    auditor posting the center's committee forms gets the 403 page; nothing is stored by any refused post."""
    async with committee_scene(tmp_path, nats_url) as scene:
        p, site = scene.p, scene.site
        pid = await ended(p, scene.w)
        evaluation = p.clients["evaluation"]
        sealed_one = self_evaluation() | {"summary_ja": SEALED_SUMMARY}
        rep = p.token("rep-g", "group")
        await ok(evaluation.put(f"/projects/{pid}/self-evaluation", json=sealed_one, headers=rep), 201)
        for reader in (site.browser("ev-chair", "evaluator"), site.browser("ev-out", "evaluator")):
            answer = await reader.get(committee_path(pid))
            assert answer.status_code == 200, answer.text[:2000]
            assert SEALED_SUMMARY not in answer.text, reader.sub

        pid = await evaluating(p, scene.w)
        await ok(
            evaluation.post(
                f"/projects/{pid}/committee/conflicts",
                json={"kind": "business", "reason": "取引関係"},
                headers=p.token("ev-3", "evaluator"),
            )
        )
        member = site.browser("ev-1", "evaluator")
        sent = await member.post(committee_path(pid, "/scores"), score_form(comment=EV1_COMMENT))
        assert sent.status_code == 303, sent.text[:2000]
        for sub in ("ev-chair", "ev-3", "ev-out"):
            answer = await site.browser(sub, "evaluator").get(committee_path(pid))
            assert answer.status_code == 200, (sub, answer.text[:2000])
            assert EV1_COMMENT not in answer.text, sub
            assert not doc(answer).xpath("//table[caption[@id='scores-caption']]"), sub
            _secure_page(answer, committee_path(pid))
        assert EV1_COMMENT in (await member.get(committee_path(pid))).text  # their own, after scoring

        stored = site.domain_events("evaluation")
        unknown = str(uuid.uuid4())
        assert (await member.get(committee_path(unknown))).status_code == 404
        for tail in ("/scores", "/conflicts", "/conflicts/removal", "/recommendation"):
            forced = await member.post(committee_path(unknown, tail), score_form())
            assert forced.status_code == 404, (tail, forced.status_code)
        auditor = site.browser("aud-1", "auditor")
        for tail, form in (
            ("", {"committee_id": scene.w.committee}),
            ("/pinned-conflicts", {"member_sub": "ev-2", "kind": "other", "reason": "x"}),
            ("/substitutes", {"member_sub": "ev-2", "reason": "x"}),
            ("/scores", score_form()),
        ):
            forced = await auditor.post(committee_path(pid, tail), form)
            assert forced.status_code == 403, (tail, forced.status_code)
        assert site.domain_events("evaluation") == stored


async def test_verify_now_runs_one_at_a_time_within_its_bound_and_a_bad_path_echoes_nothing(
    tmp_path: Path, nats_url: str, bus_namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked (no finding): while a verification runs, another auditor's "verify now" is refused (409) and runs
    nothing; a history longer than the page's bound is refused (409) even when posted by hand; a
    recompute path that is not an id is answered without echoing it as markup."""
    async with workspace(["registry"], tmp_path, nats_url, bus_namespace) as site:
        auditor = site.browser("aud-1", "auditor")
        kept = verifications(site.platform.apps["registry"].state.pages.state)
        assert kept.lock.acquire(blocking=False)
        try:
            busy = await auditor.post("/registry/audit/verification", {})
            assert busy.status_code == 409, busy.text[:2000]
            assert kept.last is None
        finally:
            kept.lock.release()
        done = await auditor.post("/registry/audit/verification", {})
        assert done.status_code == 303
        assert kept.last is not None
        assert kept.last.by == "aud-1"

        monkeypatch.setattr(pages_verify, "VERIFY_LIMIT", -1)  # any history is now past the bound
        kept.last = None
        too_long = await auditor.post("/registry/audit/verification", {})
        assert too_long.status_code == 409, too_long.text[:2000]
        assert kept.last is None

    async with workspace(SERVICES, tmp_path / "p", nats_url, bus_namespace) as site:
        auditor = site.browser("aud-1", "auditor")
        for path in ("/proposals/audit/calls/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/proposals/audit/calls/x%22%3E"):
            answer = await auditor.get(path)
            assert answer.status_code in (404, 422), (path, answer.status_code)
            assert "<script>alert(1)" not in answer.text
            assert 'x">' not in answer.text


# --- a finding outside the pages: a member's sub holding "|" -------------------------------------------------------


async def test_members_whose_subs_hold_a_bar_each_count_in_the_ranking_and_stay_told_apart(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """S1 (medium, found by the security review of issue 21, fixed): the review keys a score and a conflict by
    "member|proposal" and split it back at the first "|". The registry takes any printable ASCII as a member's sub
    (schemas.Sub), and identity providers such as Auth0 issue subs like "auth0|5f…": two such members read as one
    ("idp"), the ranking counted one sheet of the two, the others' scores named the wrong member and the decision
    failed with a KeyError (a 500). Proposal ids are UUIDs, so the keys are now split at the last "|" (as the
    independent recompute always did): both sheets count and each member keeps their name."""
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        members = ["idp|m-1", "idp|m-2", "idp|m-3"]
        committee = await review_board(p, members, "idp|m-1", "idp|m-2")
        green = await registered_group(p, "rep-g", "みどりの会")
        call_id, deadline = await published_call(p, committee, quorum=2)
        await submit(p, call_id, green, "rep-g", "緑の居場所づくり")
        await close_and_open_review(p, call_id, deadline)
        listed = await ok(
            site.api("proposals").get(f"/calls/{call_id}/review/proposals", headers=p.token("idp|m-1", "reviewer"))
        )
        proposal_id = listed.json()["items"][0]["proposal_id"]
        await ok(score(p, call_id, "idp|m-1", proposal_id, 10, 10), 201)
        await ok(score(p, call_id, "idp|m-2", proposal_id, 0, 0), 201)

        seen = await ok(
            site.api("proposals").get(
                f"/calls/{call_id}/review/scores/{proposal_id}", headers=p.token("idp|m-1", "reviewer")
            )
        )
        named = sorted(s["member_sub"] for s in seen.json()["items"])
        chair = site.browser("idp|m-1", "reviewer")
        decided = await chair.post(f"{review(call_id)}/decision", {"reasons": "規定により決定", "confirm": "yes"})
        assert decided.status_code == 303, decided.text[:2000]
        results = (await ok(site.api("proposals").get(f"/calls/{call_id}/results"))).json()
        # Both sheets counted: need 2 × 5 + feasibility 1 × 5 = 15 (one sheet alone gives 30 or 0).
        assert [e["score"] for e in results["ranking"]["entries"]] == ["15/1"], results["ranking"]
        assert named == ["idp|m-1", "idp|m-2"]


async def test_s2_a_recompute_page_is_bounded_and_runs_one_at_a_time_as_verify_now_is(
    tmp_path: Path, nats_url: str, bus_namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S2 (low, fixed): a recompute page reads the service's whole history (every stored event, to find the call's)
    on each GET, with no bound and any number at once — unlike verify now, bounded at 200,000 positions and one at
    a time. Reloading it, or a page of links an auditor is sent, kept the service scanning its history. It now
    answers 409 past the same bound, and while a verification or another recompute runs (the same lock)."""
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        auditor = site.browser("aud-1", "auditor")
        path = f"/proposals/audit/calls/{uuid.uuid4()}"
        assert (await auditor.get(path)).status_code == 200  # an unknown call: recomputed, "not found" said
        kept = verifications(site.platform.apps["proposals"].state.pages.state)
        assert kept.lock.acquire(blocking=False)
        try:
            busy = await auditor.get(path)
            assert busy.status_code == 409, busy.text[:2000]
            assert "text/html" in busy.headers["content-type"]
        finally:
            kept.lock.release()
        monkeypatch.setattr(pages_verify, "VERIFY_LIMIT", -1)  # any history is now past the bound
        assert (await auditor.get(path)).status_code == 409


# --- files: a draft news item's attachment and a proposal's, as downloaded from the workspaces ----------------------

FILED_AS = 'お知らせ "第2版"; final.pdf'


def _private_download(answer: httpx.Response, content: bytes) -> None:
    assert answer.status_code == 200, answer.text[:2000]
    assert answer.content == content
    assert answer.headers.get("cache-control") == "private, no-store"
    assert answer.headers.get("x-content-type-options") == "nosniff"
    assert "sandbox" in answer.headers.get("content-security-policy", "")
    disposition = answer.headers.get("content-disposition", "")
    assert disposition.startswith("attachment;"), disposition
    assert disposition.count('"') == 2, disposition  # the stand-in's own quotes only
    assert disposition.count(";") == 2, disposition
    assert answer.headers.get("content-type", "").split(";")[0] == "application/pdf"


async def test_a_draft_news_file_and_a_proposal_file_download_as_private_attachments_to_their_readers_only(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """Checked (no finding): a draft news item's file downloads from the center's page as an attachment under a safe
    name (a quote and a semicolon in the filed name add no parameter), `private, no-store`, nosniff and sandboxed;
    an auditor, a group's person and a visitor get nothing of it (403, 403, the login page); a reviewer's proposal
    attachment the same (checked in the first test's scene through its link)."""
    async with workspace([HUB], tmp_path, nats_url, bus_namespace) as site:
        center = site.browser("coord-1", "coordinator")
        made = await center.post(
            "/center/news/new", {"category": "recruitment", "title_ja": "下書き", "body_ja": "本文"}
        )
        assert made.status_code == 303, made.text[:2000]
        news_id = made.headers["location"].split("?")[0].rsplit("/", 1)[1]
        target = f"/center/news/{news_id}/attachments"
        page = await center.page(f"/center/news/{news_id}")
        version = str(page.xpath(f"//form[@action='{target}']//input[@name='version']/@value")[0])
        sent = await center.post(target, {"version": version}, files={"file": (FILED_AS, PDF, "application/pdf")})
        assert sent.status_code == 303, sent.text[:2000]
        page = await center.page(f"/center/news/{news_id}")
        download = next(str(h) for h in page.xpath("//a/@href") if "/attachments/" in str(h))
        _private_download(await center.get(download), PDF)
        for outsider in (site.browser("aud-1", "auditor"), site.browser("rep-g", "group")):
            refused = await outsider.get(download)
            assert refused.status_code == 403, (outsider.sub, refused.status_code)
            assert PDF not in refused.content
        visitor = await site.visitor().get(download)
        assert visitor.status_code == 303
        assert visitor.headers["location"].startswith("/auth/login?next=")
