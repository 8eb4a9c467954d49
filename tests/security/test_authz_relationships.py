"""The authorization matrix's relationship rows (issue 22): what the table's `relationship` column says about the
caller's tie to the thing, asked in a seeded scene rather than with made-up ids, through the API and the pages.

The scene (real stores, real NATS, services in-process behind the gateway): two registered groups — みどりの会 (own
group, its representative rep-g) and 子ども食堂 (the other group, rep-f) — and a call in review whose board is m-1
(chair), m-2 and m-3, with m-3 recused from みどりの会's proposal by a conflict the coordinator pinned; m-9 is a
reviewer who sits on no board. Each refusal is asserted as the exact status and problem `code` the service answers
(a page: its status), and shown beside the same request by the one the relationship lets in, so a refusal cannot
come from a scene that is broken or a body that is invalid.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from support.authz import load_table, refusal
from support.calls import (
    close_and_open_review,
    content,
    coordinator,
    ok,
    published_call,
    registered_group,
    review_board,
    score,
    submit,
)
from support.workspace import Site, workspace

SERVICES = ["registry", "proposals"]
GREEN_TITLE = "緑の居場所づくり"
PDF = b"%PDF-1.7 the plan of the green group"
SOME_PROPOSAL = "0b6f2c3e-5d8a-4e1f-9a7b-3c2d1e0f9a8b"


@dataclass
class Scene:
    site: Site
    call_id: str
    green: str  # みどりの会's proposal (m-3 recused from it)
    green_group: str
    food_group: str
    open_call: str  # a second call, still open for proposals

    def api(self, service: str, sub: str, role: str, method: str, path: str, **more: Any) -> Any:
        headers = self.site.platform.token(sub, role)
        return self.site.api(service).request(method, path, headers=headers, **more)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def scene(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Scene]:
    async with workspace(SERVICES, tmp_path_factory.mktemp("authz-relations"), nats_url) as site:
        p = site.platform
        board = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        green_group = await registered_group(p, "rep-g", "みどりの会")
        food_group = await registered_group(p, "rep-f", "子ども食堂")
        call_id, deadline = await published_call(p, board, quorum=2)
        pdf = {
            "filename": "計画書.pdf",
            "media_type": "application/pdf",
            "content_base64": base64.b64encode(PDF).decode(),
        }
        await submit(p, call_id, green_group, "rep-g", GREEN_TITLE, [pdf])
        await submit(p, call_id, food_group, "rep-f", "子ども食堂の拡充")
        # A second call, open past the first one's deadline (the service's clock is moved beyond it below).
        later = (deadline + timedelta(days=20)).isoformat()
        open_call, _ = await published_call(p, board, quorum=2, deadline=later)
        await close_and_open_review(p, call_id, deadline)
        listed = await ok(
            site.api("proposals").get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer"))
        )
        green = next(i["proposal_id"] for i in listed.json()["items"] if i["group_id"] == green_group)
        conflict = {"member_sub": "m-3", "proposal_id": green, "kind": "business", "reason": "取引関係がある"}
        await ok(
            site.api("proposals").post(
                f"/calls/{call_id}/review/pinned-conflicts", json=conflict, headers=coordinator(p)
            ),
            201,
        )
        yield Scene(site, call_id, green, green_group, food_group, open_call)


def test_every_relationship_named_here_is_a_row_of_the_table() -> None:
    table = load_table()
    for key in CHECKED:
        assert key in table, key
        assert table[key].get("relationship"), key


CHECKED = [
    "registry GET /groups/{group_id}",
    "proposals GET /calls/{call_id}/proposals/{group_id}",
    "proposals PUT /calls/{call_id}/proposals/{group_id}",
    "proposals POST /calls/{call_id}/proposals/{group_id}/withdrawal",
    "proposals GET /calls/{call_id}/review/proposals",
    "proposals GET /calls/{call_id}/review/proposals/{proposal_id}/attachments/{sha256}",
    "proposals POST /calls/{call_id}/review/scores",
    "proposals GET /calls/{call_id}/review/scores/{proposal_id}",
    "proposals POST /calls/{call_id}/review/decision",
    "proposals POST /calls/{call_id}/proposals",
    "registry PUT /groups/{group_id}/profile",
    "registry POST /groups/{group_id}/dissolution",
    "registry POST /groups/{group_id}/contacts",
    "proposals POST /calls/{call_id}/review/conflicts",
    "proposals POST /calls/{call_id}/review/conflicts/removal",
    "proposals GET /calls/{call_id}/results/groups/{group_id}",
]


async def test_another_group_reads_a_groups_record_only_as_an_anonymous_reader_does(scene: Scene) -> None:
    path = f"/groups/{scene.green_group}"
    anonymous = await ok(scene.site.api("registry").get(path))
    other = await ok(scene.api("registry", "rep-f", "group", "GET", path))
    own = await ok(scene.api("registry", "rep-g", "group", "GET", path))
    assert other.json() == anonymous.json()
    assert set(own.json()) - set(anonymous.json()), "the scene's own group should read its full record"


async def test_another_groups_representative_neither_files_a_proposal_for_a_group_nor_changes_its_record(
    scene: Scene,
) -> None:
    p, registry = scene.site.platform, scene.site.api("registry")
    body = {"group_id": scene.green_group, "content": content("なりすまし提案"), "attachments": []}
    filed = await scene.api("proposals", "rep-f", "group", "POST", f"/calls/{scene.open_call}/proposals", json=body)
    assert refusal(filed) == (403, "not_acting_for_group"), filed.text
    await ok(scene.api("proposals", "rep-g", "group", "POST", f"/calls/{scene.open_call}/proposals", json=body), 201)

    path = f"/groups/{scene.green_group}"
    record = await ok(registry.get(path, headers=p.token("rep-g", "group")))
    profile = {**record.json()["profile"], "name": "乗っ取りの会"}
    as_other = {**p.token("rep-f", "group"), "If-Match": "*"}
    changed = await registry.put(f"{path}/profile", json=profile, headers=as_other)
    assert changed.status_code == 403, changed.text
    dissolved = await registry.post(f"{path}/dissolution", json={"reason": "解散します"}, headers=as_other)
    assert dissolved.status_code == 403, dissolved.text
    contact = {"sub": "contact-g", "name": "連絡担当", "email": "g@example.jp", "phone": "042-555-0100"}
    added = await registry.post(f"{path}/contacts", json=contact, headers=as_other)
    assert refusal(added) == (403, "not_representative"), added.text
    after = await ok(registry.get(path, headers=p.token("rep-g", "group")))
    assert after.json()["profile"]["name"] == "みどりの会"
    assert after.json()["status"] == record.json()["status"]
    own = await registry.put(f"{path}/profile", json=profile, headers={**p.token("rep-g", "group"), "If-Match": "*"})
    assert own.status_code == 200, "the group's own representative changes the profile"
    mine = await registry.post(f"{path}/contacts", json=contact, headers={**p.token("rep-g", "group"), "If-Match": "*"})
    assert mine.status_code == 201, ("the group's own representative adds the same contact", mine.text)


async def test_another_group_neither_reads_nor_changes_nor_withdraws_a_groups_proposal(scene: Scene) -> None:
    path = f"/calls/{scene.call_id}/proposals/{scene.green_group}"
    read = await scene.api("proposals", "rep-f", "group", "GET", path)
    assert refusal(read) == (404, "proposal_not_found"), "as if the group had filed none"
    await ok(scene.api("proposals", "rep-g", "group", "GET", path))
    body = {"content": content("乗っ取り"), "attachments": []}
    changed = await scene.site.api("proposals").put(
        path, json=body, headers={**scene.site.platform.token("rep-f", "group"), "If-Match": "*"}
    )
    assert refusal(changed) == (403, "not_acting_for_group"), changed.text
    withdrawn = await scene.site.api("proposals").post(
        f"{path}/withdrawal", headers={**scene.site.platform.token("rep-f", "group"), "If-Match": "*"}
    )
    assert refusal(withdrawn) == (403, "not_acting_for_group"), withdrawn.text
    assert GREEN_TITLE not in changed.text + withdrawn.text


async def test_a_reviewer_on_no_board_and_a_recused_member_read_nothing_of_the_proposal(scene: Scene) -> None:
    call, green = scene.call_id, scene.green
    listing = f"/calls/{call}/review/proposals"
    listed = await scene.api("proposals", "m-9", "reviewer", "GET", listing)
    assert refusal(listed) == (403, "not_on_board"), listed.text
    attachment = f"{listing}/{green}/attachments/{hashlib.sha256(PDF).hexdigest()}"
    # The outsider hears of no such proposal; the recused member, who knows it, that they are recused.
    for member, expected in (("m-9", (404, "proposal_not_found")), ("m-3", (403, "recused"))):
        answer = await scene.api("proposals", member, "reviewer", "GET", attachment)
        assert refusal(answer) == expected, (member, answer.text)
        assert PDF not in answer.content
    shown = await ok(scene.api("proposals", "m-1", "reviewer", "GET", attachment))
    assert shown.content == PDF


async def test_a_reviewer_on_no_board_and_a_recused_member_neither_score_nor_see_scores(scene: Scene) -> None:
    call, green = scene.call_id, scene.green
    # Scores are shown only to a board member, not recused, who has scored: anyone else hears `score_first` alike
    # (queries.scores_seen), so the answer tells an outsider nothing of the board.
    for member, scoring in (("m-9", (403, "not_on_board")), ("m-3", (403, "recused"))):
        answer = await score(scene.site.platform, call, member, green, 9, 9)
        assert refusal(answer) == scoring, (member, answer.text)
        seen = await scene.api("proposals", member, "reviewer", "GET", f"/calls/{call}/review/scores/{green}")
        assert refusal(seen) == (403, "score_first"), (member, seen.text)
    await ok(score(scene.site.platform, call, "m-1", green, 8, 7), 201)
    decide = {"reasons": "審査により採択"}
    decision = await scene.api("proposals", "m-3", "reviewer", "POST", f"/calls/{call}/review/decision", json=decide)
    assert refusal(decision) == (403, "not_the_confirmer"), "only the chair confirms the board's decision"
    # The chair is let through and stopped only by the board's state: no proposal has its quorum of two scores
    # (decision.decide records the shortfall as a block, which the tests below do not mind).
    chair = await scene.api("proposals", "m-1", "reviewer", "POST", f"/calls/{call}/review/decision", json=decide)
    assert refusal(chair) == (409, "quorum_not_met"), chair.text


async def test_the_review_pages_show_a_recused_member_and_an_outsider_nothing_of_the_proposal(scene: Scene) -> None:
    page = f"/proposals/calls/{scene.call_id}/review/proposals/{scene.green}"
    chair = await scene.site.browser("m-1", "reviewer").get(page)
    assert chair.status_code == 200
    assert GREEN_TITLE in chair.text, "the chair reads the proposal"
    outsider = scene.site.browser("m-9", "reviewer")
    assert (await outsider.get(page)).status_code == 403
    recused = scene.site.browser("m-3", "reviewer")
    answer = await recused.get(page)
    assert answer.status_code == 200, "the recused member's page says so, without the proposal"
    assert GREEN_TITLE not in answer.text
    assert "みどりの会" not in answer.text
    form = {"points.need": "9", "points.feasibility": "9", "comment": "所見"}
    for browser in (outsider, recused):
        posted = await browser.post(f"{page}/score", form)
        assert posted.status_code == 403, (browser.sub, posted.status_code, posted.headers.get("location"))


async def test_another_groups_representative_can_neither_open_nor_send_a_groups_workspace_forms(scene: Scene) -> None:
    other, own = scene.site.browser("rep-f", "group"), scene.site.browser("rep-g", "group")
    profile = f"/registry/groups/{scene.green_group}/profile"
    assert (await own.get(profile)).status_code == 200
    assert (await other.get(profile)).status_code == 403
    posted = await other.post(profile, {"name": "乗っ取りの会", "version": '"1"'})
    assert posted.status_code == 403, posted.status_code
    proposal = await other.get(f"/proposals/calls/{scene.call_id}/proposal", group=scene.green_group)
    assert proposal.status_code == 404, "as if the group had filed none"
    assert GREEN_TITLE not in proposal.text


async def test_only_a_board_member_declares_or_removes_a_conflict_of_their_own(scene: Scene) -> None:
    call, green = scene.call_id, scene.green
    body = {"proposal_id": green, "kind": "other", "reason": "近所に住んでいる"}
    outsider = await scene.api("proposals", "m-9", "reviewer", "POST", f"/calls/{call}/review/conflicts", json=body)
    assert refusal(outsider) == (403, "not_on_board"), outsider.text
    # Removing: only one's own conflict is looked for, so an outsider has none — of this proposal or of one that
    # does not exist alike (the answer tells nothing of the board's proposals).
    for proposal in (green, SOME_PROPOSAL):
        removal = {"proposal_id": proposal}
        answer = await scene.api(
            "proposals", "m-9", "reviewer", "POST", f"/calls/{call}/review/conflicts/removal", json=removal
        )
        assert refusal(answer) == (404, "conflict_not_found"), (proposal, answer.text)
    # A member declares one and takes it back (m-2 has scored nothing yet): let through both ways.
    await ok(scene.api("proposals", "m-2", "reviewer", "POST", f"/calls/{call}/review/conflicts", json=body), 201)
    await ok(
        scene.api(
            "proposals",
            "m-2",
            "reviewer",
            "POST",
            f"/calls/{call}/review/conflicts/removal",
            json={"proposal_id": green},
        )
    )


async def test_once_results_are_out_a_group_reads_its_own_scores_and_comments_only(scene: Scene) -> None:
    """Runs last: it ends the review (the board scores both proposals and the chair decides)."""
    p, call = scene.site.platform, scene.call_id
    listed = await ok(scene.api("proposals", "m-1", "reviewer", "GET", f"/calls/{call}/review/proposals"))
    for item in listed.json()["items"]:
        for member in ("m-1", "m-2"):
            answer = await score(p, call, member, item["proposal_id"], 8, 7)
            assert answer.status_code in (201, 409), answer.text  # m-1 scored みどりの会's in a test above
    decided = {"reasons": "審査により採択"}
    await ok(scene.api("proposals", "m-1", "reviewer", "POST", f"/calls/{call}/review/decision", json=decided))
    path = f"/calls/{call}/results/groups/{scene.green_group}"
    own = await ok(scene.api("proposals", "rep-g", "group", "GET", path))
    assert own.json()["comments"], "the group reads the reviewers' comments on its own proposal"
    # Another group's people hear that there is nothing published for them (queries.own_results); the center, an
    # auditor and a board member are not let through the gate (the group role only).
    answer = await scene.api("proposals", "rep-f", "group", "GET", path)
    assert refusal(answer) == (404, "results_not_published"), answer.text
    assert "所見" not in answer.text
    for sub, role in (("coord-1", "coordinator"), ("aud-1", "auditor"), ("m-1", "reviewer")):
        answer = await scene.api("proposals", sub, role, "GET", path)
        assert refusal(answer) == (403, "forbidden_role"), (sub, answer.text)
        assert "所見" not in answer.text
