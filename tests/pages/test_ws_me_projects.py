"""`/me` for a project's partners (real registry, evaluation and info-hub on SQLite and real NATS; logged-in
browsers): each project names its other partner (and, to a person of two groups, which of theirs it is); while no
version is up, the agreement waits to be drafted on its form (by either side); the draft of an agreement awaits each
side's confirmation until that side confirms (emphasised for the one who confirms: the group's representative, the
department's liaison); once concluded the interim reports due or overdue of each side; once ended the self-evaluation
due, until that side sent it — each linking to the evaluation service's page for that step, as info-hub learns them
from the evaluation stream. The results of a call appear for the groups that proposed to it only, linking to the
proposals service's page of the group's own results.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from kyodo_contracts import proposals as pr

from support.calls import ok
from support.evaluation import values
from support.evaluation_http import (
    World,
    created,
    current_agreement,
    ended,
    read,
    self_evaluation,
    service_today,
    world,
)
from support.harness import Platform, eventually
from support.info_hub_open_data import call
from support.page_reading import links, text, well_formed
from support.streams import SourceStream
from support.workspace import Browser, Site, workspace

HUB = "info-hub"
AWAITING_GROUP, AWAITING_DEPARTMENT = "協定案：あなたの団体の確認待ち", "協定案：あなたの部署の確認待ち"


@dataclass(frozen=True)
class Scene:
    site: Site
    w: World

    @property
    def p(self) -> Platform:
        return self.site.platform


@pytest_asyncio.fixture(scope="module")
async def scene(tmp_path_factory: Any, nats_url: str) -> AsyncIterator[Scene]:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    streams = [SourceStream(nats_url, namespace, source) for source in ("screening", "proposals")]
    for stream in streams:
        await stream.create()
    folder: Path = tmp_path_factory.mktemp("ws-me-projects")
    async with workspace(["registry", "evaluation", HUB], folder, nats_url, namespace) as site:
        yield Scene(site, await world(site.platform, *streams))


async def shows(browser: Browser, condition: Callable[[Any], bool]) -> Any:
    """`/me` once it shows what `condition` looks for (info-hub follows the streams), well formed."""
    found: dict[str, Any] = {}

    async def seen() -> bool:
        # In Japanese: a browser keeps the language it last chose.
        found["page"] = await browser.page("/me", lang="ja")
        return condition(found["page"])

    await eventually(seen, timeout=30)
    well_formed(found["page"])
    return found["page"]


def item_of(page: Any, href: str) -> str:
    """The text of the list item that links to `href` (the step of a project)."""
    items = page.xpath(f"//li[a[@href='{href}']]")
    assert len(items) == 1, f"{href}: {len(items)} items"
    return text(items[0])


def strong(page: Any, words: str) -> bool:
    return bool(page.xpath(f"//li/a/strong[contains(., '{words}')]"))


def partners(scene: Scene) -> tuple[Browser, Browser, Browser, Browser]:
    site = scene.site
    return (
        site.browser("rep-g", "group"),
        site.browser("contact-g", "group"),
        site.browser("liaison-1", "staff"),
        site.browser("staff-2", "staff"),
    )


async def post(p: Platform, path: str, body: dict[str, Any], sub: str, role: str, status: int = 200) -> None:
    await ok(p.clients["evaluation"].post(path, json=body, headers=p.token(sub, role)), status)


async def contact_of(p: Platform, sub: str, groups: list[tuple[str, str]]) -> None:
    """`sub` made a contact of each group by its representative, in the registry."""
    registry = p.clients["registry"]
    person = {"sub": sub, "name": "兼務 担当", "email": "both@example.jp", "phone": "042-300-0002"}
    for group_id, rep in groups:
        found = await ok(registry.get(f"/groups/{group_id}", headers=p.token(rep, "group")))
        headers = {**p.token(rep, "group"), "If-Match": found.headers["ETag"]}
        await ok(registry.post(f"/groups/{group_id}/contacts", json=person, headers=headers), 201)


async def test_each_side_sees_the_draft_awaiting_its_confirmation_then_its_reports_due_and_overdue(
    scene: Scene,
) -> None:
    p, w = scene.p, scene.w
    rep, contact, liaison, staff = partners(scene)
    pid = await created(p, w)
    project, draft = f"/evaluation/projects/{pid}", f"/evaluation/projects/{pid}#draft-heading"
    page = await shows(rep, lambda page: project in links(page))
    assert draft not in links(page)
    # No version put up yet: either side drafts it on the agreement form; each project names its other partner.
    form = f"{project}/agreement"
    assert "協定案の作成" in item_of(page, form)
    assert strong(page, "協定案の作成")
    assert "協働推進課" in item_of(page, project)
    page = await shows(liaison, lambda page: form in links(page))
    assert strong(page, "協定案の作成")
    assert "みどりの会" in item_of(page, project)
    assert "部署の連絡担当が行います" in item_of(await staff.page("/me", lang="ja"), form)
    assert "Draft the agreement" in item_of(await contact.page("/me", lang="en"), form)
    # A person of two groups is told which of theirs the project is.
    await contact_of(p, "both", [(w.group, "rep-g"), (w.other_group, "rep-h")])
    # (info-hub learns each tie in turn: one group's projects show before the person is known to have two.)
    page = await shows(scene.site.browser("both", "group"), lambda page: "みどりの会、協働推進課" in text(page))
    assert "みどりの会、協働推進課" in item_of(page, project)

    # Drafted by the liaison, its first report date five days ago (overdue once concluded), the second ahead.
    start = service_today(p) - timedelta(days=10)
    body = current_agreement(p, report_dates=[str(start + timedelta(days=5)), str(start + timedelta(days=40))])
    drafted = p.clients["evaluation"].put(
        f"/projects/{pid}/agreement",
        json={"agreement": body},
        headers={**p.token("liaison-1", "staff"), "If-Match": '"1"'},
    )
    await ok(drafted)
    page = await shows(rep, lambda page: draft in links(page))
    assert form not in links(page)
    assert AWAITING_GROUP in item_of(page, draft)
    assert strong(page, AWAITING_GROUP)  # the representative confirms it
    page = await shows(contact, lambda page: draft in links(page))
    assert f"{AWAITING_GROUP}（確認は代表者が行います）" in item_of(page, draft)
    assert not strong(page, AWAITING_GROUP)
    page = await shows(liaison, lambda page: draft in links(page))
    assert strong(page, AWAITING_DEPARTMENT)
    page = await shows(staff, lambda page: draft in links(page))
    assert "部署の連絡担当が行います" in item_of(page, draft)
    assert not strong(page, AWAITING_DEPARTMENT)
    english = await liaison.page("/me", lang="en")
    assert "Agreement draft awaiting your department's confirmation" in item_of(english, draft)

    # The group confirms: its side now waits for the department, which still sees its own confirmation awaited.
    draft_hash = (await read(p, pid))["draft"]["hash"]
    await post(p, f"/projects/{pid}/agreement/confirmations", {"agreement_hash": draft_hash}, "rep-g", "group")
    page = await shows(rep, lambda page: draft in links(page) and "部署の確認待ち" in item_of(page, draft))
    assert "あなたの団体は確認済み：部署の確認待ち" in item_of(page, draft)
    assert AWAITING_GROUP not in text(page)
    assert strong(await liaison.page("/me", lang="ja"), AWAITING_DEPARTMENT)

    # Concluded: no draft any more; each side's first report overdue and its second due, each on its report page.
    await post(p, f"/projects/{pid}/agreement/confirmations", {"agreement_hash": draft_hash}, "liaison-1", "staff")
    first, second = f"{project}/reports/1", f"{project}/reports/2"
    for browser in (rep, liaison):
        page = await shows(browser, lambda page: first in links(page) and draft not in links(page))
        assert "期限超過" in item_of(page, first)
        assert "期限超過" not in item_of(page, second)
        assert page.xpath(f"//li[a[@href='{second}']]/time/@datetime") == [body["report_dates"][1]]
    assert "部署の連絡担当が行います" in item_of(await staff.page("/me", lang="ja"), first)

    # The group files its first report: gone from the group's list, still overdue for the department.
    report = {"values": values("150", "70"), "summary_ja": "順調"}
    await post(p, f"/projects/{pid}/reports/1", report, "contact-g", "group", 201)
    page = await shows(contact, lambda page: first not in links(page))
    assert second in links(page)
    assert first in links(await liaison.page("/me", lang="ja"))


async def test_the_self_evaluation_due_shows_to_each_side_until_it_sent_its_own(scene: Scene) -> None:
    p, w = scene.p, scene.w
    rep, _, liaison, _ = partners(scene)
    pid = await ended(p, w)
    due = f"/evaluation/projects/{pid}/self-evaluation"
    for browser in (rep, liaison):
        page = await shows(browser, lambda page: due in links(page))
        assert "自己評価の提出期限" in item_of(page, due)
        assert page.xpath(f"//li[a[@href='{due}']]/time/@datetime")
    assert "Self-evaluation due" in item_of(await rep.page("/me", lang="en"), due)
    # The deadline reads as the evaluation service's own page writes it (the kit's `deadline`: 00:00, the day before).
    shown = (await rep.page("/me", lang="ja")).xpath(f"//li[a[@href='{due}']]/time[1]/text()")
    assert shown
    assert shown[0] in [str(t) for t in (await rep.page(due)).xpath("//main//dd/time/text()")]

    sent = p.clients["evaluation"].put(
        f"/projects/{pid}/self-evaluation", json=self_evaluation(), headers=p.token("rep-g", "group")
    )
    await ok(sent, 201)
    await shows(rep, lambda page: due not in links(page))
    assert due in links(await liaison.page("/me", lang="ja"))


async def test_a_calls_results_show_to_the_groups_that_proposed_to_it_only(scene: Scene) -> None:
    w = scene.w
    rep = scene.site.browser("rep-g", "group")
    other = scene.site.browser("rep-h", "group")
    published = call("地域の見守り協働事業", deadline=datetime.now(UTC) - timedelta(days=20))
    mine, theirs = uuid.uuid4(), uuid.uuid4()

    def result(proposal_id: uuid.UUID, group_id: str, selected: bool) -> pr.ProposalResult:
        return pr.ProposalResult(
            proposal_id=proposal_id,
            group_id=uuid.UUID(group_id),
            rank=1 if selected else 2,
            score="12/1" if selected else "7/1",
            score_display="12.00" if selected else "7.00",
            criterion_means={"impact": "4/1", "feasibility": "4/1"},
            passes=True,
            selected=selected,
            tie_broken=False,
            lottery_key="0" * 64,
            recusals=0,
            scores=[],
        )

    results = pr.CallResultsPublished(
        call_id=published.call_id,
        proposals=[result(mine, w.group, True)],
        selected=[mine],
        reasons="効果が高い",
        seed="0" * 64,
        set_aside=[pr.SetAsideProposal(proposal_id=theirs, group_id=uuid.UUID(w.other_group), reason="lapsed")],
    )
    unrelated = call("誰も応募していない事業", deadline=datetime.now(UTC) - timedelta(days=20))
    nobody = pr.CallResultsPublished(
        call_id=unrelated.call_id, proposals=[], selected=[], reasons="応募なし", seed="1" * 64
    )
    closed = [
        pr.CallClosed(call_id=c.call_id, closed_at=datetime.now(UTC) - timedelta(days=20))
        for c in (published, unrelated)
    ]
    await w.proposals.publish(published, unrelated, *closed, results, nobody)

    href = f"/proposals/calls/{published.call_id}/my-results?group={w.group}"
    page = await shows(rep, lambda page: href in links(page))
    assert "地域の見守り協働事業" in item_of(page, href)
    assert "選定" in item_of(page, href)
    assert f"/proposals/calls/{unrelated.call_id}/my-results?group={w.group}" not in links(page)
    assert page.xpath("//ul[@aria-labelledby='results-heading']/li/time/@datetime")
    theirs_href = f"/proposals/calls/{published.call_id}/my-results?group={w.other_group}"
    page = await shows(other, lambda page: theirs_href in links(page))
    assert "不受理" in item_of(page, theirs_href)
    assert href not in links(page)
