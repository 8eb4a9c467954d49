"""The org part's contract events on real JetStream: one message per step, decodable by the catalog, no names."""

from __future__ import annotations

import json
import uuid

import nats
import pytest

from kyodo_contracts import stream_name
from kyodo_contracts.registry_org import (
    PUBLISHED,
    CommitteeMemberAppointed,
    DepartmentInterestDeclared,
    DepartmentInterestWithdrawn,
    InterestDeclared,
)
from kyodo_shared.bus.cloudevents import H_CORRELATION, H_TYPE, decode
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, platform, settings_for

pytestmark = pytest.mark.smoke

NAME = "渡辺 三枝子"


async def stream_messages(nats_url: str, namespace: str) -> list[tuple[dict[str, str], bytes]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = stream_name(namespace, "registry")
        last = int((await js.stream_info(name)).state.last_seq)
        messages = [await js.get_msg(name, seq) for seq in range(1, last + 1)]
        return [(dict(m.headers or {}), m.data or b"") for m in messages]
    finally:
        await nc.close()


async def every_step(p: Platform) -> tuple[uuid.UUID, str]:
    """Walk every org command once over HTTP; returns the group and the department interests were declared in."""
    client, group = p.clients["registry"], uuid.uuid4()

    async def send(method: str, path: str, body: object, etag: str | None = None, sub: str = "coord-1") -> str:
        headers = {**p.token(sub, "coordinator"), "X-Correlation-Id": "org-e2e"}
        if etag:
            headers["If-Match"] = etag
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code in (200, 201), response.text
        etag_value: str = response.headers["ETag"]
        return etag_value

    created = await client.post(
        "/departments",
        json={"code": "COMM", "name_ja": "協働コミュニティ課"},
        headers=p.token("coord-1", "coordinator"),
    )
    dept, etag = created.json()["id"], created.headers["ETag"]
    for staff in ("s-1", "s-2"):
        etag = await send("POST", f"/departments/{dept}/staff", {"staff_sub": staff, "job_title": "主査"}, etag)
    etag = await send("PUT", f"/departments/{dept}/liaison", {"staff_sub": "s-1"}, etag)
    deleted = await client.delete(
        f"/departments/{dept}/staff/s-2", headers={**p.token("c", "coordinator"), "If-Match": etag}
    )
    assert deleted.status_code == 200, deleted.text
    team = await send("POST", "/team/members", {"staff_sub": "s-1", "department_id": dept})
    await send("POST", "/team/members/s-1/departure", {}, team)

    board = await client.post(
        "/committees", json={"kind": "review_board", "name_ja": "協働事業審査会"}, headers=p.token("c", "coordinator")
    )
    board_id, etag = board.json()["id"], board.headers["ETag"]
    appointment = {"member_sub": "m-1", "name": NAME, "term_start": "2025-04-01", "term_end": "2027-03-31"}
    etag = await send("POST", f"/committees/{board_id}/members", appointment, etag)
    etag = await send(
        "PUT", f"/committees/{board_id}/officers", {"chair_sub": "m-1", "effective_on": "2025-04-01"}, etag
    )
    election = {"matter": "proposals:call:c-1", "acting_chair_sub": "m-1", "elector_subs": ["m-1"]}
    etag = await send("POST", f"/committees/{board_id}/acting-chairs", {**election, "elected_on": "2025-06-01"}, etag)
    await send(
        "POST", f"/committees/{board_id}/members/m-1/end", {"ended_on": "2026-03-31", "reason": "resigned"}, etag
    )

    declared = await client.post(
        "/interests/me", json={"group_id": str(group), "kind": "member"}, headers=p.token("m-1", "reviewer")
    )
    assert declared.status_code == 201, declared.text
    withdrawal = f"/interests/me/{declared.json()['declaration_id']}/withdrawal"
    headers = {**p.token("m-1", "reviewer"), "If-Match": declared.headers["ETag"]}
    withdrawn = await client.post(withdrawal, json={"reason": "退会した"}, headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    headers = {**p.token("m-1", "reviewer"), "If-Match": withdrawn.headers["ETag"]}
    declared = await client.post(
        "/interests/me/departments", json={"department_id": dept, "kind": "other", "note": "元職員"}, headers=headers
    )
    assert declared.status_code == 201, declared.text
    withdrawal = f"/interests/me/{declared.json()['declaration_id']}/withdrawal"
    headers = {**p.token("m-1", "reviewer"), "If-Match": declared.headers["ETag"]}
    assert (await client.post(withdrawal, json={"reason": "利害関係が解消"}, headers=headers)).status_code == 200
    return group, dept


async def test_every_org_step_arrives_as_its_contract_event_and_no_name_is_published(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("registry", backend, nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        group, dept = await every_step(p)
        expected = {c.ce_type() for c in PUBLISHED}

        async def all_published() -> list[tuple[dict[str, str], bytes]] | None:
            messages = await stream_messages(nats_url, bus_namespace)
            return messages if {h[H_TYPE] for h, _ in messages} >= expected else None

        messages = await eventually(all_published, timeout=20)

    types = [h[H_TYPE] for h, _ in messages]
    assert sorted(types) == sorted(
        c.ce_type() for c in PUBLISHED for _ in range(2 if c.event_name.endswith("staff_assigned") else 1)
    )
    assert all(h[H_CORRELATION] == "org-e2e" for h, _ in messages if "committee.member" in h[H_TYPE])
    for headers, body in messages:
        assert NAME.encode() not in body
        assert NAME not in json.dumps(headers, ensure_ascii=False)
    envelopes = [decode(h, b) for h, b in messages]
    [appointed] = [e.data for e in envelopes if isinstance(e.data, CommitteeMemberAppointed)]
    assert (appointed.member_sub, appointed.committee_kind.value, str(appointed.term_end)) == (
        "m-1",
        "review_board",
        "2027-03-31",
    )
    assert "name" not in json.loads(next(b for h, b in messages if h[H_TYPE] == CommitteeMemberAppointed.ce_type()))
    [declared] = [e.data for e in envelopes if isinstance(e.data, InterestDeclared)]
    assert (declared.person_sub, declared.group_id, declared.kind.value) == ("m-1", group, "member")
    [in_dept] = [e.data for e in envelopes if isinstance(e.data, DepartmentInterestDeclared)]
    assert (in_dept.person_sub, str(in_dept.department_id), in_dept.kind.value, in_dept.note) == (
        "m-1",
        dept,
        "other",
        "元職員",
    )
    [out] = [e.data for e in envelopes if isinstance(e.data, DepartmentInterestWithdrawn)]
    assert (out.declaration_id, out.department_id, out.reason) == (
        in_dept.declaration_id,
        in_dept.department_id,
        "利害関係が解消",
    )
