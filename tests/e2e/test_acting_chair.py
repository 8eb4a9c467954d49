"""The acting chair (委員長代理) end to end, on SQLite and PostgreSQL with real NATS: when the chair and the
vice-chair are both recused on a call nobody can confirm, until the members not recused elect an acting chair and
the coordinator records it in the registry; the election is published on the registry's stream, proposals follows
it, and the acting chair confirms — but not an acting chair (or an election) that involves a recused member.
"""

from __future__ import annotations

from typing import Any

import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.bus import published_bodies, published_types
from support.calls import (
    close_and_open_review,
    coordinator,
    ok,
    published_call,
    registered_group,
    review_board,
    score,
    submit,
)
from support.harness import Backend, Platform, eventually, platform, settings_for

pytestmark = pytest.mark.smoke

REASONS = {"reasons": "委員長代理の確認による決定"}


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "proposals")}


async def declare_interest(p: Platform, member: str, group_id: str) -> None:
    await ok(
        p.clients["registry"].post(
            "/interests/me", json={"group_id": group_id, "kind": "member"}, headers=p.token(member, "reviewer")
        ),
        201,
    )


async def elect(p: Platform, committee: str, body: dict[str, Any]) -> Any:
    registry = p.clients["registry"]
    current = await ok(registry.get(f"/committees/{committee}/acting-chairs"))
    return await registry.post(
        f"/committees/{committee}/acting-chairs",
        json=body,
        headers={**coordinator(p), "If-Match": current.headers["ETag"]},
    )


def recorded(p: Platform, committee: str, matter: str) -> tuple[str, tuple[str, ...]] | None:
    """The election proposals knows of for the matter: (acting chair, electors)."""
    acting = p.apps["proposals"].state.kernel.application.view.acting_chair(committee, matter)
    return (acting.acting_chair_sub, acting.elector_subs) if acting is not None else None


async def decide(p: Platform, call_id: str, member: str) -> Any:
    return await p.clients["proposals"].post(
        f"/calls/{call_id}/review/decision", json=REASONS, headers=p.token(member, "reviewer")
    )


async def test_the_acting_chair_elected_by_members_not_recused_confirms_when_chair_and_vice_chair_are_recused(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        registry, proposals = p.clients["registry"], p.clients["proposals"]
        members = ["m-chair", "m-vice", "m-2", "m-3", "m-4"]
        committee = await review_board(p, members, "m-chair", "m-vice")
        green = await registered_group(p, "rep-g", "みどりの会")
        view = p.apps["proposals"].state.kernel.application.view
        # Both officers belong to the green group: recused from its proposal, so neither can confirm.
        for officer in ("m-chair", "m-vice"):
            await declare_interest(p, officer, green)
        await eventually(lambda: view.interested("m-chair", green) and view.interested("m-vice", green), timeout=20)
        call_id, deadline = await published_call(p, committee, quorum=2)
        matter = f"proposals:call:{call_id}"
        await submit(p, call_id, green, "rep-g", "緑地の保全")
        await close_and_open_review(p, call_id, deadline)
        listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-3", "reviewer")))
        proposal_id = listed.json()["items"][0]["proposal_id"]
        # m-2 declares a conflict in the review: recused too.
        await ok(
            proposals.post(
                f"/calls/{call_id}/review/conflicts",
                json={"proposal_id": proposal_id, "kind": "close_relation", "reason": "代表者が親族"},
                headers=p.token("m-2", "reviewer"),
            ),
            201,
        )
        await ok(score(p, call_id, "m-3", proposal_id, 8, 6), 201)
        await ok(score(p, call_id, "m-4", proposal_id, 7, 7), 201)

        nobody = await decide(p, call_id, "m-3")
        assert (nobody.status_code, nobody.json()["code"]) == (409, "no_confirmer")
        vice = await decide(p, call_id, "m-vice")
        assert (vice.status_code, vice.json()["code"]) == (409, "no_confirmer")

        # The registry checks membership and the request's shape; recusal is judged by proposals.
        stranger = await elect(p, committee, {"matter": matter, "acting_chair_sub": "x-1", "elector_subs": ["m-3"]})
        assert (stranger.status_code, stranger.json()["code"]) == (409, "not_a_member")
        outsider = await elect(p, committee, {"matter": matter, "acting_chair_sub": "m-3", "elector_subs": ["x-1"]})
        assert (outsider.status_code, outsider.json()["code"]) == (409, "not_a_member")
        twice = await elect(p, committee, {"matter": matter, "acting_chair_sub": "m-3", "elector_subs": ["m-4", "m-4"]})
        assert twice.status_code == 422
        assert "elector_subs" in twice.text
        unversioned = await registry.post(
            f"/committees/{committee}/acting-chairs",
            json={"matter": matter, "acting_chair_sub": "m-3", "elector_subs": ["m-3", "m-4"]},
            headers=coordinator(p),
        )
        assert unversioned.status_code == 428
        not_coordinator = await registry.post(
            f"/committees/{committee}/acting-chairs",
            json={"matter": matter, "acting_chair_sub": "m-3", "elector_subs": ["m-3", "m-4"]},
            headers=p.token("m-3", "reviewer"),
        )
        assert not_coordinator.status_code == 403

        # An elected member who is recused is refused; so is anyone else, since nobody valid was elected.
        await ok(
            elect(p, committee, {"matter": matter, "acting_chair_sub": "m-2", "elector_subs": ["m-3", "m-4"]}), 201
        )
        await eventually(lambda: recorded(p, committee, matter) == ("m-2", ("m-3", "m-4")), timeout=20)
        recused = await decide(p, call_id, "m-2")
        assert (recused.status_code, recused.json()["code"]) == (403, "recused")
        assert (await decide(p, call_id, "m-3")).json()["code"] == "no_confirmer"

        # An election in which a recused member voted does not count either.
        await ok(
            elect(p, committee, {"matter": matter, "acting_chair_sub": "m-3", "elector_subs": ["m-2", "m-3"]}), 201
        )
        await eventually(lambda: recorded(p, committee, matter) == ("m-3", ("m-2", "m-3")), timeout=20)
        tainted = await decide(p, call_id, "m-3")
        assert (tainted.status_code, tainted.json()["code"]) == (409, "no_confirmer")

        # Nor one member electing themselves: the electors must be a majority of the members not recused (m-3, m-4).
        await ok(elect(p, committee, {"matter": matter, "acting_chair_sub": "m-3", "elector_subs": ["m-3"]}), 201)
        await eventually(lambda: recorded(p, committee, matter) == ("m-3", ("m-3",)), timeout=20)
        alone = await decide(p, call_id, "m-3")
        assert (alone.status_code, alone.json()["code"]) == (409, "no_confirmer")

        elected = await ok(
            elect(p, committee, {"matter": matter, "acting_chair_sub": "m-3", "elector_subs": ["m-4", "m-3"]}), 201
        )
        assert elected.json()["items"] == [
            {
                "matter": matter,
                "acting_chair_sub": "m-3",
                "elector_subs": ["m-3", "m-4"],
                "elected_on": elected.json()["items"][0]["elected_on"],
            }
        ]
        await eventually(lambda: recorded(p, committee, matter) == ("m-3", ("m-3", "m-4")), timeout=20)
        other = await decide(p, call_id, "m-4")
        assert (other.status_code, other.json()["code"]) == (403, "not_the_confirmer")
        decided = await ok(decide(p, call_id, "m-3"))
        results = decided.json()
        assert results["selected"] == [proposal_id]
        assert (await ok(proposals.get(f"/calls/{call_id}/results"))).json() == results

        # The elections are public: in the registry's read API and on its stream, in the order recorded.
        public = await ok(registry.get(f"/committees/{committee}/acting-chairs"))
        assert public.json()["items"] == elected.json()["items"]

        async def elections_published() -> bool:
            types: list[str] = await published_types(nats_url, bus_namespace, "registry")
            return types.count("committee.acting_chair_elected.v1") == 4

        await eventually(elections_published, timeout=20)
        published = await published_bodies(nats_url, bus_namespace, "registry", "committee.acting_chair_elected.v1")
        assert [(m["acting_chair_sub"], m["elector_subs"]) for m in published] == [
            ("m-2", ["m-3", "m-4"]),
            ("m-3", ["m-2", "m-3"]),
            ("m-3", ["m-3"]),
            ("m-3", ["m-3", "m-4"]),
        ]
        assert {(m["committee_id"], m["committee_kind"], m["matter"]) for m in published} == {
            (committee, "review_board", matter)
        }

        async def results_published() -> bool:
            return "call.results_published.v1" in await published_types(nats_url, bus_namespace, "proposals")

        await eventually(results_published, timeout=20)
