"""A call for proposals from publication to its deadline, in a real browser against `kyodo up --demo`: the
coordinator drafts a call at /proposals/calls/new and publishes it from its manage page; two groups' representatives
(demo-representative-1, demo-representative-2) submit their sealed proposals, each downloads the signed receipt and
`kyodo receipt verify` accepts it against the service's published keys; a representative forcing another group's id
into the form is refused (403 page) and nothing is stored for that group; a post without the CSRF token is refused
(403 page); then the proposals service's clock is moved past the deadline (`kyodo clock advance --service proposals`)
and the page says submitting is over — a forced post is refused.

Only the proposals service's clock moves (the review board's journey moves it too, before: the deadline is set from
that clock, `kyodo clock show`), and the demo's own call (a month to go) stays open. Every workspace page on the way
passes axe-core and the structure checks in Japanese and English (screenshots: tests/browser/screenshots/ws-*.png)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser

from browser.kyodo_up import KyodoUp
from browser.workspace_journeys import Checked, Person, forced_post, person, status_of, verify_receipt

TOKYO = ZoneInfo("Asia/Tokyo")
TITLE = "地域の見守り活動の提案募集"
PROPOSALS = {
    "demo-representative-1": (
        "緑地での親子自然観察会を毎月開く。",
        "毎月第2土曜日に観察会を開く。",
    ),
    "demo-representative-2": ("乳幼児の親子が集う見守りサロンを開く。", "公民館で週1回のサロンを開き、相談を受ける。"),
}


def review_board(site: KyodoUp) -> str:
    """The demo's review board (協働事業審査会), from the registry's public list of committees."""
    committees = httpx.get(f"{site.origin}/api/registry/committees", timeout=10).json()["items"]
    return str(next(c["id"] for c in committees if c["kind"] == "review_board"))


def draft_call(
    coordinator: Person,
    deadline: datetime,
    board: str,
    title: tuple[str, str] = (TITLE, "Proposals for neighbourhood watch activities"),
    **more: str,
) -> str:
    """The call drafted through /proposals/calls/new (`more`: other fields typed, as `quorum="2"`); its id."""
    page = coordinator.page
    form = page.locator("main form[action='/proposals/calls/new']")
    form.locator("input[type=radio][name=kind][value=open_call]").check()
    form.locator("input[name=title_ja]").fill(title[0])
    form.locator("input[name=title_en]").fill(title[1])
    form.locator("textarea[name=description_ja]").fill("地域の見守りを市と協働で進める提案を募集します。")
    form.locator("input[name=deadline]").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    form.locator("select[name=committee_id]").select_option(board)
    for n, (key, name) in enumerate((("need", "必要性"), ("feasibility", "実現可能性"))):
        form.locator(f"input[name='criteria.{n}.key']").fill(key)
        form.locator(f"input[name='criteria.{n}.name_ja']").fill(name)
        form.locator(f"input[name='criteria.{n}.weight']").fill("1")
        form.locator(f"input[name='criteria.{n}.max_points']").fill("10")
    form.locator("select[name=formula]").select_option("weighted_sum_of_means")
    form.locator("input[name=passing_score]").fill("10")
    form.locator("input[name=select]").fill("2")
    for name, value in more.items():
        form.locator(f"[name='{name}']").fill(value)
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"drafting the call answered {status_of(sent.value)}"
    assert "done=call_drafted" in page.url, f"the call was not drafted: {page.url}"
    parts = urlsplit(page.url).path.split("/")
    return parts[parts.index("calls") + 1]


def submit_proposal(who: Person, call_id: str, summary: str, plan: str) -> None:
    page = who.page
    form = page.locator(f"main form[action='/proposals/calls/{call_id}/proposal']")
    assert form.count() == 1, f"{who.sub}: no proposal form on {page.url}"
    form.locator("textarea[name='content.summary']").fill(summary)
    form.locator("textarea[name='content.plan']").fill(plan)
    form.locator("input[name='content.budget.0.item']").fill("講師謝礼")
    form.locator("input[name='content.budget.0.amount_yen']").fill("60000")
    form.locator("input[name='content.schedule.0.period']").fill("4月〜9月")
    form.locator("input[name='content.schedule.0.activity']").fill("準備と広報")
    form.locator("input[name='content.team.0.role']").fill("代表")
    form.locator("input[name='content.team.0.description']").fill("全体の調整")
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"{who.sub}: submitting answered {status_of(sent.value)}"
    assert "done=proposal_submitted" in page.url, f"{who.sub}: the proposal was not submitted ({page.url})"


def download_and_verify(who: Person, keys: Path, folder: Path) -> dict[str, object]:
    """The receipt as the group keeps it (a download), checked by `kyodo receipt verify`; its JSON."""
    page = who.page
    link = page.locator("main a[href*='/proposal/receipt']")
    assert link.count() == 1, f"{who.sub}: no receipt download on {page.url}"
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value
    saved = folder / f"{who.sub}-{download.suggested_filename or 'receipt.json'}"
    download.save_as(saved)
    checked = verify_receipt(saved, keys)
    assert checked.returncode == 0, (
        f"kyodo receipt verify refused {who.sub}'s receipt: {checked.stdout}{checked.stderr}"
    )
    receipt: dict[str, object] = json.loads(saved.read_text(encoding="utf-8"))
    # The check is not blind: the same receipt with its time changed by a second is refused.
    assert "received_at" in str(receipt), f"{who.sub}: the download is not a receipt: {receipt}"
    forged = folder / f"{who.sub}-forged.json"
    forged.write_text(json.dumps(forge(receipt)), encoding="utf-8")
    assert verify_receipt(forged, keys).returncode != 0, "kyodo receipt verify accepted a receipt whose time changed"
    return receipt


def forge(receipt: dict[str, object]) -> dict[str, object]:
    """The receipt with its `received_at` a second later (the signature left as it was)."""
    nested = receipt.get("receipt")
    inner = dict(nested) if isinstance(nested, dict) else dict(receipt)
    when = datetime.fromisoformat(str(inner["received_at"]))
    inner["received_at"] = (when + timedelta(seconds=1)).isoformat()
    return {**receipt, "receipt": inner} if "receipt" in receipt else inner


def test_a_published_call_takes_two_sealed_proposals_with_verifiable_receipts_until_its_deadline(
    site: KyodoUp, browser: Browser, tmp_path: Path
) -> None:
    checked = Checked()
    keys = tmp_path / "keys.json"
    keys.write_text(httpx.get(f"{site.origin}/api/proposals/audit/keys", timeout=10).text, encoding="utf-8")

    coordinator = person(browser, site, "demo-coordinator")
    coordinator.goto("/proposals/calls")
    checked.page(coordinator, "proposals-calls-coordinator")
    coordinator.goto("/proposals/calls/new")
    checked.page(coordinator, "proposals-call-new", focus=True)
    # A day on the proposals service's clock (the review board's journey may have moved it already).
    deadline = (site.clock_now("proposals").astimezone(TOKYO) + timedelta(days=1)).replace(second=0, microsecond=0)
    call_id = draft_call(coordinator, deadline, review_board(site))
    manage = f"/proposals/calls/{call_id}/manage"
    if urlsplit(coordinator.page.url).path != manage:
        coordinator.goto(manage)
    checked.page(coordinator, "proposals-call-manage-draft")
    publication = coordinator.page.locator(f"main form[action='{manage}/publication']")
    publication.locator("input[name=confirm]").check()  # publishing cannot be undone: confirmed first
    with coordinator.page.expect_navigation():
        publication.locator("button[type=submit]").click()
    assert "done=call_published" in coordinator.page.url, f"the call was not published: {coordinator.page.url}"
    checked.page(coordinator, "proposals-call-manage-published")

    representatives = {sub: person(browser, site, sub) for sub in PROPOSALS}
    first, second = representatives.values()
    first.goto("/me")
    checked.page(first, "me-representative")
    first.goto("/proposals/calls")
    checked.page(first, "proposals-calls-group")
    proposal = f"/proposals/calls/{call_id}/proposal"
    first.goto(proposal)
    checked.page(first, "proposals-proposal-new", focus=True)
    own_group = first.page.locator("main input[name=group_id]").first.get_attribute("value") or ""

    # Another group's representative forcing this group's id into the form: the 403 page, nothing stored.
    second.goto(proposal)
    assert forced_post(second, proposal, {"group_id": own_group, "content.summary": "x", "content.plan": "x"}) == 403
    # A post without the CSRF token: the 403 page, nothing stored.
    forged = {"group_id": own_group, "content.summary": "x", "content.plan": "x"}
    assert forced_post(first, proposal, forged, csrf=False) == 403
    first.goto(proposal)
    assert first.page.locator("main a[href*='/proposal/receipt']").count() == 0, "a refused post stored a proposal"

    receipts = []
    for sub, who in representatives.items():
        who.goto(proposal)
        submit_proposal(who, call_id, *PROPOSALS[sub])
        receipts.append(download_and_verify(who, keys, tmp_path))
    checked.page(first, "proposals-proposal-submitted")
    assert receipts[0] != receipts[1], "two proposals, one receipt"

    # The deadline passes on the proposals service's clock: submitting is over, and refused if forced.
    site.advance_clock("2d", services=["proposals"])
    until_closed(first, proposal)
    checked.page(first, "proposals-proposal-closed")
    fields = {"group_id": own_group, "content.summary": "遅れた提案", "content.plan": "締切後"}
    assert forced_post(first, proposal, fields) in (403, 409, 422), "a post after the deadline was not refused"
    first.goto(proposal)
    assert "遅れた提案" not in first.page.locator("main").inner_text(), "a post after the deadline was stored"
    checked.assert_none()


def until_closed(who: Person, path: str, seconds: float = 20) -> None:
    """The proposal page without its form, saying why, once the service's clock has moved past the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        who.goto(path)
        form = who.page.locator(f"main form[action='{path}']")
        if form.count() == 0 and who.page.locator("#submit-why").count() == 1:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} still takes proposals {seconds:.0f} s after the clock passed the deadline")
        time.sleep(0.5)
