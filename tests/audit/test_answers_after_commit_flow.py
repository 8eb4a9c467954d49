"""A call's whole way to an evaluation project through the API, with the store gone after every command's save
(issue 22, `support.after_commit`): the registry's committee, the proposals service's call, sealed submission,
review, scores and decision — a decision short of its quorum too, whose refusal named the eligible substitutes from
a read after the block's save — and the evaluation service's project made when the coordinator names the adoption's
department, which its answer loaded again after the save. Each answered 503 for a command that was written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.after_commit import summary, watching
from support.calls import close_and_open_review, coordinator, ok, published_call, review_board, score, submit
from support.evaluation import partners
from support.harness import Backend, eventually, platform, settings_for


async def test_a_call_reviewed_decided_and_adopted_into_an_evaluation_project_answers_nothing_after_its_saves(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = Backend("sqlite", tmp_path)
    names = ("registry", "proposals", "evaluation")
    async with platform({n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in names}, issuer) as p:
        proposals, evaluation = p.clients["proposals"], p.clients["evaluation"]
        with watching(monkeypatch) as watched:
            dept, group_id = await partners(p, "rep-g", "みどりの会", "liaison-1")
            board = await review_board(p, ["r-1", "r-2"], "r-1", "r-2")
            call_id, deadline = await published_call(p, board, quorum=2)
            await submit(p, call_id, group_id, "rep-g", "地域の居場所づくり")
            await close_and_open_review(p, call_id, deadline)
            listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("r-1", "reviewer")))
            proposal_id = listed.json()["items"][0]["proposal_id"]
            await ok(score(p, call_id, "r-1", proposal_id, 8, 7), 201)
            decide = f"/calls/{call_id}/review/decision"
            short = await proposals.post(decide, json={"reasons": "審査"}, headers=p.token("r-1", "reviewer"))
            assert (short.status_code, short.json()["code"]) == (409, "quorum_not_met"), short.text
            await ok(score(p, call_id, "r-2", proposal_id, 8, 7), 201)
            await ok(proposals.post(decide, json={"reasons": "審査により採択"}, headers=p.token("r-1", "reviewer")))

            async def awaiting() -> list[dict[str, Any]]:
                items: list[dict[str, Any]] = (await evaluation.get("/adoptions", headers=coordinator(p))).json()[
                    "items"
                ]
                return items

            await eventually(awaiting, timeout=30)
            created = await evaluation.post(
                f"/adoptions/{proposal_id}/project", json={"department_id": dept.id}, headers=coordinator(p)
            )
        assert not watched.reaching_after_save(), summary(watched.reaching_after_save())
        assert created.status_code == 201, created.text
        assert (created.json()["department_id"], created.json()["links"]["proposal_id"]) == (dept.id, proposal_id)
        assert {w.command.split("/")[1] for w in watched.saved()} >= {"groups", "committees", "calls", "adoptions"}
