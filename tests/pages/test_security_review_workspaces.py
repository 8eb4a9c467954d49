"""Security review of the workspace pages (issue 20): what an attacker or an auditor of the fairness rules found, each
finding's test, as it now behaves (K1 and K2 were reported for the kit in /tmp/k/requests.md and fixed there), and
sweeps of every page route of a part as an outsider, which found nothing and now guard the pages' authorization."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from lxml.html import document_fromstring
from test_ws_proposals import own, proposal_form, submit_by_form

from support.calls import ok, published_call, registered_group, review_board
from support.evaluation_http import World, created, ended, read, world
from support.evaluation_pages import self_evaluation_form
from support.portal_b import one, text
from support.registry_group_pages import BYLAWS_PDF, application_form, group_site
from support.screening import answers, department, heard, join_team, round_body, screening_now
from support.streams import SourceStream
from support.workspace import Site, workspace

# A name a browser sends as typed: a quote, a semicolon and Japanese (RFC 6266 must neither break nor echo it raw).
TOKYO = ZoneInfo("Asia/Tokyo")
FILED_AS = '会則 "第2版"; final.pdf'


@pytest_asyncio.fixture(scope="module")
async def site(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    async with group_site(tmp_path_factory.mktemp("security-review-ws"), nats_url) as running:
        yield running


async def _applied(site: Site, sub: str, name: str) -> str:
    applicant = site.browser(sub, "group")
    answer = await applicant.post(
        "/registry/apply", application_form(name), files={"bylaws": (FILED_AS, BYLAWS_PDF, "application/pdf")}
    )
    assert answer.status_code == 303, answer.text[:3000]
    return str(answer.headers["location"]).split("/")[3].split("?")[0]


def _bylaws_link(page: Any) -> str:
    """The "bylaws as filed" link: to the API's answer (before the fix) or to the page route's file."""
    found = "//main//a[starts-with(@href, '/api/registry/groups/') or contains(@href, '/bylaws/file')]"
    return str(one(page, found).get("href"))


def _private_attachment(response: Any) -> None:
    assert response.status_code == 200, response.text[:2000]
    assert response.content == BYLAWS_PDF
    cache = response.headers.get("cache-control", "")
    assert "no-store" in cache, cache
    assert "private" in cache, cache
    disposition = response.headers.get("content-disposition", "")
    assert disposition.startswith("attachment;"), disposition
    # The filed name only percent-encoded (filename*), the stand-in ASCII without quotes or semicolons of its own.
    assert "filename*=UTF-8''" in disposition, disposition
    assert "%3B" in disposition, disposition
    assert disposition.count('"') == 2, disposition
    assert disposition.count(";") == 2, disposition
    stand_in = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert stand_in, disposition
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in stand_in), disposition
    assert response.headers.get("x-content-type-options") == "nosniff"


async def test_f1_bylaws_linked_from_the_workspaces_download_as_a_private_attachment_under_a_safe_name(
    site: Site,
) -> None:
    """F1 (low): the group's page, its bylaws form and the coordinator's assessment linked the API's bylaws answer —
    inline, with no Cache-Control, so an applicant's bylaws opened with a session stayed in the browser's cache
    (the center's shared computers), and the file name the link shows was lost. They now link a page route that
    answers with the API's own query, as an attachment (RFC 6266), `private, no-store`, nosniff, sandboxed."""
    gid = await _applied(site, "sec-rep-1", "セキュリティ検査の会")
    representative = site.browser("sec-rep-1", "group")
    for path in (f"/registry/groups/{gid}", f"/registry/groups/{gid}/bylaws"):
        link = _bylaws_link(await representative.page(path))
        assert not link.startswith("/api/"), (path, link)
        _private_attachment(await representative.get(link))

    coordinator = site.browser("sec-coord-1", "coordinator")
    link = _bylaws_link(await coordinator.page(f"/registry/assessments/{gid}"))
    assert not link.startswith("/api/"), link
    _private_attachment(await coordinator.get(link))


async def test_f1_the_bylaws_download_shows_an_application_to_no_one_the_api_would_not_show_it_to(site: Site) -> None:
    gid = await _applied(site, "sec-rep-2", "封印された申請の会")
    path = f"/registry/groups/{gid}/bylaws/file"
    # Another group's person, a member of staff: the API's 404 (an application is not public), nothing of the file.
    for outsider in (site.browser("sec-other-group", "group"), site.browser("sec-staff", "staff")):
        refused = await outsider.get(path)
        assert refused.status_code == 404, refused.text[:2000]
        assert BYLAWS_PDF not in refused.content
    # Nobody logged in: to the login page, as every workspace page.
    visitor = await site.visitor().get(path)
    assert visitor.status_code == 303
    assert visitor.headers["location"].startswith("/auth/login?next=")
    assert (await site.browser("sec-rep-2", "group").get(path)).status_code == 200


async def test_k1_an_api_answer_read_with_the_session_cookie_is_kept_by_no_cache(site: Site) -> None:
    """K1 (low, kit; fixed by the lead in 9bc688e): the API accepts the session cookie (web/access.py), and a group's
    full record — the representative's e-mail and phone — was answered without Cache-Control, so a browser that
    opened it kept it."""
    gid = await _applied(site, "sec-rep-3", "キャッシュの会")
    answer = await site.browser("sec-rep-3", "group").get(f"/api/registry/groups/{gid}")
    assert answer.status_code == 200
    assert "yoko@example.jp" in answer.text
    assert "no-store" in answer.headers.get("cache-control", "")


# --- evaluation: a partner's sealed self-evaluation and its receipt ----------------------------------------------


@dataclass(frozen=True)
class EvaluationScene:
    site: Site
    w: World


@pytest_asyncio.fixture(scope="module")
async def evaluation(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[EvaluationScene]:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    streams = [SourceStream(nats_url, namespace, source) for source in ("screening", "proposals")]
    for stream in streams:
        await stream.create()
    folder: Path = tmp_path_factory.mktemp("security-review-ev")
    async with workspace(["registry", "evaluation"], folder, nats_url, namespace) as running:
        yield EvaluationScene(running, await world(running.platform, *streams))


async def test_f2_a_self_evaluation_receipt_is_a_private_file_and_the_sealed_self_evaluation_shows_nowhere_else(
    evaluation: EvaluationScene,
) -> None:
    """F2 (low): the self-evaluation receipt's download had no `X-Content-Type-Options: nosniff` (the kit adds the
    security headers to rendered pages only — K2); now nosniff and a sandboxing CSP, as the proposals' receipt.
    With it, the fairness rule checked as an attacker: before unsealing, neither the other partner, another group
    nor a forced URL reads the sealed text."""
    site, p = evaluation.site, evaluation.site.platform
    pid = await ended(p, evaluation.w)
    rep = site.browser("rep-g", "group")
    summary = "封印された自己評価(安全性レビュー)"
    form = await rep.page(f"/evaluation/projects/{pid}/self-evaluation")
    sent = await rep.post(f"/evaluation/projects/{pid}/self-evaluation", self_evaluation_form(form, summary))
    assert sent.status_code == 303, sent.text[:2000]

    receipt = await rep.get(f"/evaluation/projects/{pid}/self-evaluation/receipt")
    assert receipt.status_code == 200
    assert receipt.headers.get("x-content-type-options") == "nosniff"
    assert "no-store" in receipt.headers.get("cache-control", "")
    assert receipt.headers["content-disposition"].startswith("attachment;")

    assert (await read(p, pid))["unsealed"] is False
    liaison = site.browser("liaison-1", "staff")
    for reader, path in (
        (liaison, f"/evaluation/projects/{pid}/self-evaluation"),
        (liaison, f"/evaluation/projects/{pid}"),
        (liaison, f"/evaluation/projects/{pid}/self-evaluation/receipt"),
        (site.browser("rep-h", "group"), f"/evaluation/projects/{pid}/self-evaluation"),
        (site.browser("rep-h", "group"), f"/evaluation/projects/{pid}/self-evaluation/receipt"),
    ):
        answer = await reader.get(path)
        assert summary not in answer.text, (reader.sub, path)
        assert answer.status_code in (200, 403, 404), (reader.sub, path, answer.status_code)


# --- proposals: what an attachment's name carries into a sealed proposal -----------------------------------------


async def test_an_attachment_keeps_its_file_name_only_never_the_senders_local_path(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """Checked, not a finding (F3 withdrawn): browsers that send the whole local path as a file's name (old
    Edge/IE) would put `C:\\Users\\<login name>\\…` into the sealed proposal, its receipt and reviewers' downloads;
    the proposal form passes the name on as parsed, and the multipart parser under Starlette keeps the last part
    only. This guards that, as the registry's bylaws upload guards it itself."""
    async with workspace(["registry", "proposals"], tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        green = await registered_group(p, "sec-rep-g", "みどりの会")
        call_id, _ = await published_call(p, committee)
        rep = site.browser("sec-rep-g", "group")
        local = "C:\\Users\\yoko.sato\\Documents\\提案書.pdf"
        sent = await rep.post(
            f"/proposals/calls/{call_id}/proposal",
            proposal_form("安全性レビューの提案", green),
            files={"attachments.0": (local, b"%PDF-1.7 plan", "application/pdf")},
        )
        assert sent.status_code == 303, sent.text[:2000]
        stored = (await ok(own(site, call_id, green, "sec-rep-g"))).json()
        assert [a["filename"] for a in stored["attachments"]] == ["提案書.pdf"]


# --- registry: every page of a group's workspace, forced by someone who does not act for it ----------------------


def _group_paths(method: str, group_id: str, person: str) -> list[str]:
    """Every page route of the registry's group and coordinator parts naming a group, filled in for `group_id`."""
    from kyodo_registry.pages.coordinator import routers as coordinator_routers
    from kyodo_registry.pages.group import routers as group_routers

    found = set()
    for router in (*group_routers(), *coordinator_routers()):
        for route in router.routes:
            path = str(getattr(route, "path", ""))
            if method in getattr(route, "methods", set()) and "{group_id}" in path:
                found.add(path)
    fill = {"{group_id}": group_id, "{tie_id}": str(uuid.uuid4()), "{sub}": person}
    paths = []
    for path in sorted(found):
        for name, value in fill.items():
            path = path.replace(name, value)
        paths.append(path)
    return paths


async def test_no_page_of_a_groups_workspace_shows_or_changes_anything_for_someone_who_does_not_act_for_it(
    site: Site,
) -> None:
    """Swept, as an attacker: every GET and POST route of the group and coordinator parts naming a group, by another
    group's person, a member of staff and (for the group's own pages) a coordinator. Each is refused (403/404 page),
    none shows the application's name or the representative's e-mail, and nothing is stored — also when the post
    is invalid, whose form would be shown again (the page re-reads the group through the same refusal)."""
    gid = await _applied(site, "sec-rep-4", "総当たり検査の会")
    outsiders = [site.browser("sec-other-4", "group"), site.browser("sec-staff-4", "staff")]
    before = site.domain_events("registry")
    for path in _group_paths("GET", gid, "sec-rep-4"):
        for outsider in outsiders:
            answer = await outsider.get(path)
            assert answer.status_code in (403, 404), (outsider.sub, path, answer.status_code)
            assert "総当たり検査の会" not in answer.text, (outsider.sub, path)
            assert "yoko@example.jp" not in answer.text, (outsider.sub, path)
    invalid = {"version": '"1"', "reason": "", "name": "", "email": "x", "met": "maybe", "criterion": "nope"}
    for path in _group_paths("POST", gid, "sec-rep-4"):
        for outsider in outsiders:
            for data in ({"version": '"1"'}, invalid):
                answer = await outsider.post(path, data)
                assert answer.status_code in (403, 404), (outsider.sub, path, answer.status_code, answer.text[:500])
                assert "総当たり検査の会" not in answer.text, (outsider.sub, path)
    coordinator = site.browser("sec-coord-4", "coordinator")
    for path in _group_paths("POST", gid, "sec-rep-4"):
        if path.startswith("/registry/groups/"):
            answer = await coordinator.post(path, {"version": '"1"'})
            assert answer.status_code in (403, 404), (path, answer.status_code, answer.text[:500])
    assert site.domain_events("registry") == before


async def test_no_page_of_a_collaboration_project_shows_or_changes_anything_for_someone_not_party_to_it(
    evaluation: EvaluationScene,
) -> None:
    """Swept, as an attacker: every GET and POST page route of the evaluation workspace naming a project, by another
    group's representative and a member of staff of no partner department — refused, the project's title and its
    agreement's draft nowhere, nothing stored."""
    from kyodo_evaluation.pages import routers as evaluation_routers

    site, p = evaluation.site, evaluation.site.platform
    pid = await created(p, evaluation.w)
    title = str((await read(p, pid))["title_ja"])
    routes = [
        (str(getattr(r, "path", "")), set(getattr(r, "methods", set())))
        for router in evaluation_routers()
        for r in router.routes
    ]
    outsiders = [site.browser("rep-h", "group"), site.browser("sec-staff-x", "staff")]
    before = site.domain_events("evaluation")
    for template, methods in routes:
        if "{project_id}" not in template:
            continue
        path = template.replace("{project_id}", pid).replace("{index}", "1")
        for outsider in outsiders:
            if "GET" in methods:
                answer = await outsider.get(path)
            else:
                answer = await outsider.post(path, {"version": '"1"', "agreement_hash": "0" * 64})
            assert answer.status_code in (403, 404), (outsider.sub, path, answer.status_code, answer.text[:500])
            assert title not in answer.text, (outsider.sub, path)
    assert site.domain_events("evaluation") == before


async def test_a_sealed_proposal_shows_on_no_page_but_its_groups_before_the_deadline(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """Swept, as an attacker and as an auditor of the sealing rule: before the deadline, a group's proposal (its
    summary, its receipt, its results page) reaches no one but its own people through any page — not another
    group naming it (`?group=`, a forced withdrawal), not the coordinator's call pages, not a reviewer."""
    async with workspace(["registry", "proposals"], tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        green = await registered_group(p, "sec-rep-g", "みどりの会")
        await registered_group(p, "sec-rep-f", "食の会")
        call_id, _ = await published_call(p, committee)
        sealed = "封印された提案の要旨(安全性レビュー)"
        await submit_by_form(site.browser("sec-rep-g", "group"), call_id, green, sealed)

        other = site.browser("sec-rep-f", "group")
        for path in ("proposal", "proposal/receipt", "my-results"):
            answer = await other.get(f"/proposals/calls/{call_id}/{path}", group=green)
            assert answer.status_code == 404, (path, answer.status_code)
            assert sealed not in answer.text
        forced = await other.post(f"/proposals/calls/{call_id}/proposal/withdrawal", {"group_id": green})
        assert forced.status_code in (403, 404), forced.text[:500]
        revised = await other.post(f"/proposals/calls/{call_id}/proposal", {**proposal_form("乗っ取り", green)})
        assert revised.status_code in (403, 404), revised.text[:500]

        coordinator = site.browser("sec-coord", "coordinator")
        pages = ["/proposals/calls", f"/proposals/calls/{call_id}/manage"]
        pages += [f"/proposals/calls/{call_id}/manage/{a}" for a in ("amendment", "cancellation", "substitutes")]
        for path in pages:
            answer = await coordinator.get(path)
            assert sealed not in answer.text, path
        for reader in (site.browser("m-1", "reviewer"), site.browser("sec-staff", "staff")):
            answer = await reader.get(f"/proposals/calls/{call_id}/proposal", group=green)
            assert answer.status_code in (403, 404)
            assert sealed not in answer.text

        mine = (await ok(own(site, call_id, green, "sec-rep-g"))).json()
        assert mine["content"]["summary"] == sealed  # still there, unchanged, for its own people


# --- screening: a team member's independence, whatever other roles they hold --------------------------------------


async def test_f4_a_team_member_who_is_also_a_coordinator_sees_no_other_assessment_before_giving_their_own(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    """F4 (medium, fairness): the screening page read a member's `assessments_of` as the API answers a coordinator
    (every assessment, with who gave it) when the member of the round's team also holds the coordinator role, and
    took any answer as their own — so before assessing they saw the others' answers and names, and were told
    "You have already assessed this project" with no form. The page now keeps the others hidden from a member until
    their own is in, whatever their roles, and offers them the form. (The API's own answer is reported: F4-API.)"""
    async with workspace(["registry", "screening"], tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        now = screening_now(p)
        since = datetime.now(TOKYO).date() - timedelta(days=30)
        dept = await department(p, "SECREV", "検査課", ["sec-liaison", "sec-team-a"], since)
        other = await department(p, "SECREV2", "監査課", ["sec-liaison-2", "sec-team-b"], since)
        await join_team(p, [("sec-team-a", dept.id), ("sec-team-b", other.id)], since)
        await heard(p, [dept, other], ["sec-team-a", "sec-team-b"], now.date())
        fiscal_year = now.year if now.month >= 4 else now.year - 1
        screening = site.api("screening")
        record = {"project_number": "S-1", "title": "見守り", "purpose": "見守り", "budget_yen": 100000}
        place = {"department_id": dept.id, "fiscal_year": fiscal_year}
        project = await ok(
            screening.post("/projects", json={**record, **place}, headers=p.token("sec-liaison", "staff")), 201
        )
        body = round_body(fiscal_year, [dept.id], now + timedelta(days=7))
        coordinator = p.token("sec-coord", "coordinator")
        drafted = await ok(screening.post("/rounds", json=body, headers=coordinator), 201)
        rid, pid = drafted.json()["id"], project.json()["id"]
        opening = {**coordinator, "If-Match": drafted.headers["ETag"]}
        await ok(screening.post(f"/rounds/{rid}/opening", headers=opening))
        secret = "他の委員の評価(独立性の検査)"
        await ok(
            screening.post(
                f"/rounds/{rid}/projects/{pid}/assessments",
                json=answers("partly", secret),
                headers=p.token("sec-team-b", "staff", "team"),
            ),
            201,
        )

        both = site.browser("sec-team-a", "staff", "team", "coordinator")
        page = await both.page(f"/screening/rounds/{rid}/projects/{pid}")
        assert secret not in text(one(page, "//main"))
        assert not page.xpath("//*[@id='assessments-heading']")
        assert not page.xpath("//*[@id='assess-unavailable']")
        assert page.xpath(f"//form[@action='/screening/rounds/{rid}/projects/{pid}/assessment']")

        action = f"/screening/rounds/{rid}/projects/{pid}/assessment"
        fields: list[tuple[str, str]] = []
        for key in page.xpath(f"//form[@action='{action}']//input[contains(@name, 'answers.') and @type='hidden']"):
            name = str(key.get("name"))  # `<prefix>.answers.N.key`: the rating and reason beside it
            fields += [(name, str(key.get("value"))), (name[: -len("key")] + "rating", "yes")]
            fields.append((name[: -len("key")] + "reason", "自分の評価"))
        assert fields
        sent = await both.post(action, fields)
        assert sent.status_code == 303, (sent.status_code, fields, text(document_fromstring(sent.text)))
        after = await both.page(f"/screening/rounds/{rid}/projects/{pid}")
        assert secret in text(one(after, "//main"))  # once their own is in, as any member
        assert after.xpath("//*[@id='assess-unavailable']")
