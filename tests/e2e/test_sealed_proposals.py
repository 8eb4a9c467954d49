"""Sealed proposals end to end, on SQLite and PostgreSQL with real NATS: eligible groups submit, revise and withdraw
before the deadline with signed receipts checkable offline; nobody else can tell a call with proposals from one
without; a submission racing the close lands before it or is refused; nothing of a proposal reaches the bus.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import nats
import pytest

from kyodo_contracts import stream_name
from kyodo_proposals.sealed import Proposal
from kyodo_shared.audit.receipts import Receipt, matches
from kyodo_shared.cli.receipt import verify_main
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, platform, settings_for
from support.lifecycle import GroupClient

pytestmark = pytest.mark.smoke
TOKYO = ZoneInfo("Asia/Tokyo")
SECRET = "秘匿テスト用の提案概要 7c1f"
PROBE_GROUP = uuid.uuid4()


def content(summary: str = SECRET) -> dict[str, Any]:
    return {
        "summary": summary,
        "plan": "空き店舗を活用し、子どもと高齢者が共に過ごす居場所を週3回開く。",
        "budget": [{"item": "会場費", "amount_yen": 240000}, {"item": "食材費", "amount_yen": 180000}],
        "schedule": [{"period": "4月〜6月", "activity": "準備・広報"}],
        "team": [{"role": "代表", "description": "事業全体の統括"}],
    }


async def ok(response: Any, status: int = 200) -> httpx.Response:
    result: httpx.Response = await response
    assert result.status_code == status, result.text
    return result


async def open_call(p: Platform) -> tuple[str, datetime]:
    """A review board in the registry and a published call of the proposals service."""
    coordinator = p.token("coord-1", "coordinator")
    registry, proposals = p.clients["registry"], p.clients["proposals"]
    created = await ok(
        registry.post("/committees", json={"kind": "review_board", "name_ja": "協働事業審査会"}, headers=coordinator),
        201,
    )
    committee_id, etag = created.json()["id"], created.headers["ETag"]
    for n in range(3):
        term = {
            "term_start": str(date.today() - timedelta(days=1)),
            "term_end": str(date.today() + timedelta(days=700)),
        }
        appointed = await ok(
            registry.post(
                f"/committees/{committee_id}/members",
                json={"member_sub": f"m-{n}", "name": f"委員{n}", **term},
                headers={**coordinator, "If-Match": etag},
            )
        )
        etag = appointed.headers["ETag"]
    view = p.apps["proposals"].state.kernel.application.view
    await eventually(lambda: len(view.board(committee_id, date.today()).members) == 3, timeout=20)
    deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=20)
    body = {
        "kind": "open_call",
        "title_ja": "協働事業提案",
        "description_ja": "提案を募集します。",
        "criteria": [{"key": "need", "name_ja": "必要性", "weight": 1, "max_points": 10}],
        "passing_score": "5",
        "deadline": deadline.isoformat(),
        "committee_id": committee_id,
    }
    drafted = await ok(proposals.post("/calls", json=body, headers=coordinator), 201)
    call_id = drafted.json()["id"]
    await ok(
        proposals.post(f"/calls/{call_id}/publication", headers={**coordinator, "If-Match": drafted.headers["ETag"]})
    )
    return call_id, deadline


async def registered_group(p: Platform, rep: str, name: str) -> str:
    group = GroupClient(p, representative=rep)
    await group.apply(name=name)
    await group.assess_all()
    view = p.apps["proposals"].state.kernel.application.view
    await eventually(lambda: (view.group(group.group_id) or ("", ""))[1] == "registered", timeout=20)
    return group.group_id


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "proposals", "info-hub")}


async def observed(p: Platform, call_id: str, sub: str, *roles: str) -> list[tuple[int, str, str]]:
    """Everything a non-member can read about the call and its proposals (status, ETag, body)."""
    headers = p.token(sub, *roles)
    proposals = p.clients["proposals"]
    paths = [f"/calls/{call_id}", "/calls", f"/calls/{call_id}/proposals/{PROBE_GROUP}"]
    seen = []
    for path in paths:
        response = await proposals.get(path, headers=headers)
        body = response.text.replace(response.headers.get("x-correlation-id", "-"), "")
        seen.append((response.status_code, response.headers.get("ETag", ""), body))
    return seen


async def test_submit_revise_withdraw_and_resubmit_with_receipts_that_check_offline(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, tmp_path: Path
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        call_id, _ = await open_call(p)
        group_id = await registered_group(p, "rep-1", "ひかり子ども食堂")
        before = {who: await observed(p, call_id, who, *roles) for who, roles in WATCHERS.items()}
        proposals = p.clients["proposals"]
        submitted = await ok(
            proposals.post(
                f"/calls/{call_id}/proposals",
                json={"group_id": group_id, "content": content()},
                headers=p.token("rep-1", "group"),
            ),
            201,
        )
        first = Receipt.model_validate(submitted.json()["receipt"])
        assert matches(first, content(), [])
        # Nobody else can tell: every read answers exactly as it did before the submission.
        after = {who: await observed(p, call_id, who, *roles) for who, roles in WATCHERS.items()}
        assert after == before
        # Not even the request counters tell that someone submitted.
        metrics = (await proposals.get("/metrics")).text
        assert "/proposals" not in metrics
        again = await proposals.post(
            f"/calls/{call_id}/proposals",
            json={"group_id": group_id, "content": content()},
            headers=p.token("rep-1", "group"),
        )
        assert (again.status_code, again.json()["code"]) == (409, "already_submitted")
        app = p.apps["proposals"].state.kernel.application
        looked: list[object] = []
        real_lookup = app._proposal
        app._proposal = lambda *a: looked.append(a) or real_lookup(*a)
        try:
            other = await proposals.get(f"/calls/{call_id}/proposals/{group_id}", headers=p.token("rep-9", "group"))
        finally:
            app._proposal = real_lookup
        assert other.status_code == 404
        # An outsider's request never reaches the store, so its timing cannot tell that the group submitted.
        assert looked == []

        revised = await ok(
            proposals.put(
                f"/calls/{call_id}/proposals/{group_id}",
                json={"content": content("改訂版")},
                headers={**p.token("rep-1", "group"), "If-Match": submitted.headers["ETag"]},
            )
        )
        second = Receipt.model_validate(revised.json()["receipt"])
        assert second.proposal_version == 2
        assert not matches(first, content("改訂版"), [])
        assert matches(second, content("改訂版"), [])
        withdrawn = await ok(
            proposals.post(
                f"/calls/{call_id}/proposals/{group_id}/withdrawal",
                headers={**p.token("rep-1", "group"), "If-Match": revised.headers["ETag"]},
            )
        )
        assert withdrawn.json()["withdrawn"] is True
        resubmitted = await ok(
            proposals.put(
                f"/calls/{call_id}/proposals/{group_id}",
                json={"content": content("再提出")},
                headers={**p.token("rep-1", "group"), "If-Match": withdrawn.headers["ETag"]},
            )
        )
        assert (resubmitted.json()["withdrawn"], resubmitted.json()["receipt"]["proposal_version"]) == (False, 3)

        # Offline: the receipt, the service's published keys and the content are all a group needs.
        keys = (await proposals.get("/audit/keys")).json()
        (tmp_path / "keys.json").write_text(json.dumps(keys))
        (tmp_path / "receipt.json").write_text(json.dumps(resubmitted.json()["receipt"]))
        (tmp_path / "content.json").write_text(json.dumps(content("再提出"), ensure_ascii=False))
        args = [str(tmp_path / "receipt.json"), "--keys", str(tmp_path / "keys.json")]
        assert verify_main([*args, "--content", str(tmp_path / "content.json")]) == 0
        (tmp_path / "content.json").write_text(json.dumps(content("改ざん"), ensure_ascii=False))
        assert verify_main([*args, "--content", str(tmp_path / "content.json")]) == 1

        await asyncio.sleep(1)
        assert SECRET.encode() not in await stream_bytes(nats_url, bus_namespace)


WATCHERS = {"coord-1": ("coordinator",), "m-0": ("reviewer",), "aud-1": ("auditor",), "rep-9": ("group",)}


async def stream_bytes(nats_url: str, namespace: str) -> bytes:
    nc = await nats.connect(nats_url)
    blob = b""
    try:
        js = nc.jetstream()
        for source in ("proposals", "checkpoints"):
            name = stream_name(namespace, source)
            last = int((await js.stream_info(name)).state.last_seq)
            for seq in range(1, last + 1):
                msg = await js.get_msg(name, seq)
                blob += (msg.data or b"") + json.dumps(msg.headers or {}, ensure_ascii=False).encode()
    finally:
        await nc.close()
    return blob


async def test_only_eligible_groups_submit_and_a_submission_racing_the_close_lands_before_it_or_is_refused(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        call_id, deadline = await open_call(p)
        group_id = await registered_group(p, "rep-1", "ひかり子ども食堂")
        proposals = p.clients["proposals"]
        pending = GroupClient(p, representative="rep-2")
        await pending.apply(name="申請中の会")
        view = p.apps["proposals"].state.kernel.application.view
        await eventually(lambda: view.group(pending.group_id) is not None, timeout=20)
        refused = await proposals.post(
            f"/calls/{call_id}/proposals",
            json={"group_id": pending.group_id, "content": content()},
            headers=p.token("rep-2", "group"),
        )
        assert (refused.status_code, refused.json()["code"]) == (409, "group_not_eligible")
        not_theirs = await proposals.post(
            f"/calls/{call_id}/proposals",
            json={"group_id": group_id, "content": content()},
            headers=p.token("rep-2", "group"),
        )
        assert (not_theirs.status_code, not_theirs.json()["code"]) == (403, "not_acting_for_group")

        kernel = p.apps["proposals"].state.kernel
        app = kernel.application
        call_uuid = uuid.UUID(call_id)
        kernel.clock = lambda: deadline - timedelta(seconds=1)
        # Sealed proposals are saved in the sealed store (kyodo_shared/store/sealed.py), with the call's gate.
        save = app.sealed.save
        raced: list[str] = []

        def close_first(*objs: Any) -> Any:
            # The worst order: the submission has read an open call and is about to save; the close saves first.
            if not raced and any(isinstance(o, Proposal) for o in objs):
                raced.append("close")
                kernel.clock = lambda: deadline
                assert app.close_due(call_uuid, TRACE)
            return save(*objs)

        app.sealed.save = close_first
        try:
            refused_late = await proposals.post(
                f"/calls/{call_id}/proposals",
                json={"group_id": group_id, "content": content()},
                headers=p.token("rep-1", "group"),
            )
        finally:
            app.sealed.save = save
        assert raced == ["close"]
        assert (refused_late.status_code, refused_late.json()["code"]) == (409, "call_not_open")
        assert app.get_call(call_uuid).status == "closed"
        # Nothing of it was stored: the review sees no proposal.
        review = await ok(proposals.post(f"/calls/{call_id}/review", headers=p.token("coord-1", "coordinator")))
        assert review.json()["proposals"] == 0


async def test_a_submission_that_passes_the_gate_before_the_close_is_reviewed(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        call_id, deadline = await open_call(p)
        group_id = await registered_group(p, "rep-1", "ひかり子ども食堂")
        kernel = p.apps["proposals"].state.kernel
        app = kernel.application
        kernel.clock = lambda: deadline - timedelta(milliseconds=1)
        accepted = await ok(
            p.clients["proposals"].post(
                f"/calls/{call_id}/proposals",
                json={"group_id": group_id, "content": content()},
                headers=p.token("rep-1", "group"),
            ),
            201,
        )
        kernel.clock = lambda: deadline
        assert app.close_due(uuid.UUID(call_id), TRACE)
        assert datetime.fromisoformat(accepted.json()["receipt"]["received_at"]) < deadline
        review = await ok(
            p.clients["proposals"].post(f"/calls/{call_id}/review", headers=p.token("coord-1", "coordinator"))
        )
        assert review.json()["proposals"] == 1


TRACE = {"correlation_id": "t", "causation_id": "t", "actor": "test"}
