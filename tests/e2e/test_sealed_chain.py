"""The sealed store's history is verifiable once the deadline has passed, on SQLite and PostgreSQL: the close records
the chain of exactly that call's sealed events (the gate's and each proposal's: their ids, how many, the head), the
audit history shows it, `kyodo audit verify` by database recomputes it from the sealed store, and an event removed
or altered there afterwards is reported at the close's position.

The expected chain is recomputed here from the sealed store's raw rows with the formula documented in
kyodo_shared/store/sealed.py and audit/chain.py, independently of the service's code.
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kyodo_proposals.domain import Call
from kyodo_shared.audit.local import verify_local
from kyodo_shared.audit.sealed_check import check_listing
from kyodo_shared.audit.verify import PinFile
from kyodo_shared.domain.actors import Actor, Principal
from kyodo_shared.domain.refusals import ANY_CURRENT
from kyodo_shared.web.auth import Role
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import (
    close_and_open_review,
    content,
    ok,
    published_call,
    registered_group,
    review_board,
    submit,
)
from support.cli import cli_env, run_kyodo
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.sealed import by_hand, delete_sealed_row, sealed_activity, sealed_rows

pytestmark = pytest.mark.smoke

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "test"}


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "proposals")}


def verify(p: Platform) -> Any:
    kernel = p.apps["proposals"].state.kernel
    pins = PinFile(Path(kernel.settings.audit.keys_dir) / "pins.json")
    keys = kernel.published_keys()
    return verify_local("proposals", kernel.application, kernel.chain, keys, pins, sealed=kernel.sealed)


async def test_the_close_records_the_calls_sealed_chain_which_verify_recomputes_and_tampering_breaks(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = services(backend, nats_url, bus_namespace, issuer)
    async with platform(settings, issuer) as p:
        activity = await sealed_activity(p)
        call_id, other_call, proposals = activity.call_id, activity.other_call, p.clients["proposals"]
        # The other call's sealed activity is in the same sealed store, never in this call's chain.
        await close_and_open_review(p, call_id, activity.deadline)

        auditor = p.token("auditor-1", "auditor")
        closed: dict[str, Any] = {}

        async def both_closed() -> bool:
            # Both calls had the same deadline: both close (the other by its own timer, perhaps a moment later),
            # each recording its own chain.
            params = {"type": "proposals.Call.Closed"}
            items = (await ok(proposals.get("/audit/events", params=params, headers=auditor))).json()["items"]
            closed.update({item["originator_id"]: item for item in items})
            return set(closed) == {call_id, other_call}

        await eventually(both_closed, timeout=20)
        recorded = closed[call_id]["body"]["sealed_chain"]
        # The gate: opened and passed with the first submission, passed by each of the three later changes, shut.
        # The first proposal: submitted and revised; the second: submitted and withdrawn. 6 + 2 + 2 = 10.
        assert recorded["count"] == 10
        assert len(recorded["ids"]) == 3
        rows = sealed_rows(backend)
        assert (recorded["count"], recorded["head"]) == by_hand(rows, set(recorded["ids"]))
        # The other call's: its gate opened, passed and shut, its one proposal submitted — in the same store, in a
        # chain of its own.
        elsewhere = closed[other_call]["body"]["sealed_chain"]
        assert (elsewhere["count"], elsewhere["head"]) == by_hand(rows, set(elsewhere["ids"])) == (4, elsewhere["head"])
        assert len(rows) == 10 + 4

        report = verify(p)
        assert (report.ok, report.sealed_chains) == (True, 2), report.as_dict()
        # An auditor without database access reads the same chains from the audit API, and they check out.
        listing = (await ok(proposals.get("/audit/sealed", headers=auditor))).json()["items"]
        assert {i["position"]: len(i["entries"]) for i in listing} == {
            closed[call_id]["position"]: 10,
            closed[other_call]["position"]: 4,
        }
        assert check_listing(listing) == []
        forged = copy.deepcopy(listing)
        forged[0]["entries"][3]["state_hash"] = "00" * 32
        assert [f.kind for f in check_listing(forged)] == ["sealed_mismatch"]

        # Remove one of the call's sealed events: verification names the close's position.
        victim = next(r for r in rows if r[1] in recorded["ids"] and r[2] == 2 and "Proposal" in r[3])
        delete_sealed_row(backend, victim[0])
        broken = verify(p)
        assert not broken.ok
        assert [(f.position, f.kind) for f in broken.findings] == [(closed[call_id]["position"], "sealed_mismatch")]
        assert "holds 9 events" in broken.findings[0].detail
        position = closed[call_id]["position"]
        listing = (await ok(proposals.get("/audit/sealed", headers=auditor))).json()["items"]
        assert [(f.position, f.kind) for f in check_listing(listing)] == [(position, "sealed_mismatch")]
    # The operator's command says the same, by database.
    verified = await asyncio.to_thread(
        run_kyodo,
        "audit",
        "verify",
        "proposals",
        "--json",
        "--pin",
        str(backend.folder / "pins.json"),
        env=cli_env(settings["proposals"]),
    )
    assert verified.returncode == 1, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["sealed_chains"] == 2
    assert [(f["position"], f["kind"]) for f in report["findings"]] == [(position, "sealed_mismatch")]


async def test_a_cancellation_that_fails_after_shutting_the_gate_opens_it_again_and_the_next_one_records_the_chain(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        group = await registered_group(p, "rep-a", "みどりの会")
        call_id, _ = await published_call(p, committee)
        submitted = await submit(p, call_id, group, "rep-a", "緑地の保全")
        app = p.apps["proposals"].state.kernel.application
        coordinator = Actor(Principal("coord-1", frozenset({Role.COORDINATOR})), TRACE)
        save = app.save

        def failing(*objs: Any) -> Any:
            if any(isinstance(o, Call) for o in objs):
                raise RuntimeError("the store went away")  # after the gate shut, before the call's own save
            return save(*objs)

        app.save = failing
        try:
            with pytest.raises(RuntimeError):
                app.cancel(coordinator, ANY_CURRENT, uuid.UUID(call_id), "予算の都合")
        finally:
            app.save = save
        # The call still takes proposals: the failed cancellation opened the gate it had shut.
        await ok(
            p.clients["proposals"].put(
                f"/calls/{call_id}/proposals/{group}",
                json={"content": content("緑地の保全（改訂）"), "attachments": []},
                headers={**p.token("rep-a", "group"), "If-Match": submitted.headers["ETag"]},
            )
        )
        await ok(
            p.clients["proposals"].post(
                f"/calls/{call_id}/cancellation",
                json={"reason": "予算の都合"},
                headers={**p.token("coord-1", "coordinator"), "If-Match": "*"},
            )
        )
        items = (
            await ok(
                p.clients["proposals"].get(
                    "/audit/events", params={"type": "proposals.Call.Cancelled"}, headers=p.token("a", "auditor")
                )
            )
        ).json()["items"]
        recorded = items[0]["body"]["sealed_chain"]
        # Gate: opened and passed (submission), shut and reopened (the failed cancellation), passed (revision), shut.
        # Proposal: submitted, revised. 6 + 2 = 8.
        assert recorded["count"] == 8
        assert (recorded["count"], recorded["head"]) == by_hand(sealed_rows(backend), set(recorded["ids"]))
        report = verify(p)
        assert (report.ok, report.sealed_chains) == (True, 1), report.as_dict()


async def test_the_review_does_not_open_on_a_sealed_store_changed_since_the_close(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        group = await registered_group(p, "rep-a", "みどりの会")
        call_id, deadline = await published_call(p, committee)
        await submit(p, call_id, group, "rep-a", "緑地の保全")
        kernel = p.apps["proposals"].state.kernel
        kernel.clock = lambda: deadline + timedelta(seconds=1)
        await eventually(lambda: kernel.application.get_call(uuid.UUID(call_id)).status == "closed", timeout=20)
        victim = next(r for r in sealed_rows(backend) if "Proposal" in r[3])
        delete_sealed_row(backend, victim[0])
        refused = await p.clients["proposals"].post(
            f"/calls/{call_id}/review", headers=p.token("coord-1", "coordinator")
        )
        assert (refused.status_code, refused.json()["code"]) == (409, "sealed_chain_mismatch"), refused.text
        assert "kyodo audit verify proposals" in refused.json()["detail_en"]
