"""The authorization matrix's relationship rows of the registry's group commands (issue 22): who acts for a group —
its representative, or a contact it named — and who alone may change who that is.

The scene (the registry in-process, a real store and NATS): 川辺の会, registered, represented by rep-k with contact-k
named; another group's representative rep-o; 準備中の会, an application not yet decided (rep-a). Every refusal is the
exact status and problem `code` the service answers, asked before the same request by the one the relationship
lets in, and the group's record is shown unchanged by the refused commands.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from support.authz import load_table, refusal
from support.calls import ok
from support.lifecycle import GroupClient
from support.registry import BYLAWS, application, bylaws
from support.workspace import Site, workspace

SOME_DEPARTMENT = "0b6f2c3e-5d8a-4e1f-9a7b-3c2d1e0f9a8b"
RIVER_BYLAWS = "川辺の会 会則 第3条 入退会は自由".encode()
PERSON = {"name": "川村 次郎", "email": "jiro@example.jp", "phone": "042-300-1111"}
CHECKED = [
    "registry POST /groups/{group_id}/information",
    "registry POST /groups/{group_id}/reapplication",
    "registry POST /groups/{group_id}/renewal",
    "registry PUT /groups/{group_id}/bylaws",
    "registry POST /groups/{group_id}/ties",
    "registry POST /groups/{group_id}/ties/{tie_id}/withdrawal",
    "registry POST /groups/{group_id}/contacts/{contact_sub}/removal",
    "registry POST /groups/{group_id}/handover",
    "registry POST /groups/{group_id}/handover/confirmation",
    "registry GET /groups/{group_id}/bylaws",
    "page GET /registry/interests",
    "page GET /registry/interests/people",
    "page GET /registry/interests/declarations/{declaration_id}/withdrawal",
    "page POST /registry/interests/declarations/{declaration_id}/withdrawal",
    "page GET /registry/interests/groups",
    "page GET /registry/interests/departments",
    "page POST /registry/interests/groups",
    "page POST /registry/interests/departments",
]


@dataclass
class Scene:
    site: Site
    river: GroupClient  # registered; rep-k, contact-k
    pending: GroupClient  # applied, not decided; rep-a


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def scene(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Scene]:
    async with workspace(["registry"], tmp_path_factory.mktemp("authz-registry"), nats_url) as site:
        p = site.platform
        river = GroupClient(p, representative="rep-k")
        await river.apply(name="川辺の会")
        await river.assess_all()
        await ok(river.post("/contacts", {"sub": "contact-k", **PERSON}, "rep-k"), 201)
        other = GroupClient(p, representative="rep-o")
        await other.apply(name="よその会")
        pending = GroupClient(p, representative="rep-a")
        await pending.apply(name="準備中の会")
        yield Scene(site, river, pending)


def test_every_relationship_named_here_is_a_row_of_the_table() -> None:
    table = load_table()
    for key in CHECKED:
        assert table[key].get("relationship"), key


async def test_another_groups_representative_files_nothing_for_a_group_its_own_contact_does(scene: Scene) -> None:
    river = scene.river
    before = await river.read()
    tie = {"kind": "other", "counterpart": "川辺自治会", "description": "清掃活動の共催"}
    renewal = {"members_count": 12, "criteria_still_met": True, "bylaws_unchanged": True}
    reapplication = {k: v for k, v in application("川辺の会").items() if k not in {"representative", "ties"}}
    changed_bylaws = bylaws(RIVER_BYLAWS)
    commands: list[tuple[str, dict[str, Any], bool, tuple[int, str | None]]] = [
        # (path, body, PUT, what the group's own contact hears: let through, then stopped by the group's state)
        ("/information", {"answer": "追加の資料です"}, False, (409, "invalid_state")),
        ("/reapplication", reapplication, False, (409, "invalid_state")),
        ("/renewal", renewal, False, (409, "renewal_not_open")),
        ("/bylaws", changed_bylaws, True, (200, None)),
        ("/ties", tie, False, (201, None)),
    ]
    for path, body, put, own in commands:
        refused = await river.post(path, body, "rep-o", put=put)
        assert refusal(refused) == (403, "not_acting_for_group"), (path, refused.text)
        assert "川辺" not in refused.text
        answer = await river.post(path, body, "contact-k", put=put)
        assert refusal(answer) == own, (path, answer.text)
    tie_id = next(t["tie_id"] for t in (await river.read())["ties"] if t["counterpart"] == "川辺自治会")
    withdrawal = f"/ties/{tie_id}/withdrawal"
    refused = await river.post(withdrawal, {"reason": "共催終了"}, "rep-o")
    assert refusal(refused) == (403, "not_acting_for_group"), refused.text
    await ok(river.post(withdrawal, {"reason": "共催終了"}, "contact-k"))
    after = await river.read()
    assert after["representative_sub"] == before["representative_sub"] == "rep-k"


async def test_only_the_representative_removes_a_contact_or_hands_over_and_only_the_named_person_takes_over(
    scene: Scene,
) -> None:
    river = scene.river
    await river.read()
    for sub in ("rep-o", "contact-k"):
        removed = await river.post("/contacts/contact-k/removal", {}, sub)
        assert refusal(removed) == (403, "not_representative"), (sub, removed.text)
        handed = await river.post("/handover", {"new_representative_sub": sub}, sub)
        assert refusal(handed) == (403, "not_representative"), (sub, handed.text)
    await ok(river.post("/handover", {"new_representative_sub": "rep-next"}, "rep-k"))
    for sub in ("rep-o", "contact-k", "rep-k"):
        confirmed = await river.post("/handover/confirmation", PERSON, sub)
        assert refusal(confirmed) == (409, "no_handover_for_you"), (sub, confirmed.text)
    taken = await ok(river.post("/handover/confirmation", PERSON, "rep-next"))
    assert taken.json()["representative_sub"] == "rep-next"
    # The former representative is now no one in particular to the group.
    former = await river.post("/contacts/contact-k/removal", {}, "rep-k")
    assert refusal(former) == (403, "not_representative"), former.text
    assert "contact-k" in taken.json()["contacts"]
    removed = await ok(river.post("/contacts/contact-k/removal", {}, "rep-next"))
    assert "contact-k" not in removed.json()["contacts"]


async def test_an_undecided_applications_bylaws_are_read_only_by_its_own_people_and_the_center(scene: Scene) -> None:
    p, registry = scene.site.platform, scene.site.api("registry")
    path = f"/groups/{scene.pending.group_id}/bylaws"
    for headers in ({}, p.token("rep-o", "group"), p.token("someone", "public"), p.token("ev-1", "evaluator")):
        answer = await registry.get(path, headers=headers)
        assert refusal(answer) == (404, "group_not_found"), (headers, answer.text)
        assert BYLAWS not in answer.content
    for headers in (p.token("rep-a", "group"), p.token("coord-1", "coordinator")):
        shown = await ok(registry.get(path, headers=headers))
        assert shown.content == BYLAWS
    # A registered group's bylaws are public: the same reader who heard of none reads them.
    public = await ok(registry.get(f"/groups/{scene.river.group_id}/bylaws"))
    assert public.content in (BYLAWS, RIVER_BYLAWS)


async def test_a_person_withdraws_and_sees_their_own_declared_interests_only(scene: Scene) -> None:
    site, registry = scene.site, scene.site.api("registry")
    p = site.platform
    declared: dict[str, str] = {}
    for sub, note in (("staff-x", "川辺の会の会員として活動"), ("staff-y", "よその会の役員")):
        body = {"group_id": scene.river.group_id, "kind": "member", "note": note}
        made = await ok(registry.post("/interests/me", json=body, headers=p.token(sub, "staff")), 201)
        declared[sub] = str(made.json()["declaration_id"])
    theirs = declared["staff-x"]
    # Another person names staff-x's declaration: their own declarations are looked in, where it is not.
    for sub in ("staff-y", "staff-z"):
        answer = await registry.post(
            f"/interests/me/{theirs}/withdrawal",
            json={"reason": "取り下げ"},
            headers={**p.token(sub, "staff"), "If-Match": "*"},
        )
        assert refusal(answer) == (404, "not_found"), (sub, answer.text)
        browser = site.browser(sub, "staff")
        page = f"/registry/interests/declarations/{theirs}/withdrawal"
        # At their own declarations' version (none: "0"), so that only the id, someone else's, is wrong.
        version = (await registry.get(f"/interests/people/{sub}")).headers.get("ETag", '"0"')
        posted = await browser.post(page, {"reason": "取り下げ", "version": version})
        assert posted.status_code == 404, (sub, posted.status_code, posted.headers.get("location"))
        listing = await browser.get("/registry/interests")
        assert "川辺の会の会員として活動" not in listing.text, sub
        # The withdrawal form for another's declaration finds none of theirs to show.
        form = await browser.get(page)
        assert "川辺の会の会員として活動" not in form.text, (sub, form.status_code)
        # Someone's declarations are public to read (as the API's), with no form to change them but the center's.
        found = await browser.get("/registry/interests/people", person_sub="staff-x")
        assert (found.status_code, found.headers.get("location")) == (303, "/registry/interests/people/staff-x")
        person = await browser.get("/registry/interests/people/staff-x")
        assert "川辺の会の会員として活動" in person.text
        assert 'href="/registry/interests/people/staff-x/' not in person.text, sub
    center = await site.browser("coord-1", "coordinator").get("/registry/interests/people/staff-x")
    assert 'href="/registry/interests/people/staff-x/' in center.text, "the center's page records for them"
    still = await ok(registry.get("/interests/people/staff-x"))
    assert [d["active"] for d in still.json()["declarations"]] == [True]
    own = await site.browser("staff-x", "staff").get("/registry/interests")
    assert "川辺の会の会員として活動" in own.text
    withdrawn = await ok(
        registry.post(
            f"/interests/me/{theirs}/withdrawal",
            json={"reason": "退会しました"},
            headers={**p.token("staff-x", "staff"), "If-Match": "*"},
        )
    )
    assert [d["active"] for d in withdrawn.json()["declarations"]] == [False]


async def test_a_persons_declaration_forms_record_for_themself_only(scene: Scene) -> None:
    """The own forms take no one's sub from the form (interests._acting): a field naming another person changes
    nothing; posting on a person's behalf is the center's (403 for anyone else)."""
    site, registry = scene.site, scene.site.api("registry")
    browser = site.browser("staff-w", "staff")
    before = (await ok(registry.get("/interests/people/staff-v"))).json()
    # A made-up department: the own form is let through and refuses the department itself.
    for segment, field, value, status in (
        ("groups", "group_id", scene.river.group_id, 303),
        ("departments", "department_id", SOME_DEPARTMENT, 404),
    ):
        form = await browser.get(f"/registry/interests/{segment}")
        assert form.status_code == 200, segment
        version = (await registry.get("/interests/people/staff-w")).headers.get("ETag", '"0"')
        fields = {field: value, "kind": "other", "note": "本人の申告", "person_sub": "staff-v", "version": version}
        posted = await browser.post(f"/registry/interests/{segment}", fields)
        assert posted.status_code == status, (segment, posted.status_code)
        # Reading a person's declarations is open to anyone signed in (they are public, as the API's); recording
        # for them is not.
        refused = await browser.post(f"/registry/interests/people/staff-v/{segment}", fields)
        assert refused.status_code == 403, segment
    after = (await ok(registry.get("/interests/people/staff-v"))).json()
    assert after == before, "nothing was recorded for staff-v"
    mine = (await ok(registry.get("/interests/people/staff-w"))).json()
    assert [d["note"] for d in mine["declarations"]] == ["本人の申告"], "the group's declaration is staff-w's own"
