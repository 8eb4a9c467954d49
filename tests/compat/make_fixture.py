"""Writes tests/fixtures/store-v0: the stores of every service as the first release (commit bd080e3) wrote them.

The fixture must come from the released code, not from the working tree, so this script is run with that commit
checked out elsewhere and first on PYTHONPATH (it refuses to run on this repository's own modules):

    git -C /work/main worktree add /tmp/kyodo-base bd080e3
    B=/tmp/kyodo-base
    PYTHONPATH=$B/shared:$B/services/registry:$B/services/proposals:$B/services/info-hub:$B/tests \\
        .venv/bin/python tests/compat/make_fixture.py --output tests/fixtures/store-v0 \\
        --nats-url nats://127.0.0.1:4222 --pg-dsn postgresql://root@127.0.0.1:5432/postgres
    git -C /work/main worktree remove /tmp/kyodo-base --force

The entry points (`kyodo.services`) come from the installed metadata and resolve through PYTHONPATH, so the
services built here are the released ones; the script prints where each package was imported from. It was run
exactly so, from bd080e3, with eventsourcing 9.5.6 and Python 3.11, against the machine's NATS and PostgreSQL 15.

What it does:

1. Runs registry, proposals and info-hub in-process (tests/support/harness.py) on SQLite files, with real NATS
   JetStream, and drives a scenario through their HTTP APIs that writes every aggregate type and nearly every event
   type: groups through their whole life (application, information request and answer, assessments, rejection and
   re-application, registration, profile, bylaws and tie changes with their re-checks, a failed re-check that
   suspends, reinstatement, renewal in the window, lapse by the durable timer and renewal after it, coordinator
   suspension, contacts, both kinds of handover, dissolution), departments, the team, both kinds of committee and
   declared interests; calls drafted, revised, published, amended and cancelled, sealed proposals submitted,
   revised and withdrawn, the close, the review (conflicts declared, pinned and removed, scores, a blocked
   decision, a substitute, the decision and results); a checkpoint key rotation (`kyodo audit rotate-key`); parked
   messages retried and skipped with `kyodo dlq retry|skip` (run as subprocesses, like an operator would).
   It waits until relays, projections, consumers, the chainers and the checkpointers have caught up (the last
   event of each store is its final checkpoint, which signs everything before it), then stops the services.
2. Copies each SQLite file with VACUUM INTO (checking that every notification id survived), the checkpoint keys
   and the proposals sealing key (test-only keys), and writes MANIFEST.json: per service the events by topic,
   aggregate ids by class (with version and status), the chain head and the checkpoints, all read back from the
   copies with the released code, and `kyodo audit verify` run on them.
3. Makes the PostgreSQL dump from the same data: in a fresh database (unique name, dropped afterwards), the
   released kernel of each service creates its schema exactly as it does on PostgreSQL (`<schema>` and
   `<schema>_vault`: the eventsourcing table `<application>_events` with its type, function and sequence, the
   chain, checkpoints' aggregate, positions, timers, read models, vault); every row of the SQLite files is copied
   into them unchanged (notification ids, originator ids and versions, topics, state bytes), the notification id
   sequence is set past the last one, the copy is described and verified again with the released code and must
   equal the SQLite description; then `pg_dump --no-owner --no-privileges` of those schemas (plain SQL) becomes
   postgres.sql.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nats
import psycopg
from psycopg import sql as pgsql

import kyodo_shared
from kyodo_contracts import stream_name
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.devissuer import DevIssuer
from kyodo_shared.runtime import Kernel
from kyodo_shared.service import discover
from kyodo_shared.settings import AuditSettings, KernelSettings, StoreSettings

from support.calls import appoint, ok, registered_group, review_board, score, submit
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.lifecycle import GroupClient
from support.registry import application, bylaws
from support.servers import database_dsn, drop_database, spawn_nats

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "proposals", "info-hub")
TOKYO = ZoneInfo("Asia/Tokyo")
COORDINATOR = "coord-1"
RENEWAL = {"members_count": 15, "criteria_still_met": True, "bylaws_unchanged": True, "note": "会員数が増えました"}
PEOPLE = {
    "contact-1": {"name": "佐藤 次郎", "email": "jiro@example.jp", "phone": "042-300-1111"},
    "contact-2": {"name": "伊藤 美咲", "email": "misaki@example.jp", "phone": "042-300-5555"},
    "rep-1b": {"name": "鈴木 三郎", "email": "saburo@example.jp", "phone": "042-300-3333"},
    "rep-3b": {"name": "高橋 四郎", "email": "shiro@example.jp", "phone": "042-300-4444"},
}
# Attributes recorded per aggregate when it has them (compared after replay by the test).
STATE_FIELDS = ("status", "withdrawn", "shut")


def real_clock() -> datetime:
    return datetime.now(UTC)


def log(message: str) -> None:
    print(f"[make_fixture] {message}", flush=True)


# ------------------------------------------------------------------------------------------------ the scenario


def coordinator(p: Platform) -> dict[str, str]:
    return p.token(COORDINATOR, "coordinator")


async def status_of(group: GroupClient, sub: str | None = None, *roles: str) -> str:
    return str((await group.read(sub, *roles))["status"])


async def checked(response: Any, status: int = 200) -> dict[str, Any]:
    result = await ok(response, status)
    body: dict[str, Any] = result.json()
    return body


async def expect(group: GroupClient, path: str, body: Any, sub: str, *roles: str, put: bool = False) -> Any:
    response = await group.post(path, body, sub, *roles, put=put)
    assert response.status_code < 300, f"{path}: {response.status_code} {response.text}"
    return response.json()


async def lapse_and_renew(p: Platform) -> str:
    """First of all, while no other group is due: the renewal timer lapses an overdue group, which renews."""
    group = GroupClient(p, representative="rep-lapse")
    await group.apply(name="恋ヶ窪ふれあい食堂", area="東恋ヶ窪")
    due = (await group.assess_all())["renewal_due"]
    kernel = p.apps["registry"].state.kernel
    day_after = date.fromisoformat(due) + timedelta(days=1)
    kernel.clock = lambda: datetime.combine(day_after, time(0, 0, 1), TOKYO)

    async def lapsed() -> bool:
        return await status_of(group) == "lapsed"

    await eventually(lapsed, timeout=30)
    renewed = await expect(group, "/renewal", RENEWAL, "rep-lapse")
    assert renewed["status"] == "registered", renewed
    kernel.clock = real_clock
    return group.group_id


async def main_group(p: Platform) -> GroupClient:
    """A group that goes through nearly every step of the registry's lifecycle."""
    kernel = p.apps["registry"].state.kernel
    group = GroupClient(p, representative="rep-1")
    tie = {"kind": "other", "counterpart": "国分寺市環境フォーラム", "description": "年2回の清掃活動を共催"}
    await group.apply(ties=[tie])
    question = {"criteria": ["formally_organized"], "question": "直近の総会議事録を提出してください"}
    assert (await expect(group, "/information-requests", question, COORDINATOR, "coordinator"))["status"] == (
        "information_requested"
    )
    answer = {"answer": "議事録を添付します", "evidence": {"formally_organized": {"evidence": "令和6年度総会議事録"}}}
    assert (await expect(group, "/information", answer, "rep-1"))["status"] == "under_review"
    assert (await group.assess_all(unmet="self_governing"))["status"] == "rejected"
    again = {k: v for k, v in application().items() if k not in {"representative", "ties"}}
    assert (await expect(group, "/reapplication", again, "rep-1"))["round"] == 2
    assert (await group.assess_all())["status"] == "registered"
    profile = {
        "name": "国分寺みどりの会",
        "purpose": "市内の緑地保全と環境学習を通じて、住みよいまちづくりに貢献する。",
        "fields_of_activity": ["環境保全", "子どもの健全育成", "まちづくり"],
        "area": "東恋ヶ窪・南町",
        "founded": "2012-04-01",
        "members_count": 18,
        "website": "https://midori.example.jp/",
    }
    await expect(group, "/profile", profile, "rep-1", put=True)
    for sub in ("contact-1", "contact-2"):
        await expect(group, "/contacts", {"sub": sub, **PEOPLE[sub]}, "rep-1")
    await expect(group, "/contacts/contact-2/removal", {}, "rep-1")
    # Changed bylaws re-open criteria 5 and 6; a re-check that passes closes them.
    changed = await expect(
        group, "/bylaws", bylaws("国分寺みどりの会 会則（改正）\n第3条 入退会は自由".encode()), "rep-1", put=True
    )
    assert changed["recheck"] == ["formally_organized", "self_governing"], changed
    await group.assess("formally_organized", True, "改正会則を確認")
    assert (await checked(group.assess("self_governing", True, "役員構成を確認")))["recheck"] == []
    # A declared tie re-opens them too; failing the re-check suspends the group.
    political = {"kind": "political", "counterpart": "市議会議員後援会", "description": "後援会の行事に参加"}
    declared = await expect(group, "/ties", political, "contact-1")
    tie_id = next(t["tie_id"] for t in declared["ties"] if t["kind"] == "political")
    await group.assess("formally_organized", True, "会則に変更なし")
    failed = await checked(group.assess("self_governing", False, "政治団体との結びつきにより自主性に疑義"))
    assert failed["status"] == "suspended", failed
    await expect(group, f"/ties/{tie_id}/withdrawal", {"reason": "後援会との関係を解消した"}, "rep-1")
    await expect(
        group,
        "/bylaws",
        bylaws("国分寺みどりの会 会則（再改正）\n第9条 政治活動は行わない".encode()),
        "rep-1",
        put=True,
    )
    await group.assess("formally_organized", True, "再改正会則を確認")
    await group.assess("self_governing", True, "政治活動を行わない旨を確認")
    reinstated = await expect(group, "/reinstatement", {"reason": "再確認で基準を満たした"}, COORDINATOR, "coordinator")
    assert reinstated["status"] == "registered", reinstated
    # The representative hands over to a successor, who confirms.
    await expect(group, "/handover", {"new_representative_sub": "rep-1b"}, "rep-1")
    confirmed = await expect(group, "/handover/confirmation", PEOPLE["rep-1b"], "rep-1b")
    assert confirmed["representative_sub"] == "rep-1b"
    group.representative = "rep-1b"
    # Renewal opens 90 days before the due date.
    due = date.fromisoformat(str((await group.read())["renewal_due"]))
    kernel.clock = lambda: datetime.combine(due - timedelta(days=30), time(10, 0), TOKYO)
    try:
        renewed = await expect(group, "/renewal", RENEWAL, "rep-1b")
    finally:
        kernel.clock = real_clock
    assert renewed["renewal_due"] == due.replace(year=due.year + 1).isoformat(), renewed
    return group


async def coordinator_steps(p: Platform) -> GroupClient:
    """A group suspended and reinstated by a coordinator, whose handover a coordinator decides."""
    group = GroupClient(p, representative="rep-3")
    await group.apply(name="西元町史跡の会", area="西元町")
    await group.assess_all()
    await expect(group, "/suspension", {"reason": "活動報告が2年間未提出"}, COORDINATOR, "coordinator")
    await expect(group, "/reinstatement", {"reason": "活動報告を受領"}, COORDINATOR, "coordinator")
    decision = {"new_representative_sub": "rep-3b", "reason": "前代表者と連絡が取れないため", **PEOPLE["rep-3b"]}
    decided = await expect(group, "/handover/decision", decision, COORDINATOR, "coordinator")
    assert decided["representative_sub"] == "rep-3b"
    group.representative = "rep-3b"
    return group


async def pending_groups(p: Platform) -> tuple[str, str]:
    """Groups left under review and waiting for information."""
    waiting = GroupClient(p, representative="rep-5")
    await waiting.apply(name="本町ふれあい食堂", area="本町")
    await waiting.assess("public_interest", True, "会則第2条で確認")
    asked = GroupClient(p, representative="rep-6")
    await asked.apply(name="光町子ども将棋クラブ", area="光町")
    question = {"criteria": ["voluntary", "private"], "question": "設立趣意書と役員名簿を提出してください"}
    await expect(asked, "/information-requests", question, COORDINATOR, "coordinator")
    return waiting.group_id, asked.group_id


async def org_steps(p: Platform, interest_group: str) -> None:
    """Departments, the cross-department team, an evaluation committee and declared interests."""
    client = p.clients["registry"]

    async def send(method: str, path: str, body: object, etag: str | None = None, sub: str = COORDINATOR) -> Any:
        headers = {**p.token(sub, "coordinator")}
        if etag:
            headers["If-Match"] = etag
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code in (200, 201), f"{path}: {response.text}"
        return response

    today = date.today()
    comm = await send("POST", "/departments", {"code": "COMM", "name_ja": "協働コミュニティ課", "name_en": "Community"})
    dept, etag = comm.json()["id"], comm.headers["ETag"]
    for staff, title in (("s-1", "主査"), ("s-2", "主任")):
        etag = (
            await send("POST", f"/departments/{dept}/staff", {"staff_sub": staff, "job_title": title}, etag)
        ).headers["ETag"]
    etag = (await send("PUT", f"/departments/{dept}/liaison", {"staff_sub": "s-1"}, etag)).headers["ETag"]
    await send("DELETE", f"/departments/{dept}/staff/s-2", None, etag)
    await send("POST", "/departments", {"code": "PLAN", "name_ja": "政策経営課"})
    team = await send("POST", "/team/members", {"staff_sub": "s-1", "department_id": dept})
    await send("POST", "/team/members/s-1/departure", {}, team.headers["ETag"])

    created = await send("POST", "/committees", {"kind": "evaluation_committee", "name_ja": "協働事業評価委員会"})
    committee, etag = created.json()["id"], created.headers["ETag"]
    term = {"term_start": str(today - timedelta(days=1)), "term_end": str(today + timedelta(days=700))}
    for sub, name in (("e-1", "中村 和子"), ("e-2", "小林 健一")):
        etag = (
            await send("POST", f"/committees/{committee}/members", {"member_sub": sub, "name": name, **term}, etag)
        ).headers["ETag"]
    etag = (await send("PUT", f"/committees/{committee}/officers", {"chair_sub": "e-1"}, etag)).headers["ETag"]
    await send("POST", f"/committees/{committee}/members/e-2/end", {"reason": "resigned"}, etag)

    declared = await client.post(
        "/interests/me", json={"group_id": interest_group, "kind": "member"}, headers=p.token("coord-2", "coordinator")
    )
    assert declared.status_code == 201, declared.text
    withdrawn = await client.post(
        f"/interests/me/{declared.json()['declaration_id']}/withdrawal",
        json={"reason": "退会した"},
        headers={**p.token("coord-2", "coordinator"), "If-Match": declared.headers["ETag"]},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    on_behalf = await client.post(
        "/interests/people/e-1", json={"group_id": interest_group, "kind": "officer"}, headers=coordinator(p)
    )
    assert on_behalf.status_code == 201, on_behalf.text


def call_body(committee_id: str, deadline: datetime, **rules: Any) -> dict[str, Any]:
    return {
        "kind": "open_call",
        "title_ja": "令和8年度 協働事業提案",
        "title_en": "Collaborative project proposals 2026",
        "description_ja": "市との協働で実施する事業の提案を募集します。",
        "criteria": [
            {"key": "need", "name_ja": "必要性", "name_en": "Need", "weight": 2, "max_points": 10},
            {"key": "feasibility", "name_ja": "実現性", "weight": 1, "max_points": 10},
        ],
        "passing_score": "15",
        "select": 1,
        "deadline": deadline.isoformat(),
        "committee_id": committee_id,
        "quorum": 3,
        **rules,
    }


async def draft(p: Platform, body: dict[str, Any]) -> tuple[str, str]:
    drafted = await ok(p.clients["proposals"].post("/calls", json=body, headers=coordinator(p)), 201)
    return str(drafted.json()["id"]), drafted.headers["ETag"]


async def call_etag(p: Platform, call_id: str) -> str:
    response = await ok(p.clients["proposals"].get(f"/calls/{call_id}", headers=coordinator(p)))
    return response.headers["ETag"]


async def call_action(p: Platform, call_id: str, path: str, body: Any = None) -> dict[str, Any]:
    headers = {**coordinator(p), "If-Match": await call_etag(p, call_id)}
    return await checked(p.clients["proposals"].post(f"/calls/{call_id}{path}", json=body, headers=headers))


async def cancelled_calls(p: Platform, committee: str, green: str) -> list[str]:
    """A published call with a sealed proposal, cancelled; and a draft cancelled before publication."""
    deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=30)
    published, _ = await draft(p, call_body(committee, deadline, title_ja="公園の花壇づくり事業"))
    await call_action(p, published, "/publication")
    await submit(p, published, green, "rep-g", "花壇の維持管理")
    cancelled = await call_action(p, published, "/cancellation", {"reason": "予算措置が見送られたため"})
    assert cancelled["status"] == "cancelled", cancelled
    unpublished, _ = await draft(p, call_body(committee, deadline, title_ja="図書館ボランティア事業"))
    await call_action(p, unpublished, "/cancellation", {"reason": "他課の事業と統合したため"})
    return [published, unpublished]


async def decided_call(p: Platform, committee: str, groups: dict[str, tuple[str, str]]) -> str:
    """A call from its draft to published results, with every kind of review step on the way."""
    proposals = p.clients["proposals"]
    green, food, midori = groups["green"][0], groups["food"][0], groups["midori"]
    deadline = datetime.now(TOKYO).replace(microsecond=0) + timedelta(days=20)
    call_id, etag = await draft(p, call_body(committee, deadline, title_ja="協働事業提案（案）"))
    revised = await ok(
        proposals.put(
            f"/calls/{call_id}",
            json=call_body(committee, deadline, description_en="Proposals for projects run with the city."),
            headers={**coordinator(p), "If-Match": etag},
        )
    )
    assert revised.json()["status"] == "draft"
    await call_action(p, call_id, "/publication")
    new_deadline = deadline + timedelta(days=8)
    amendment = {
        "reason": "説明会の開催に伴い締切を延長します",
        "deadline": new_deadline.isoformat(),
        "description_ja": "市との協働で実施する事業の提案を募集します（説明会資料を追加）。",
    }
    assert (await call_action(p, call_id, "/amendments", amendment))["amendments"]

    submitted = await submit(p, call_id, green, "rep-g", "緑地の保全と環境学習")
    await ok(
        proposals.put(
            f"/calls/{call_id}/proposals/{green}",
            json={"content": {**submitted_content("緑地の保全と環境学習（改訂版）")}},
            headers={**p.token("rep-g", "group"), "If-Match": submitted.headers["ETag"]},
        )
    )
    await submit(p, call_id, food, "rep-f", "子どもの居場所づくり")
    # A delegated contact submits for its group, which then withdraws.
    by_contact = await submit(p, call_id, midori[0], midori[1], "里山の保全")
    withdrawn = await ok(
        proposals.post(
            f"/calls/{call_id}/proposals/{midori[0]}/withdrawal",
            headers={**p.token(midori[1], "group"), "If-Match": by_contact.headers["ETag"]},
        )
    )
    assert withdrawn.json()["withdrawn"] is True

    # The deadline passes: the timer closes the call (and shuts its gate); the review opens.
    kernel = p.apps["proposals"].state.kernel
    kernel.clock = lambda: new_deadline + timedelta(seconds=1)
    try:

        async def closed() -> bool:
            return bool((await proposals.get(f"/calls/{call_id}")).json()["status"] == "closed")

        await eventually(closed, timeout=30)
        opened = await checked(proposals.post(f"/calls/{call_id}/review", headers=coordinator(p)))
        assert opened["proposals"] == 2, opened
        listed = await checked(
            proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-vice", "reviewer"))
        )
        ids = {item["group_id"]: item["proposal_id"] for item in listed["items"]}
        review = f"/calls/{call_id}/review"
        await ok(
            proposals.post(
                f"{review}/conflicts",
                json={"proposal_id": ids[food], "kind": "close_relation", "reason": "代表者が親族"},
                headers=p.token("m-2", "reviewer"),
            ),
            201,
        )
        await ok(
            proposals.post(
                f"{review}/pinned-conflicts",
                json={"member_sub": "m-3", "proposal_id": ids[food], "kind": "business", "reason": "取引関係"},
                headers=coordinator(p),
            ),
            201,
        )
        await ok(
            proposals.post(
                f"{review}/conflicts",
                json={"proposal_id": ids[green], "kind": "other", "reason": "同じ町会に所属"},
                headers=p.token("m-2", "reviewer"),
            ),
            201,
        )
        await ok(
            proposals.post(
                f"{review}/conflicts/removal", json={"proposal_id": ids[green]}, headers=p.token("m-2", "reviewer")
            )
        )
        for member, need, feasibility in (("m-vice", 8, 6), ("m-2", 7, 7), ("m-3", 9, 5)):
            await ok(score(p, call_id, member, ids[green], need, feasibility), 201)
        await ok(score(p, call_id, "m-vice", ids[food], 6, 6), 201)
        await ok(score(p, call_id, "m-chair", ids[food], 5, 5), 201)
        blocked = await proposals.post(
            f"{review}/decision", json={"reasons": "審査の結果"}, headers=p.token("m-vice", "reviewer")
        )
        assert (blocked.status_code, blocked.json()["code"]) == (409, "quorum_not_met"), blocked.text
        await appoint(p, committee, "m-sub")
        await ok(
            proposals.post(
                f"{review}/substitutes",
                json={"member_sub": "m-sub", "reason": "定足数確保のため"},
                headers=coordinator(p),
            )
        )
        await ok(score(p, call_id, "m-sub", ids[food], 7, 4), 201)
        results = await checked(
            proposals.post(
                f"{review}/decision",
                json={"reasons": "必要性の評価が最も高い提案を採択した"},
                headers=p.token("m-vice", "reviewer"),
            )
        )
        assert results["selected"] == [ids[green]], results
    finally:
        kernel.clock = real_clock
    return call_id


def submitted_content(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "plan": "地域の空き店舗で週3回の居場所を開く。",
        "budget": [{"item": "会場費", "amount_yen": 240000}, {"item": "食材費", "amount_yen": 180000}],
        "schedule": [{"period": "4月〜6月", "activity": "準備・広報"}],
        "team": [{"role": "代表", "description": "事業全体の統括"}],
    }


def kyodo_cli(data: Path, *args: str) -> str:
    """`kyodo --data-dir DATA …` in a subprocess, as an operator runs it (the released code, via PYTHONPATH)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_")}
    done = subprocess.run(
        [sys.executable, "-m", "kyodo_shared.cli.main", "--data-dir", str(data), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"kyodo {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def sabotage(kernel: Kernel, table: str) -> None:
    """A faulty trigger on a read model: every handler writing the table fails until it is dropped."""
    with kernel.db.transaction() as tx:
        for op in ("INSERT", "UPDATE", "DELETE"):
            tx.execute(
                f"CREATE TRIGGER fixture_faulty_{op.lower()} BEFORE {op} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'fixture: faulty read model'); END"
            )


def repair(kernel: Kernel) -> None:
    with kernel.db.transaction() as tx:
        for op in ("insert", "update", "delete"):
            tx.execute(f"DROP TRIGGER IF EXISTS fixture_faulty_{op}")


async def parked_then(
    p: Platform, bus: tuple[str, str, Path], service: str, action: str, reason: str, trigger: Callable[[], Any]
) -> None:
    """Park a message of the registry's stream in a consuming service, then `kyodo dlq retry|skip` it."""
    nats_url, namespace, data = bus
    kernel = p.apps[service].state.kernel
    table = "directory_groups" if service == "info-hub" else "reg_groups"
    sabotage(kernel, table)
    try:
        await trigger()
        await eventually(lambda: kernel.ledger.parked("registry"), timeout=30)
    finally:
        repair(kernel)
    await asyncio.to_thread(
        kyodo_cli, data, "dlq", action, service, "registry", "--reason", reason, "--operator", "ops-1"
    )
    await eventually(lambda: not kernel.ledger.parked("registry"), timeout=30)

    async def passed() -> bool:
        last = (await last_sequences(nats_url, namespace))["registry"]
        return bool(await asyncio.to_thread(kernel.ledger.tracked, "registry") == last)

    await eventually(passed, timeout=30)


async def scenario(p: Platform, bus: tuple[str, str, Path]) -> dict[str, Any]:
    data = bus[2]
    registry = p.clients["registry"]
    lapsed = await lapse_and_renew(p)
    log(f"lapse and renewal: {lapsed}")
    midori = await main_group(p)
    log(f"main group: {midori.group_id}")
    shiseki = await coordinator_steps(p)
    waiting, asked = await pending_groups(p)
    await org_steps(p, waiting)
    log("org steps done")
    log(kyodo_cli(data, "audit", "rotate-key", "registry").strip())

    committee = await review_board(p, ["m-chair", "m-vice", "m-2", "m-3"], "m-chair", "m-vice")
    green = await registered_group(p, "rep-g", "みどりの会")
    food = await registered_group(p, "rep-f", "子ども食堂")
    view = p.apps["proposals"].state.kernel.application.view
    await eventually(lambda: (view.group(midori.group_id) or ("", ""))[1] == "registered", timeout=30)
    await eventually(lambda: view.acts_for("contact-1", midori.group_id), timeout=30)
    # The chair belongs to the green group: recused from its proposal, so the vice-chair decides.
    declared = await registry.post(
        "/interests/me", json={"group_id": green, "kind": "member"}, headers=p.token("m-chair", "reviewer")
    )
    assert declared.status_code == 201, declared.text
    await eventually(lambda: view.interested("m-chair", green), timeout=30)
    cancelled = await cancelled_calls(p, committee, green)
    decided = await decided_call(
        p, committee, {"green": (green, "rep-g"), "food": (food, "rep-f"), "midori": (midori.group_id, "contact-1")}
    )
    log(f"calls: decided {decided}, cancelled {cancelled}")

    # Operators: info-hub's directory fails on a profile update, is fixed, and the message retried; a second
    # (repeated, so nothing is lost) update is skipped. proposals parks a dissolution and retries it.
    hub = p.apps["info-hub"].state.kernel
    same_profile = {k: v for k, v in (await midori.read())["profile"].items() if v is not None}

    async def update_profile() -> None:
        await expect(midori, "/profile", same_profile, midori.representative, put=True)

    await parked_then(p, bus, "info-hub", "retry", "read model trigger removed", update_profile)
    await parked_then(p, bus, "info-hub", "skip", "repeated profile update, nothing to apply", update_profile)

    async def dissolve() -> None:
        await expect(shiseki, "/dissolution", {"reason": "総会で解散を決議"}, shiseki.representative)

    await parked_then(p, bus, "proposals", "retry", "read model trigger removed", dissolve)
    assert hub.ledger.parked() == []
    return {
        "groups": {
            "lapsed_and_renewed": lapsed,
            "whole_lifecycle": midori.group_id,
            "dissolved": shiseki.group_id,
            "under_review": waiting,
            "information_requested": asked,
            "green": green,
            "food": food,
        },
        "review_board": committee,
        "calls": {"decided": decided, "cancelled_after_publication": cancelled[0], "cancelled_draft": cancelled[1]},
    }


# ------------------------------------------------------------------------------------------- catching up


async def last_sequences(nats_url: str, namespace: str) -> dict[str, int]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        found = {}
        for source in ("registry", "proposals", "checkpoints"):
            try:
                found[source] = int((await js.stream_info(stream_name(namespace, source))).state.last_seq)
            except nats.js.errors.NotFoundError:
                found[source] = 0
        return found
    finally:
        await nc.close()


def progress(p: Platform) -> dict[str, Any]:
    """Where each service's background work stands."""
    state: dict[str, Any] = {}
    for name, app in p.apps.items():
        kernel: Kernel = app.state.kernel
        last = int(kernel.application.recorder.max_notification_id() or 0)
        checkpoints = stored_checkpoints(kernel.application, name)
        state[name] = {
            "last": last,
            "chain": kernel.chain.head()[0],
            "checkpoint": checkpoints[-1].position if checkpoints else 0,
            "checkpoints": len(checkpoints),
            "relay": kernel.relay.positions.load().notification_id if kernel.relay is not None else None,
            "relay_sequence": kernel.relay.positions.load().sequence if kernel.relay is not None else None,
            "projections": [projector.position() for projector in kernel.projectors],
            "tracked": {c.source: kernel.ledger.tracked(c.source) for c in kernel.consumers},
        }
    return state


def caught_up(state: dict[str, Any], streams: dict[str, int]) -> bool:
    checkpoints = sum(s["checkpoints"] for s in state.values())
    for s in state.values():
        if not (s["chain"] == s["last"] and s["checkpoint"] == s["last"] - 1):
            return False
        if s["relay"] is not None and s["relay"] != s["last"]:
            return False
        if any(position != s["last"] for position in s["projections"]):
            return False
        if any(tracked != streams[source] for source, tracked in s["tracked"].items()):
            return False
    relayed = {name: s["relay_sequence"] for name, s in state.items() if s["relay_sequence"] is not None}
    return all(relayed[name] == streams[name] for name in relayed) and streams["checkpoints"] == checkpoints


async def settle(p: Platform, nats_url: str, namespace: str) -> dict[str, Any]:
    """Until everything caught up and stayed so for a few seconds (longer than the checkpoint interval)."""
    stable = 0
    previous: Any = None
    for _ in range(240):
        for app in p.apps.values():
            app.state.kernel.nudge()
        await asyncio.sleep(0.5)
        state = progress(p)
        streams = await last_sequences(nats_url, namespace)
        if caught_up(state, streams) and (state, streams) == previous:
            stable += 1
            if stable >= 8:
                return {"progress": state, "streams": streams}
        else:
            stable = 0
        previous = (state, streams)
    raise AssertionError(f"the services did not catch up: {progress(p)}")


# ------------------------------------------------------------------------------------ describing a store


def open_kernel(name: str, store: StoreSettings, folder: Path) -> Kernel:
    """A service's kernel as the service builds it (not started): its application, chain, vault."""
    spec = discover()[name]
    base = spec.settings_type()
    privacy = {"vault_path": folder / f"{name}-vault.sqlite"} if store.backend == "sqlite" else {"vault_pg_dsn": None}
    settings = spec.settings_type.model_validate(
        {
            "store": store,
            "audit": AuditSettings(keys_dir=folder / "keys"),
            "privacy": base.privacy.model_copy(update=privacy),
        }
    )
    kernel: Kernel = spec.create_app(settings, None).state.kernel
    return kernel


def notifications(recorder: Any) -> Iterator[Any]:
    after = 0
    while True:
        batch = recorder.select_notifications(start=after, limit=500, inclusive_of_start=False)
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def plain(value: Any) -> Any:
    return getattr(value, "value", value)


def describe(name: str, kernel: Kernel) -> dict[str, Any]:
    app = kernel.application
    stored = list(notifications(app.recorder))
    topics = Counter(n.topic for n in stored)
    originators = list(dict.fromkeys(str(n.originator_id) for n in stored))
    aggregates: dict[str, Any] = {}
    by_class: dict[str, list[str]] = {}
    for originator in originators:
        aggregate = app.repository.get(uuid.UUID(originator))
        cls = type(aggregate).__qualname__
        by_class.setdefault(cls, []).append(originator)
        state = {f: plain(getattr(aggregate, f)) for f in STATE_FIELDS if hasattr(aggregate, f)}
        aggregates[originator] = {"class": cls, "version": aggregate.version, **({"state": state} if state else {})}
    position, link = kernel.chain.head()
    checkpoints = stored_checkpoints(app, name)
    return {
        "events": len(stored),
        "first_notification_id": stored[0].id if stored else 0,
        "last_notification_id": stored[-1].id if stored else 0,
        "events_by_topic": dict(sorted(topics.items())),
        "aggregates_by_class": {cls: sorted(ids) for cls, ids in sorted(by_class.items())},
        "aggregates": dict(sorted(aggregates.items())),
        "chain_head": {"position": position, "link": link.hex()},
        "checkpoints": {
            "count": len(checkpoints),
            "last_position": checkpoints[-1].position if checkpoints else 0,
            "last_link": checkpoints[-1].link if checkpoints else "",
            "kids": list(dict.fromkeys(c.kid for c in checkpoints)),
            "announcements": [c.announces.kid for c in checkpoints if c.announces is not None],
        },
        "published_keys": kernel.published_keys(),
    }


def verify_cli(name: str, data: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`kyodo audit verify <service>` by database, in-process, with a fresh pin file."""
    from kyodo_shared.cli.main import main

    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    out = io.StringIO()
    try:
        with tempfile.TemporaryDirectory() as pins, contextlib.redirect_stdout(out):
            code = main(["--data-dir", str(data), "audit", "verify", name, "--pin", str(Path(pins) / "pins.json")])
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    report: dict[str, Any] = json.loads(out.getvalue())
    assert code == 0, report
    assert report["ok"], report
    return report


# ------------------------------------------------------------------------------------------------ copying


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(r[0] for r in rows)


def event_rows(path: Path) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()


def compact(source: Path, target: Path) -> None:
    """VACUUM INTO a standalone file (rollback journal); every notification id (rowid) must survive."""
    target.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(source)) as conn:
        conn.execute("VACUUM INTO ?", (str(target),))
    with contextlib.closing(sqlite3.connect(target)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE").fetchall()
        triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        assert not triggers, triggers
    with contextlib.closing(sqlite3.connect(source)) as conn:
        has_events = "stored_events" in sqlite_tables(conn)
    if has_events:
        assert event_rows(source) == event_rows(target), f"VACUUM renumbered notifications of {source.name}"


def copy_keys(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".lock", "*.tmp"), dirs_exist_ok=True)


def pg_tables(conn: psycopg.Connection[Any], schema: str) -> dict[str, list[str]]:
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
        "AND table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position",
        (schema, schema),
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def copy_into_postgres(dsn: str, sqlite_path: Path, schema: str, events_table: str | None) -> dict[str, int]:
    """Every row of one SQLite file into the schema the kernel made for it; returns rows copied per table."""
    copied: dict[str, int] = {}
    with psycopg.connect(dsn) as pg, contextlib.closing(sqlite3.connect(sqlite_path)) as lite:
        targets = pg_tables(pg, schema)
        for table in targets:
            pg.execute(pgsql.SQL("TRUNCATE {}.{}").format(pgsql.Identifier(schema), pgsql.Identifier(table)))
        for table in sqlite_tables(lite):
            if table == "stored_events":
                assert events_table is not None, f"{sqlite_path.name} has events"
                rows = event_rows(sqlite_path)
                with pg.cursor() as cur:
                    cur.executemany(
                        pgsql.SQL(
                            "INSERT INTO {}.{} (notification_id, originator_id, originator_version, topic, state) "
                            "VALUES (%s, %s::uuid, %s, %s, %s)"
                        ).format(pgsql.Identifier(schema), pgsql.Identifier(events_table)),
                        [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in rows],
                    )
                pg.execute(
                    pgsql.SQL("SELECT setval(pg_get_serial_sequence({}, 'notification_id'), %s)").format(
                        pgsql.Literal(f"{schema}.{events_table}")
                    ),
                    (max(r[0] for r in rows),),
                )
                copied[events_table] = len(rows)
                continue
            columns = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
            assert table in targets, f"{schema}: no table {table} on PostgreSQL"
            assert sorted(columns) == sorted(targets[table]), (table, columns, targets[table])
            rows = lite.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            if rows:
                with pg.cursor() as cur:
                    cur.executemany(
                        pgsql.SQL("INSERT INTO {}.{} ({}) VALUES ({})").format(
                            pgsql.Identifier(schema),
                            pgsql.Identifier(table),
                            pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns),
                            pgsql.SQL(", ").join(pgsql.Placeholder() * len(columns)),
                        ),
                        rows,
                    )
            copied[table] = len(rows)
    return copied


def make_postgres_dump(
    output: Path, scratch: Path, server_dsn: str, pg_dump: str, sqlite_manifest: dict[str, Any]
) -> dict[str, Any]:
    name = f"kyodo_fixture_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        server_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    dsn = database_dsn(server_dsn, name)
    specs = discover()
    schemas: list[str] = []
    copied: dict[str, Any] = {}
    try:
        for service in SERVICES:
            spec = specs[service]
            store = StoreSettings(backend="postgres", pg_dsn=dsn, pg_schema=spec.pg_schema, pg_pool_size=2)
            # The released kernel makes every table it has on PostgreSQL (event store, its own tables, the vault).
            open_kernel(service, store, scratch).close()
            events_table = f"{spec.application_name.lower()}_events"
            copied[service] = {
                spec.pg_schema: copy_into_postgres(dsn, output / f"{service}.sqlite", spec.pg_schema, events_table),
                f"{spec.pg_schema}_vault": copy_into_postgres(
                    dsn, output / f"{service}-vault.sqlite", f"{spec.pg_schema}_vault", None
                ),
            }
            schemas += [spec.pg_schema, f"{spec.pg_schema}_vault"]
        for service in SERVICES:
            spec = specs[service]
            store = StoreSettings(backend="postgres", pg_dsn=dsn, pg_schema=spec.pg_schema, pg_pool_size=2)
            kernel = open_kernel(service, store, scratch)
            try:
                described = describe(service, kernel)
            finally:
                kernel.close()
            expected = {k: v for k, v in sqlite_manifest[service].items() if k in described}
            assert described == expected, f"{service}: the PostgreSQL copy reads differently from the SQLite file"
            env = {
                "KYODO_STORE__BACKEND": "postgres",
                "KYODO_STORE__PG_DSN": dsn,
                "KYODO_STORE__PG_SCHEMA": spec.pg_schema,
                "KYODO_AUDIT__KEYS_DIR": str(scratch / "keys"),
            }
            report = verify_cli(service, scratch, env)
            assert report["events"] == described["events"], report
            log(f"postgres {service}: {report['events']} events verify, {report['checkpoints_valid']} checkpoints")
        dump = subprocess.run(
            [pg_dump, "--no-owner", "--no-privileges", "--format=plain", *(f"--schema={s}" for s in schemas), dsn],
            capture_output=True,
            check=True,
        )
        (output / "postgres.sql").write_bytes(dump.stdout)
        dump_version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True, check=True).stdout
    finally:
        drop_database(server_dsn, name)
    return {
        "method": (
            "rows copied: the released kernel created each service's schemas on PostgreSQL, every row of the "
            "SQLite files was copied into them unchanged (notification ids, originator ids and versions, topics, "
            "state bytes), the copy was verified, then pg_dump --no-owner --no-privileges (plain SQL)"
        ),
        "schemas": schemas,
        "server_version": server_version,
        "pg_dump": dump_version.strip(),
        "rows": copied,
    }


# ------------------------------------------------------------------------------------------------------- main


def imported_from() -> dict[str, str]:
    import kyodo_info_hub
    import kyodo_proposals
    import kyodo_registry

    import support

    modules = {
        m.__name__: str(Path(m.__file__ or "").parent)
        for m in (kyodo_shared, kyodo_registry, kyodo_proposals, kyodo_info_hub, support)
    }
    for name, path in modules.items():
        print(f"{name} imported from {path}", flush=True)
    return modules


def base_commit(modules: dict[str, str]) -> str:
    root = Path(modules["kyodo_shared"]).parents[1]
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--", "shared", "services", "tests/support"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not dirty.stdout.strip(), f"the released code at {root} has local changes:\n{dirty.stdout}"
    return commit.stdout.strip()


async def generate(output: Path, work: Path, nats_url: str) -> dict[str, Any]:
    issuer = DevIssuer.load_or_create(work / "issuer")
    data = work / "data"
    data.mkdir()
    namespace = f"fx{uuid.uuid4().hex[:8]}"
    backend = Backend("sqlite", data)
    services: dict[str, KernelSettings] = {
        name: settings_for(
            name,
            backend,
            nats_url,
            namespace,
            issuer,
            audit=AuditSettings(keys_dir=data / "keys", checkpoint_every_seconds=3.0),
        )
        for name in SERVICES
    }
    async with platform(services, issuer) as p:
        ids = await scenario(p, (nats_url, namespace, data))
        log("scenario done; waiting for relays, projections, consumers and checkpointers")
        settled = await settle(p, nats_url, namespace)
        log(f"caught up: {json.dumps(settled['progress'], ensure_ascii=False)}")
    from support.servers import delete_streams

    await delete_streams(nats_url, f"{namespace.upper()}_")
    for name in SERVICES:
        compact(data / f"{name}.sqlite", output / f"{name}.sqlite")
        compact(data / f"{name}-vault.sqlite", output / f"{name}-vault.sqlite")
    copy_keys(data / "keys", output / "keys")
    return {"ids": ids, "settled": settled}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=REPO / "tests" / "fixtures" / "store-v0")
    parser.add_argument("--nats-url", default=None, help="a JetStream NATS (default: spawn one from the wheel)")
    parser.add_argument("--pg-dsn", required=True, help="a PostgreSQL server where a database may be created")
    parser.add_argument("--pg-dump", default="pg_dump", help="pg_dump of the server's major version")
    args = parser.parse_args()

    modules = imported_from()
    if any(Path(path).is_relative_to(REPO) for path in modules.values()):
        raise SystemExit("refusing: the code under test is imported, not the released one (see the docstring)")
    commit = base_commit(modules)
    print(f"released commit {commit}", flush=True)

    output: Path = args.output.resolve()
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="kyodo-fixture-") as tmp:
        work = Path(tmp)
        with contextlib.ExitStack() as stack:
            nats_url = args.nats_url or stack.enter_context(spawn_nats())
            generated = asyncio.run(generate(output, work, nats_url))

        # Describe and verify the committed copies (on a scratch copy: opening a store switches it to WAL).
        scratch = work / "scratch"
        shutil.copytree(output, scratch)
        services: dict[str, Any] = {}
        specs = discover()
        for name in SERVICES:
            store = StoreSettings(backend="sqlite", sqlite_path=scratch / f"{name}.sqlite")
            kernel = open_kernel(name, store, scratch)
            try:
                described = describe(name, kernel)
            finally:
                kernel.close()
            report = verify_cli(name, scratch)
            assert report["events"] == described["events"], report
            assert report["unchained_tail"] == 0, report
            assert report["checkpoints_valid"] == described["checkpoints"]["count"], report
            services[name] = {
                "application_name": specs[name].application_name,
                "pg_schema": specs[name].pg_schema,
                **described,
                "verify": {k: report[k] for k in ("ok", "events", "unchained_tail", "checkpoints_valid")},
            }
            log(f"sqlite {name}: {described['events']} events, {len(described['aggregates'])} aggregates, verified")
        pg_scratch = work / "pg"
        copy_keys(output / "keys", pg_scratch / "keys")
        postgres = make_postgres_dump(output, pg_scratch, args.pg_dsn, args.pg_dump, services)

    manifest = {
        "about": (
            "Stores written by the first release of Kyodo, for tests/compat/test_stored_data.py. Generated by "
            "tests/compat/make_fixture.py (see its docstring). The keys are test-only."
        ),
        "generated_from": {
            "commit": commit,
            "eventsourcing": importlib.metadata.version("eventsourcing"),
            "python": sys.version.split()[0],
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        "layout": {
            "store": "<service>.sqlite",
            "vault": "<service>-vault.sqlite",
            "keys": "keys/<service>/ (checkpoint keys; proposals also sealing.key)",
            "postgres": "postgres.sql",
        },
        "scenario": generated["ids"],
        "postgres": postgres,
        "services": services,
    }
    (output / "MANIFEST.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    total = sum(f.stat().st_size for f in output.rglob("*") if f.is_file())
    log(f"wrote {output} ({total / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
