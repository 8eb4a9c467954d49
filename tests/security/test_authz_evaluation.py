"""The authorization matrix's relationship rows of the evaluation service (issue 22), asked in a seeded scene: a
collaboration project between the department KYODO (liaison-1; staff-2 on its staff) and group G (rep-g), under
evaluation by the evaluation committee (ev-chair, ev-vice, ev-1..ev-3) with ev-3 recused by a conflict the center
pinned; group H's representative (rep-h) is a party to nothing, ev-out an evaluator on no committee
(support.evaluation_http.world). Each refusal is asserted as the exact status and problem `code` the service answers
(a page: its status) and stands beside the same request by someone the relationship lets in.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from support.authz import load_table, refusal
from support.calls import coordinator, ok
from support.evaluation_committee_pages import Scene, committee_scene, score_form
from support.evaluation_http import evaluating, points, self_evaluation

RECOMMENDATION = {"recommendation": "improve", "reasons_ja": "改善して継続"}
CHECKED = [
    "evaluation GET /projects/{project_id}",
    "evaluation GET /projects/{project_id}/timeline",
    "evaluation GET /projects/{project_id}/reports",
    "evaluation GET /projects/{project_id}/committee",
    "evaluation PUT /projects/{project_id}/self-evaluation",
    "evaluation POST /projects/{project_id}/committee/scores",
    "evaluation GET /projects/{project_id}/committee/scores",
    "evaluation POST /projects/{project_id}/committee/recommendation",
    "page POST /evaluation/projects/{project_id}/committee/scores",
]


@dataclass
class Evaluated:
    scene: Scene
    pid: str

    def ask(self, sub: str, role: str, method: str, tail: str = "", **more: Any) -> Coroutine[Any, Any, httpx.Response]:
        client: httpx.AsyncClient = self.scene.p.clients["evaluation"]
        headers = self.scene.p.token(sub, role)
        return client.request(method, f"/projects/{self.pid}{tail}", headers=headers, **more)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def evaluated(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Evaluated]:
    async with committee_scene(tmp_path_factory.mktemp("authz-evaluation"), nats_url) as scene:
        p = scene.p
        pid = await evaluating(p, scene.w)
        pinned = {"member_sub": "ev-3", "kind": "business", "reason": "取引関係"}
        await ok(
            p.clients["evaluation"].post(
                f"/projects/{pid}/committee/pinned-conflicts", json=pinned, headers=coordinator(p)
            )
        )
        yield Evaluated(scene, pid)


def test_every_relationship_named_here_is_a_row_of_the_table() -> None:
    table = load_table()
    for key in CHECKED:
        assert table[key].get("relationship"), key


async def test_someone_party_to_nothing_reads_nothing_of_the_project(evaluated: Evaluated) -> None:
    for tail in ("", "/timeline", "/reports", "/committee"):
        outsider = await evaluated.ask("rep-h", "group", "GET", tail)
        assert outsider.status_code == 404, (tail, outsider.status_code)
        await ok(evaluated.ask("rep-g", "group", "GET", tail))
        await ok(evaluated.ask("staff-2", "staff", "GET", tail))


async def test_another_group_cannot_self_evaluate_the_project(evaluated: Evaluated) -> None:
    answer = await evaluated.ask("rep-h", "group", "PUT", "/self-evaluation", json=self_evaluation())
    assert refusal(answer) == (403, "not_a_partner"), answer.text
    # The project's own group is let through: its self-evaluation was taken (201) when the scene was set up
    # (support.evaluation_http.evaluating), and another one now is refused only because both are in (domain.py).
    own = await evaluated.ask("rep-g", "group", "PUT", "/self-evaluation", json=self_evaluation())
    assert refusal(own) == (409, "self_evaluation_closed"), own.text


async def test_an_evaluator_on_no_committee_and_a_recused_member_neither_score_nor_read_scores(
    evaluated: Evaluated,
) -> None:
    for member, code in (("ev-out", "not_on_committee"), ("ev-3", "recused")):
        scored = await evaluated.ask(member, "evaluator", "POST", "/committee/scores", json=points())
        assert refusal(scored) == (403, code), (member, scored.text)
        seen = await evaluated.ask(member, "evaluator", "GET", "/committee/scores")
        assert refusal(seen) == (403, code), (member, seen.text)
    for member in ("ev-1", "ev-3"):
        recommended = await evaluated.ask(member, "evaluator", "POST", "/committee/recommendation", json=RECOMMENDATION)
        assert refusal(recommended) == (403, "not_the_confirmer"), (member, recommended.text)
    await ok(evaluated.ask("ev-1", "evaluator", "POST", "/committee/scores", json=points()), 201)
    # The chair is let through and stopped only by the committee's state: one score of the quorum of three.
    chair = await evaluated.ask("ev-chair", "evaluator", "POST", "/committee/recommendation", json=RECOMMENDATION)
    assert refusal(chair) == (409, "quorum_not_met"), chair.text


async def test_the_committee_page_takes_no_score_from_a_recused_member_or_an_outsider(evaluated: Evaluated) -> None:
    site = evaluated.scene.site
    path = f"/evaluation/projects/{evaluated.pid}/committee/scores"
    for sub in ("ev-out", "ev-3"):
        posted = await site.browser(sub, "evaluator").post(path, score_form())
        assert posted.status_code == 403, (sub, posted.status_code, posted.headers.get("location"))
    committee = site.application("evaluation").find_committee(uuid.UUID(evaluated.pid))
    assert "ev-out" not in committee.scores
    assert "ev-3" not in committee.scores
