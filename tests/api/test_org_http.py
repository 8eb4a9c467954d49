"""The org part of the registry over HTTP: departments and liaisons, the team, committee rosters, declared interests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kyodo_registry.app import RegistryApplication

from support.harness import Platform

NAMES = ("鈴木 一子", "高橋 次郎")


def app_of(p: Platform) -> RegistryApplication:
    app: RegistryApplication = p.apps["registry"].state.kernel.application
    return app


def stored_events(p: Platform) -> int:
    return app_of(p).recorder.max_notification_id() or 0


def coord(p: Platform, etag: str | None = None, sub: str = "coord-1") -> dict[str, str]:
    headers = p.token(sub, "coordinator")
    return {**headers, "If-Match": etag} if etag else headers


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert (body["code"], body["status"]) == (code, status)
    assert body["title_ja"]
    assert body["title_en"]
    for name in NAMES:
        assert name not in response.text
    return body


async def ok(response: Any, status: int = 200) -> httpx.Response:
    result: httpx.Response = await response
    assert result.status_code == status, result.text
    return result


async def department(p: Platform, *staff: str, code: str = "COMM") -> tuple[str, str]:
    client = p.clients["registry"]
    created = await ok(
        client.post("/departments", json={"code": code, "name_ja": "協働コミュニティ課"}, headers=coord(p)), 201
    )
    dept, etag = created.json()["id"], created.headers["ETag"]
    for sub in staff:
        body = {"staff_sub": sub, "job_title": "主査", "since": "2025-04-01"}
        etag = (await ok(client.post(f"/departments/{dept}/staff", json=body, headers=coord(p, etag)))).headers["ETag"]
    return dept, etag


async def committee(p: Platform, *members: str, kind: str = "review_board") -> tuple[str, str]:
    client = p.clients["registry"]
    body = {"kind": kind, "name_ja": "国分寺市協働事業審査会"}
    created = await ok(client.post("/committees", json=body, headers=coord(p)), 201)
    committee_id, etag = created.json()["id"], created.headers["ETag"]
    for sub, name in zip(members, NAMES, strict=False):
        appointment = {"member_sub": sub, "name": name, "term_start": "2025-04-01", "term_end": "2027-03-31"}
        response = await ok(
            client.post(f"/committees/{committee_id}/members", json=appointment, headers=coord(p, etag))
        )
        etag = response.headers["ETag"]
    return committee_id, etag


async def test_departments_with_their_liaison_are_public_and_a_new_liaison_replaces_the_old(registry: Platform) -> None:
    client = registry.clients["registry"]
    dept, etag = await department(registry, "staff-1", "staff-2")
    for sub in ("staff-1", "staff-2"):
        response = await ok(
            client.put(f"/departments/{dept}/liaison", json={"staff_sub": sub}, headers=coord(registry, etag))
        )
        etag = response.headers["ETag"]
    listed = (await ok(client.get("/departments"))).json()["items"]
    assert [(d["code"], d["liaison"]["staff_sub"]) for d in listed] == [("COMM", "staff-2")]
    one = await ok(client.get(f"/departments/{dept}"))
    assert one.headers["ETag"] == etag
    assert [s["staff_sub"] for s in one.json()["staff"]] == ["staff-1", "staff-2"]


async def test_refuses_a_liaison_who_is_not_staff_and_stores_nothing(registry: Platform) -> None:
    client = registry.clients["registry"]
    dept, etag = await department(registry, "staff-1")
    before = stored_events(registry)
    response = await client.put(
        f"/departments/{dept}/liaison", json={"staff_sub": "outsider"}, headers=coord(registry, etag)
    )
    assert_problem(response, 409, "liaison_not_staff")
    assert stored_events(registry) == before
    taken = await client.post("/departments", json={"code": "COMM", "name_ja": "別の課"}, headers=coord(registry))
    assert_problem(taken, 409, "department_code_taken")
    assert stored_events(registry) == before


async def test_an_update_needs_the_current_etag(registry: Platform) -> None:
    client = registry.clients["registry"]
    dept, etag = await department(registry)
    body = {"staff_sub": "staff-1", "job_title": "主事"}
    assert_problem(
        await client.post(f"/departments/{dept}/staff", json=body, headers=coord(registry)),
        428,
        "precondition_required",
    )
    assert_problem(
        await client.post(f"/departments/{dept}/staff", json=body, headers=coord(registry, '"99"')),
        412,
        "precondition_failed",
    )
    assert_problem(
        await client.post(f"/departments/{uuid.uuid4()}/staff", json=body, headers=coord(registry, etag)),
        404,
        "not_found",
    )


async def test_the_team_on_a_date_is_answered_publicly_from_its_history(registry: Platform) -> None:
    client = registry.clients["registry"]
    dept, _ = await department(registry, "staff-1", "staff-2")
    joined = await ok(
        client.post(
            "/team/members",
            json={"staff_sub": "staff-1", "department_id": dept, "joined_on": "2025-04-01"},
            headers=coord(registry),
        )
    )
    etag = joined.headers["ETag"]
    left = await ok(
        client.post("/team/members/staff-1/departure", json={"left_on": "2025-09-30"}, headers=coord(registry, etag))
    )
    etag = left.headers["ETag"]
    body = {"staff_sub": "staff-2", "department_id": dept, "joined_on": "2025-06-01"}
    await ok(client.post("/team/members", json=body, headers=coord(registry, etag)))

    async def on(day: str) -> list[str]:
        return [m["staff_sub"] for m in (await ok(client.get("/team", params={"on": day}))).json()["members"]]

    assert await on("2025-05-01") == ["staff-1"]
    assert await on("2025-09-30") == ["staff-1", "staff-2"]
    assert await on("2025-10-01") == ["staff-2"]
    assert len((await ok(client.get("/team/history"))).json()["members"]) == 2
    outsider = {"staff_sub": "outsider", "department_id": dept}
    team_etag = (await client.get("/team")).headers["ETag"]
    assert_problem(
        await client.post("/team/members", json=outsider, headers=coord(registry, team_etag)),
        409,
        "not_department_staff",
    )


async def test_a_roster_on_a_date_shows_names_roles_and_terms_without_a_token(registry: Platform) -> None:
    client = registry.clients["registry"]
    committee_id, etag = await committee(registry, "m-1", "m-2")
    officers = {"chair_sub": "m-2", "vice_chair_sub": "m-1", "effective_on": "2025-05-01"}
    await ok(client.put(f"/committees/{committee_id}/officers", json=officers, headers=coord(registry, etag)))
    roster = (await ok(client.get(f"/committees/{committee_id}", params={"on": "2025-06-01"}))).json()
    assert [(m["member_sub"], m["name"], m["role"]) for m in roster["members"]] == [
        ("m-2", "高橋 次郎", "chair"),
        ("m-1", "鈴木 一子", "vice_chair"),
    ]
    assert roster["members"][0]["term_end"] == "2027-03-31"
    assert (await ok(client.get(f"/committees/{committee_id}", params={"on": "2025-03-31"}))).json()["members"] == []
    listed = (await ok(client.get("/committees"))).json()["items"]
    assert [c["kind"] for c in listed] == ["review_board"]


async def test_refuses_a_chair_who_is_not_a_current_member_and_stores_nothing(registry: Platform) -> None:
    client = registry.clients["registry"]
    committee_id, etag = await committee(registry, "m-1")
    before = stored_events(registry)
    body = {"chair_sub": "m-9", "effective_on": "2025-05-01"}
    assert_problem(
        await client.put(f"/committees/{committee_id}/officers", json=body, headers=coord(registry, etag)),
        409,
        "chair_not_member",
    )
    late = {"chair_sub": "m-1", "effective_on": "2027-04-01"}
    assert_problem(
        await client.put(f"/committees/{committee_id}/officers", json=late, headers=coord(registry, etag)),
        409,
        "chair_not_member",
    )
    assert stored_events(registry) == before


async def test_ending_a_membership_twice_is_refused_and_a_reappointment_starts_a_new_term(registry: Platform) -> None:
    client = registry.clients["registry"]
    committee_id, etag = await committee(registry, "m-1")
    end = {"ended_on": "2025-12-31", "reason": "resigned"}
    etag = (
        await ok(client.post(f"/committees/{committee_id}/members/m-1/end", json=end, headers=coord(registry, etag)))
    ).headers["ETag"]
    before = stored_events(registry)
    assert_problem(
        await client.post(f"/committees/{committee_id}/members/m-1/end", json=end, headers=coord(registry, etag)),
        409,
        "membership_already_ended",
    )
    overlapping = {"member_sub": "m-1", "name": NAMES[0], "term_start": "2025-12-31", "term_end": "2027-03-31"}
    assert_problem(
        await client.post(f"/committees/{committee_id}/members", json=overlapping, headers=coord(registry, etag)),
        409,
        "overlapping_term",
    )
    assert stored_events(registry) == before
    again = {**overlapping, "term_start": "2026-04-01", "term_end": "2028-03-31"}
    await ok(client.post(f"/committees/{committee_id}/members", json=again, headers=coord(registry, etag)))
    members = (await ok(client.get(f"/committees/{committee_id}", params={"on": "2026-04-01"}))).json()["members"]
    assert [(m["member_sub"], m["term_start"]) for m in members] == [("m-1", "2026-04-01")]
    assert (await ok(client.get(f"/committees/{committee_id}", params={"on": "2026-01-15"}))).json()["members"] == []


async def test_an_erased_members_name_shows_as_erased(registry: Platform) -> None:
    client = registry.clients["registry"]
    committee_id, _ = await committee(registry, "m-1")
    kernel = registry.apps["registry"].state.kernel
    assert kernel.vault.erase("m-1", datetime.now(UTC) + timedelta(days=11 * 365))
    [member] = (await ok(client.get(f"/committees/{committee_id}", params={"on": "2025-04-01"}))).json()["members"]
    assert (member["member_sub"], member["name"], member["name_erased"]) == ("m-1", None, True)


APPOINTMENT = {"member_sub": "m-1", "name": "鈴木 一子", "term_start": "2025-04-01", "term_end": "2027-03-31"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/committees", {"kind": "town_council", "name_ja": "x"}, "kind"),
        ("/committees/{c}/members", {**APPOINTMENT, "term_end": "2025-03-31"}, "term_end"),
        ("/committees/{c}/members", {**APPOINTMENT, "member_sub": "鈴木 一子"}, "member_sub"),
        ("/committees/{c}/members", {**APPOINTMENT, "term_start": "2025-02-30"}, "term_start"),
        ("/committees/{c}/officers", {"chair_sub": "m-1", "vice_chair_sub": "m-1"}, "vice_chair_sub"),
        ("/interests/me", {"group_id": str(uuid.uuid4()), "kind": "member", "note": "あ" * 201}, "note"),
        ("/interests/me", {"group_id": "not-a-uuid", "kind": "member"}, "group_id"),
        ("/interests/me", {"group_id": str(uuid.uuid4()), "kind": "friend"}, "kind"),
    ],
    ids=[
        "kind",
        "term-order",
        "sub-with-a-name",
        "bad-date",
        "same-officers",
        "long-note",
        "group-id",
        "interest-kind",
    ],
)
async def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_stored(
    registry: Platform, path: str, body: dict[str, Any], field: str
) -> None:
    committee_id, etag = await committee(registry)
    before = stored_events(registry)
    method = "PUT" if path.endswith("officers") else "POST"
    response = await registry.clients["registry"].request(
        method, path.format(c=committee_id), json=body, headers=coord(registry, etag)
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert all(e["reason_ja"] and e["reason_en"] for e in problem["errors"])
    if field in ("term_end", "vice_chair_sub"):  # rules of the committee, not of one value: named in Japanese too
        assert "値が正しくありません" not in problem["errors"][0]["reason_ja"]
    assert stored_events(registry) == before


async def test_a_bad_date_in_a_public_query_is_a_problem(registry: Platform) -> None:
    problem = assert_problem(
        await registry.clients["registry"].get("/team", params={"on": "2025-13-01"}), 422, "validation_failed"
    )
    assert problem["errors"][0]["field"] == "query.on"


async def test_managing_needs_a_coordinator(registry: Platform) -> None:
    client = registry.clients["registry"]
    body = {"code": "X1", "name_ja": "課"}
    assert_problem(await client.post("/departments", json=body), 401, "missing_token")
    assert_problem(
        await client.post("/departments", json=body, headers=registry.token("s-1", "staff")), 403, "forbidden_role"
    )
    declaration = {"group_id": str(uuid.uuid4()), "kind": "member"}
    on_behalf = await client.post("/interests/people/m-1", json=declaration, headers=registry.token("m-2", "reviewer"))
    assert_problem(on_behalf, 403, "forbidden_role")


async def test_interests_are_declared_withdrawn_and_read_publicly(registry: Platform) -> None:
    client, app = registry.clients["registry"], app_of(registry)
    group = uuid.uuid4()
    member = registry.token("m-1", "reviewer")
    declared = await ok(
        client.post("/interests/me", json={"group_id": str(group), "kind": "officer", "note": "監事"}, headers=member),
        201,
    )
    assert (declared.json()["person_sub"], declared.json()["recorded_by"]) == ("m-1", "m-1")
    assert app.declared_interest("m-1", group) is True
    # A coordinator records a relative's tie on another member's behalf.
    on_behalf = {"group_id": str(group), "kind": "close_relation"}
    await ok(client.post("/interests/people/m-2", json=on_behalf, headers=coord(registry)), 201)
    about = (await ok(client.get(f"/interests/groups/{group}"))).json()["items"]
    assert [(d["person_sub"], d["kind"], d["recorded_by"]) for d in about] == [
        ("m-1", "officer", "m-1"),
        ("m-2", "close_relation", "coord-1"),
    ]

    etag = declared.headers["ETag"]
    again = await client.post(
        "/interests/me", json={"group_id": str(group), "kind": "officer"}, headers={**member, "If-Match": etag}
    )
    assert_problem(again, 409, "already_declared")
    withdrawal = f"/interests/me/{declared.json()['declaration_id']}/withdrawal"
    assert_problem(await client.post(withdrawal, json={"reason": "退任"}, headers=member), 428, "precondition_required")
    withdrawn = await ok(client.post(withdrawal, json={"reason": "役員を退任"}, headers={**member, "If-Match": etag}))
    # Withdrawn, but the recusal holds for a cooling-off year.
    assert app.declared_interest("m-1", group) is True
    assert app.declared_interest("m-2", group) is True
    person = (await ok(client.get("/interests/people/m-1"))).json()
    assert [(d["active"], d["withdrawal_reason"]) for d in person["declarations"]] == [(False, "役員を退任")]
    twice = await client.post(
        withdrawal, json={"reason": "再度"}, headers={**member, "If-Match": withdrawn.headers["ETag"]}
    )
    assert_problem(twice, 409, "already_withdrawn")


async def test_interests_in_a_department_are_declared_listed_with_group_interests_and_withdrawn(
    registry: Platform,
) -> None:
    client, app = registry.clients["registry"], app_of(registry)
    dept, _ = await department(registry, "staff-1")
    group = uuid.uuid4()
    member = registry.token("s-9", "staff")
    in_group = await ok(
        client.post("/interests/me", json={"group_id": str(group), "kind": "member"}, headers=member), 201
    )
    body = {"department_id": dept, "kind": "other", "note": "2023年度まで在籍"}
    declared = await ok(
        client.post("/interests/me/departments", json=body, headers={**member, "If-Match": in_group.headers["ETag"]}),
        201,
    )
    view = declared.json()
    assert (view["person_sub"], view["department_id"], view["kind"], view["recorded_by"], view["active"]) == (
        "s-9",
        dept,
        "other",
        "s-9",
        True,
    )
    assert app.declared_department_interest("s-9", uuid.UUID(dept)) is True
    # A coordinator records a relative's tie on another person's behalf.
    await ok(
        client.post(
            "/interests/people/s-8/departments",
            json={"department_id": dept, "kind": "close_relation"},
            headers=coord(registry),
        ),
        201,
    )
    about = (await ok(client.get(f"/interests/departments/{dept}"))).json()
    assert [(d["person_sub"], d["kind"], d["recorded_by"]) for d in about["items"]] == [
        ("s-9", "other", "s-9"),
        ("s-8", "close_relation", "coord-1"),
    ]
    assert about["total"] == 2
    # One person's listing shows both kinds.
    person = (await ok(client.get("/interests/people/s-9"))).json()
    assert [d["group_id"] for d in person["declarations"]] == [str(group)]
    assert [d["department_id"] for d in person["department_declarations"]] == [dept]

    etag = declared.headers["ETag"]
    again = await client.post("/interests/me/departments", json=body, headers={**member, "If-Match": etag})
    assert_problem(again, 409, "already_declared")
    # The withdrawal routes name a declaration of either kind by its id.
    withdrawal = f"/interests/me/{view['declaration_id']}/withdrawal"
    withdrawn = await ok(client.post(withdrawal, json={"reason": "異動から3年"}, headers={**member, "If-Match": etag}))
    kinds = withdrawn.json()
    assert [(d["active"], d["withdrawal_reason"]) for d in kinds["department_declarations"]] == [(False, "異動から3年")]
    assert [d["active"] for d in kinds["declarations"]] == [True]
    # Withdrawn, but the recusal holds for a cooling-off year, as for a group.
    assert app.declared_department_interest("s-9", uuid.UUID(dept)) is True
    twice = await client.post(
        withdrawal, json={"reason": "再度"}, headers={**member, "If-Match": withdrawn.headers["ETag"]}
    )
    assert_problem(twice, 409, "already_withdrawn")


async def test_refuses_an_interest_in_an_unknown_department_or_on_someone_elses_behalf(registry: Platform) -> None:
    client = registry.clients["registry"]
    dept, _ = await department(registry, "staff-1")
    member = registry.token("s-9", "staff")
    before = stored_events(registry)
    unknown = {"department_id": str(uuid.uuid4()), "kind": "member"}
    problem = assert_problem(
        await client.post("/interests/me/departments", json=unknown, headers=member), 404, "not_found"
    )
    assert "部署" in problem["title_ja"]
    assert_problem(
        await client.post("/interests/people/s-8/departments", json=unknown, headers=coord(registry)), 404, "not_found"
    )
    # Only the person themself, or a coordinator on their behalf.
    someone_else = {"department_id": dept, "kind": "member"}
    assert_problem(
        await client.post("/interests/people/s-8/departments", json=someone_else, headers=member), 403, "forbidden_role"
    )
    assert_problem(await client.post("/interests/me/departments", json=someone_else), 401, "missing_token")
    bad = {"department_id": "not-a-uuid", "kind": "member"}
    problem = assert_problem(
        await client.post("/interests/me/departments", json=bad, headers=member), 422, "validation_failed"
    )
    assert [e["field"] for e in problem["errors"]] == ["department_id"]
    assert stored_events(registry) == before
    # Another person's declaration cannot be withdrawn through one's own routes: it is not theirs to name.
    declared = await ok(client.post("/interests/me/departments", json=someone_else, headers=member), 201)
    theirs = f"/interests/me/{declared.json()['declaration_id']}/withdrawal"
    other = registry.token("s-7", "staff")
    assert_problem(await client.post(theirs, json={"reason": "x"}, headers=other), 404, "not_found")


async def test_an_id_of_another_kind_is_simply_not_found(registry: Platform) -> None:
    client = registry.clients["registry"]
    dept, _ = await department(registry, "staff-1")
    # A department's id asked for as a group's (or a committee's) names nothing of that kind.
    assert_problem(await client.get(f"/groups/{dept}", headers=coord(registry)), 404, "group_not_found")
    assert_problem(await client.get(f"/committees/{dept}"), 404, "not_found")
