"""The authorization matrix's relationship rows of screening (issue 22): a draft round is the center's; a project's
self-check is the department's and the center's until decided; a team member reads the others' assessments only
after giving their own (independence), whatever other role they hold.

The scene (screening and the registry in-process, real stores and NATS; support.screening): KODOMO (liaison
a-liaison, a-staff, t-a) and KANKYO (liaison b-liaison, t-b); the team t-a and t-b; project A-1 of KODOMO in an open
round, its self-check given by a-liaison, assessed by t-a only; a draft round. Each refusal is the exact status and
problem `code`, beside the same request by the one the relationship lets in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from support.authz import load_table, refusal
from support.calls import coordinator, ok
from support.screening import (
    answers,
    open_round_with_a_project,
    round_body,
)
from support.workspace import Site, workspace

SELF_CHECK = "内部検討中：委託先の選定に課題あり"
ASSESSED = "t-a の評価理由：成果指標が明確"
CHECKED = [
    "screening GET /rounds/{round_id}",
    "screening GET /rounds/{round_id}/projects/{project_id}",
    "screening GET /rounds/{round_id}/projects/{project_id}/assessments",
    "page POST /screening/projects/{project_id}",
]


@dataclass
class Round:
    site: Site
    round_id: str
    draft_id: str
    project: str

    def ask(self, path: str, sub: str | None, *roles: str) -> Any:
        headers = self.site.platform.token(sub, *roles) if sub else {}
        return self.site.api("screening").get(path, headers=headers)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def scene(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Round]:
    async with workspace(["registry", "screening"], tmp_path_factory.mktemp("authz-screening"), nats_url) as site:
        p = site.platform
        screening = site.api("screening")
        opened = await open_round_with_a_project(p, screening)
        round_id, project = opened.round_id, {"id": opened.project_id}
        draft = round_body(opened.fiscal_year, [opened.department_id], opened.deadline, title_ja="下書きの回")
        draft_id = (await ok(screening.post("/rounds", json=draft, headers=coordinator(p)), 201)).json()["id"]
        base = f"/rounds/{round_id}/projects/{project['id']}"
        await ok(
            screening.put(f"{base}/self-check", json=answers(reason=SELF_CHECK), headers=p.token("a-liaison", "staff"))
        )
        await ok(
            screening.post(f"{base}/assessments", json=answers(reason=ASSESSED), headers=p.token("t-a", "staff")), 201
        )
        yield Round(site, round_id, draft_id, project["id"])


def test_every_relationship_named_here_is_a_row_of_the_table() -> None:
    table = load_table()
    for key in CHECKED:
        assert table[key].get("relationship"), key


async def test_a_draft_round_is_the_centers_alone(scene: Round) -> None:
    path = f"/rounds/{scene.draft_id}"
    for sub, roles in ((None, ()), ("citizen-1", ("public",)), ("a-staff", ("staff",)), ("t-a", ("staff", "team"))):
        for tail in ("", f"/projects/{scene.project}", f"/projects/{scene.project}/assessments"):
            if tail.endswith("assessments") and sub is None:
                continue  # signed-in callers only: the gate's 401, asked by the matrix
            answer = await scene.ask(path + tail, sub, *roles)
            assert refusal(answer) == (404, "round_not_found"), (sub, tail, answer.text)
    for sub, role in (("coord-1", "coordinator"), ("aud-1", "auditor")):
        await ok(scene.ask(path, sub, role))


async def test_a_projects_self_check_is_shown_to_its_department_and_the_center_only(scene: Round) -> None:
    path = f"/rounds/{scene.round_id}/projects/{scene.project}"
    for sub, roles, shown in (
        ("a-liaison", ("staff",), True),
        ("coord-1", ("coordinator",), True),
        ("aud-1", ("auditor",), True),
        (None, (), False),
        ("citizen-1", ("public",), False),
        ("t-b", ("staff", "team"), False),
        ("b-liaison", ("staff",), False),
        ("rep-1", ("group",), False),
    ):
        view = await ok(scene.ask(path, sub, *roles))
        assert (view.json()["self_check"] is not None, SELF_CHECK in view.text) == (shown, shown), (sub, roles)


async def test_a_team_member_reads_the_others_assessments_only_after_giving_their_own(scene: Round) -> None:
    path = f"/rounds/{scene.round_id}/projects/{scene.project}/assessments"
    # t-b, on the team, has not assessed: refused whatever other role the account holds (the center's included).
    for sub, roles, expected in (
        ("t-b", ("staff",), (403, "assess_first")),
        ("t-b", ("team",), (403, "assess_first")),
        ("t-b", ("staff", "coordinator", "auditor"), (403, "assess_first")),
        ("a-staff", ("staff",), (403, "not_on_round_team")),
        ("a-liaison", ("staff",), (403, "not_on_round_team")),
        ("rep-1", ("group",), (403, "not_on_round_team")),
    ):
        answer = await scene.ask(path, sub, *roles)
        assert refusal(answer) == expected, (sub, roles, answer.text)
        assert ASSESSED not in answer.text
    for sub, role in (("t-a", "staff"), ("coord-1", "coordinator"), ("aud-1", "auditor")):
        shown = await ok(scene.ask(path, sub, role))
        assert ASSESSED in shown.text, sub


async def test_a_projects_record_is_revised_on_its_page_by_its_own_departments_staff_only(scene: Round) -> None:
    page, api = f"/screening/projects/{scene.project}", f"/projects/{scene.project}"
    form = {"project_number": "A-1", "title": "乗っ取り", "purpose": "交流", "budget_yen": "1"}
    version = (await ok(scene.ask(api, None))).headers["ETag"]
    for sub in ("b-liaison", "t-b"):
        refused = await scene.site.browser(sub, "staff").post(page, {**form, "version": version})
        assert refused.status_code == 403, (sub, refused.status_code)
        assert "この部署の職員ではありません" in refused.text, sub
    assert (await ok(scene.ask(api, None))).json()["record"]["title"] == "子育てひろば"
    revised = await scene.site.browser("a-staff", "staff").post(
        page, {**form, "title": "子育てひろば（改）", "version": version}
    )
    assert revised.status_code == 303, revised.status_code
    assert (await ok(scene.ask(api, None))).json()["record"]["title"] == "子育てひろば（改）"
