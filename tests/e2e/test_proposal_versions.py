"""Versions and pages over HTTP, on SQLite and PostgreSQL with real NATS: a first submission names no version, a
revision or a withdrawal names the one the group saw (If-Match, checked by the application in the load that
changes the proposal), and the list of calls pages like every other list (`page`, `per_page`, `Link`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.calls import content, coordinator, ok, published_call, registered_group, review_board, submit
from support.harness import Backend, eventually, platform, settings_for

pytestmark = pytest.mark.smoke


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "proposals")}


def problem(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


async def test_a_revision_or_a_withdrawal_names_the_version_the_group_saw(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        green = await registered_group(p, "rep-g", "みどりの会")
        food = await registered_group(p, "rep-f", "子ども食堂")
        call_id, _ = await published_call(p, committee)
        proposals, rep = p.clients["proposals"], p.token("rep-g", "group")
        first = await submit(p, call_id, green, "rep-g", "初版")
        assert first.headers["ETag"] == '"1"'
        path, body = f"/calls/{call_id}/proposals/{green}", {"content": content("改訂版")}

        assert problem(await proposals.put(path, json=body, headers=rep)) == (428, "precondition_required")
        for stale in ('"7"', 'W/"1"'):
            changed = await proposals.put(path, json=body, headers={**rep, "If-Match": stale})
            assert problem(changed) == (412, "proposal_changed")
        malformed = await proposals.put(path, json=body, headers={**rep, "If-Match": "1"})
        assert problem(malformed) == (400, "invalid_if_match")
        # Someone who does not act for the group is refused before anything is read, whatever version is named.
        outsider = await proposals.put(path, json=body, headers={**p.token("rep-f", "group"), "If-Match": "*"})
        assert problem(outsider) == (403, "not_acting_for_group")

        # `*`: whichever version the group's proposal has now.
        revised = await ok(proposals.put(path, json=body, headers={**rep, "If-Match": "*"}))
        assert (revised.headers["ETag"], revised.json()["receipt"]["proposal_version"]) == ('"2"', 2)
        assert revised.json()["content"] == content("改訂版")
        # …but there must be one: a group that never submitted has nothing to revise.
        nothing = await proposals.put(
            f"/calls/{call_id}/proposals/{food}", json=body, headers={**p.token("rep-f", "group"), "If-Match": "*"}
        )
        assert problem(nothing) == (404, "proposal_not_found")

        withdrawal = f"{path}/withdrawal"
        assert problem(await proposals.post(withdrawal, headers=rep)) == (428, "precondition_required")
        # A list names several versions the group may have seen; the current one among them is enough.
        withdrawn = await ok(proposals.post(withdrawal, headers={**rep, "If-Match": '"1", "2"'}))
        assert (withdrawn.headers["ETag"], withdrawn.json()["withdrawn"]) == ('"3"', True)
        # The answer shows the version withdrawn, as the group's own read does.
        own = await ok(proposals.get(path, headers=rep))
        assert own.json() == withdrawn.json()
        assert own.headers["ETag"] == '"3"'


def links(response: Any) -> dict[str, str]:
    return {rel: target for target, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', response.headers["Link"])}


async def test_calls_are_listed_page_by_page_drafts_for_coordinators_only(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        first, _ = await published_call(p, committee)
        second, _ = await published_call(p, committee)
        proposals = p.clients["proposals"]
        drafted = await ok(
            proposals.post(
                "/calls",
                json={
                    "kind": "open_call",
                    "title_ja": "下書き",
                    "description_ja": "未公告",
                    "criteria": [{"key": "need", "name_ja": "必要性", "weight": 1, "max_points": 10}],
                    "passing_score": "5",
                    "deadline": "2099-01-01T00:00:00+09:00",
                    "committee_id": committee,
                },
                headers=coordinator(p),
            ),
            201,
        )
        # A command on an existing call names the version it saw.
        unnamed = await proposals.post(
            f"/calls/{drafted.json()['id']}/cancellation", json={"reason": "x"}, headers=coordinator(p)
        )
        assert problem(unnamed) == (428, "precondition_required")

        async def listed() -> bool:
            return bool((await proposals.get("/calls")).json()["total"] == 2)

        await eventually(listed, timeout=20)
        page = await ok(proposals.get("/calls", params={"per_page": 1}))
        assert {k: v for k, v in page.json().items() if k != "items"} == {"total": 2, "page": 1, "per_page": 1}
        assert links(page) == {
            "first": "?page=1&per_page=1",
            "next": "?page=2&per_page=1",
            "last": "?page=2&per_page=1",
        }
        following = await ok(proposals.get("/calls", params={"page": 2, "per_page": 1}))
        assert sorted(c["id"] for c in page.json()["items"] + following.json()["items"]) == sorted([first, second])
        assert problem(await proposals.get("/calls", params={"per_page": 101})) == (422, "validation_failed")

        async def all_three() -> bool:
            return bool((await proposals.get("/calls", headers=coordinator(p))).json()["total"] == 3)

        await eventually(all_three, timeout=20)
