"""`kyodo audit recompute` checks a call's sealed chain once its sealed period has ended: the count and head its close
(or a published call's cancellation) recorded, recomputed from the sealed store by the auditor's own code, and every
proposal revealed to the board against the sealed ids the close recorded.

Why: the sealed store is read by nothing public, so an event removed from it after the deadline, or a proposal shown
to the board that was never sealed, would otherwise go unseen by the auditor's independent tool. A close that records
no chain is a problem only where no call can predate the sealed store; elsewhere the auditor cannot tell, without the
sealing key, which calls do, and says so in a note.

The hand-written histories (support/recompute.py) prove the decisions about what is recorded; a call closed and
decided over HTTP on SQLite and PostgreSQL proves the recompute agrees with the chain the service recorded, and
that deleting one sealed row makes the command exit 1 naming both counts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyodo_recompute import cli, recompute_call
from kyodo_recompute.sealed import SealedRecord, SealedStore
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import (
    close_and_open_review,
    coordinator,
    ok,
    score,
)
from support.harness import Backend, Platform, platform, settings_for
from support.recompute import CALL_ID, A, B, C, find, proposal_id, scored_call
from support.sealed import delete_sealed_row, sealed_activity

GATE = "0b5d1f9e-6a43-4c7e-9d2b-3f1e8a7c6d50"  # any id: the auditor cannot derive a gate's without the sealing key


def closed_with(key: Ed25519PrivateKey, chain: Any, *, field: bool = True) -> list[dict[str, Any]]:
    """The decided call of support/recompute.py, its close recording `chain` (no field at all unless `field`)."""
    events: list[dict[str, Any]] = scored_call(key).events()
    if field:
        find(events, "Call.Closed")["sealed_chain"] = chain
    return events


def test_a_proposal_revealed_at_the_review_s_opening_that_was_never_sealed_is_reported(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    # The close sealed off the gate and proposals A and B; the review then showed the board A, B and C.
    chain = {"ids": sorted([GATE, proposal_id(A), proposal_id(B)]), "count": 5, "head": "ab" * 32}
    report = recompute_call(CALL_ID, closed_with(key, chain), keys)
    assert [(f.code, f.proposal_id) for f in report.findings] == [("revealed_not_sealed", proposal_id(C))]
    assert "revealed" in report.findings[0].message_en
    assert "開示" in report.findings[0].message_ja
    # Without the sealed store (a history given as plain events) the chain itself is not recomputed, and it says so.
    assert [n.code for n in report.notes] == ["sealed_store_not_read"]
    assert report.as_dict()["sealed_chain"]["recomputed"] is None
    everything = sorted([GATE, proposal_id(A), proposal_id(B), proposal_id(C)])
    assert recompute_call(CALL_ID, closed_with(key, {**chain, "ids": everything}), keys).ok


def test_a_close_without_a_chain_is_a_finding_only_where_no_call_can_predate_the_sealed_store(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    no_legacy = SealedStore(records=(), public_gates=False)
    missing = recompute_call(CALL_ID, closed_with(key, None), keys, no_legacy)
    assert [f.code for f in missing.findings] == ["sealed_chain_missing"]
    # Gate events in the public store: some calls predate the sealed store, and which ones only the key could say.
    some_legacy = SealedStore(records=(), public_gates=True)
    undecidable = recompute_call(CALL_ID, closed_with(key, None), keys, some_legacy)
    assert (undecidable.ok, [n.code for n in undecidable.notes]) == (True, ["sealed_chain_null"])
    # No sealed store at all: every sealed event is in the public chain.
    no_store = recompute_call(CALL_ID, closed_with(key, None), keys, SealedStore(records=None))
    assert (no_store.ok, [n.code for n in no_store.notes]) == (True, ["sealed_chain_null"])
    # A close stored before closes recorded chains has no such field: a call from before the sealed store.
    legacy = recompute_call(CALL_ID, closed_with(key, None, field=False), keys, no_legacy)
    assert (legacy.ok, [n.code for n in legacy.notes]) == (True, ["sealed_chain_legacy"])


def test_a_recorded_chain_that_is_malformed_or_has_no_sealed_store_to_check_it_against_is_reported(
    key: Ed25519PrivateKey, keys: Any
) -> None:
    malformed = recompute_call(CALL_ID, closed_with(key, {"ids": "all", "count": 1, "head": "0" * 64}), keys)
    assert [f.code for f in malformed.findings] == ["sealed_chain_malformed"]
    chain = {"ids": sorted([GATE, proposal_id(A), proposal_id(B), proposal_id(C)]), "count": 0, "head": "0" * 64}
    no_store = recompute_call(CALL_ID, closed_with(key, chain), keys, SealedStore(records=None))
    assert [f.code for f in no_store.findings] == ["sealed_store_missing"]
    # The chain of no events is link_0, 32 zero bytes; one sealed event of the call makes it a mismatch.
    empty = recompute_call(CALL_ID, closed_with(key, chain), keys, SealedStore(records=()))
    assert empty.ok, empty.as_dict()
    one = SealedStore(records=(SealedRecord.of(GATE, 1, "x:Gate.Opened", b"{}"),))
    (mismatch,) = recompute_call(CALL_ID, closed_with(key, chain), keys, one).findings
    assert mismatch.code == "sealed_chain_mismatch"
    assert (mismatch.detail["recorded_count"], mismatch.detail["recomputed_count"]) == (0, 1)


def test_a_call_under_review_is_simply_not_decided_yet(key: Ed25519PrivateKey, keys: Any) -> None:
    # Closed (its chain checked), reviewed, not decided: the seed is revealed only with the results, so its absence
    # is no problem yet and the command answers 4 (not decided yet) rather than 1.
    events = scored_call(key, decide=False).events()
    find(events, "Call.Closed")["sealed_chain"] = {"ids": [GATE], "count": 0, "head": "0" * 64}
    report = recompute_call(CALL_ID, events, keys, SealedStore(records=()))
    assert [f.code for f in report.findings] == ["revealed_not_sealed"] * 3 + ["not_decided"]
    find(events, "Call.Closed")["sealed_chain"]["ids"] = [GATE, proposal_id(A), proposal_id(B), proposal_id(C)]
    assert [f.code for f in recompute_call(CALL_ID, events, keys, SealedStore(records=())).findings] == ["not_decided"]


# --- a call closed over HTTP, on both backends ------------------------------------------------------------------


class Lent:
    """The running service's kernel lent to the command, which closes what it opens: here the platform closes it."""

    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel

    def __getattr__(self, name: str) -> Any:
        return getattr(self.kernel, name)

    def close(self) -> None:
        pass


async def sealed_activity_closed_and_decided(p: Platform) -> tuple[str, str]:
    """A call with submissions, a revision and a withdrawal, closed, scored and decided; another call with one
    submission, cancelled while published. Both have sealed events in the one sealed store."""
    activity = await sealed_activity(p, quorum=3)
    call_id, deadline, other_call = activity.call_id, activity.deadline, activity.other_call
    proposals = p.clients["proposals"]
    current = await ok(proposals.get(f"/calls/{other_call}"))
    await ok(
        proposals.post(
            f"/calls/{other_call}/cancellation",
            json={"reason": "予算が措置されなかった"},
            headers={**coordinator(p), "If-Match": current.headers["ETag"]},
        )
    )
    await close_and_open_review(p, call_id, deadline)
    listed = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer")))
    (item,) = listed.json()["items"]
    for member in ("m-1", "m-2", "m-3"):
        await ok(score(p, call_id, member, item["proposal_id"], 7, 6), 201)
    await ok(
        proposals.post(
            f"/calls/{call_id}/review/decision", json={"reasons": "規定により決定"}, headers=p.token("m-1", "reviewer")
        )
    )
    return call_id, other_call


async def recorded_chains(p: Platform) -> dict[str, dict[str, Any]]:
    """Each call's sealed chain as the audit API publishes it, from its close or cancellation."""
    auditor = p.token("auditor-1", "auditor")
    chains: dict[str, dict[str, Any]] = {}
    for kind in ("proposals.Call.Closed", "proposals.Call.Cancelled"):
        listed = await ok(p.clients["proposals"].get("/audit/events", params={"type": kind}, headers=auditor))
        chains |= {item["originator_id"]: item["body"]["sealed_chain"] for item in listed.json()["items"]}
    return chains


async def test_the_recompute_agrees_with_the_recorded_sealed_chain_and_a_deleted_sealed_row_makes_it_exit_1(
    backend: Backend,
    nats_url: str,
    bus_namespace: str,
    issuer: DevIssuer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = {n: settings_for(n, backend, nats_url, bus_namespace, issuer) for n in ("registry", "proposals")}
    async with platform(settings, issuer) as p:
        call_id, other_call = await sealed_activity_closed_and_decided(p)
        kernel = p.apps["proposals"].state.kernel
        published = await recorded_chains(p)

        report = cli.recompute_kernel(kernel, call_id)
        assert (report.ok, report.notes) == (True, []), report.as_dict()
        sealed = report.sealed_chain
        assert sealed is not None
        # The gate: opened and passed with the first submission, passed by each of the three later changes, shut.
        # The first proposal: submitted and revised; the second: submitted and withdrawn. 6 + 2 + 2 = 10.
        assert sealed["ended_by"] == "proposals.Call.Closed"
        assert sealed["recorded"] == published[call_id]
        assert sealed["recomputed"] == {"count": 10, "head": published[call_id]["head"]}
        assert sealed["revealed_checked"] == 1  # the withdrawn proposal is not revealed
        # The cancelled call: its gate opened, passed and shut, its one proposal submitted; nothing to wait for.
        cancelled = cli.recompute_kernel(kernel, other_call)
        assert (cancelled.ok, cancelled.cancelled) == (True, True), cancelled.as_dict()
        assert cancelled.sealed_chain is not None
        assert cancelled.sealed_chain["ended_by"] == "proposals.Call.Cancelled"
        assert cancelled.sealed_chain["recomputed"] == {"count": 4, "head": published[other_call]["head"]}

        monkeypatch.setattr(cli, "open_kernel", lambda service, data_dir: Lent(kernel))
        assert cli.recompute_command(call_id, "proposals", backend.folder, None) == 0
        out = capsys.readouterr().out
        assert "AGREES" in out
        assert f"封印チェーンを確認しました: 10 件、ヘッド {published[call_id]['head'][:16]}…" in out
        assert cli.recompute_command(other_call, "proposals", backend.folder, None) == 0
        assert "CANCELLED" in capsys.readouterr().out

        # One of the call's sealed events removed from the sealed store after the close.
        rows = kernel.sealed.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)
        ids = set(published[call_id]["ids"])
        victim = next(
            r for r in rows if str(r.originator_id) in ids and r.originator_version == 2 and "Proposal" in r.topic
        )
        delete_sealed_row(backend, victim.id)
        assert cli.recompute_command(call_id, "proposals", backend.folder, None, as_json=True) == 1
        (found,) = json.loads(capsys.readouterr().out)["findings"]
        assert found["code"] == "sealed_chain_mismatch"
        assert (found["detail"]["recorded_count"], found["detail"]["recomputed_count"]) == (10, 9)
        assert "holds 9" in found["message_en"]
        assert "10" in found["message_en"]
        # The other call's chain does not include it.
        assert cli.recompute_command(other_call, "proposals", backend.folder, None) == 0
        capsys.readouterr()
