"""A person speaks or reads for a department only signed in with the staff role, and for a group only with the group
role (issue 22): the registry's record (liaison, staff, representative or contact) says who the person is, the
token's roles what they act as now. Each check that decided by the record alone is asked here with the right person
holding the wrong role (refused exactly as someone with no tie is, so nothing new leaks) beside the same person with
the right role (let in): screening's self-check (read, API and page) and info-hub's cases (raising for a group or a
department, reading, listing, the page) and the registry's group record (full to its people, public otherwise).

Scenes: support.screening (KODOMO, liaison a-liaison; KANKYO, for a team of two departments; project A-1
self-checked in an open round) and support.info_hub_cases.world (department A with liaison-a and staff-a; group G
with rep-g and contact-g; G raised a case routed to A).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
import pytest_asyncio

from support.authz import refusal
from support.calls import ok
from support.harness import eventually
from support.info_hub_cases import HUB, World, act, case_body, raised, world
from support.lifecycle import GroupClient
from support.screening import (
    answers,
    open_round_with_a_project,
)
from support.workspace import Site, workspace

SELF_CHECK = "内部検討中：委託先の選定に課題あり"
PROBLEM = "駅前の空き店舗を子育てサロンにしたいが、家主との交渉の仕方が分からない"


@dataclass
class Screening:
    site: Site
    round_id: str
    project: str


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def screening(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Screening]:
    async with workspace(["registry", "screening"], tmp_path_factory.mktemp("roles-screening"), nats_url) as site:
        p = site.platform
        api = site.api("screening")
        opened = await open_round_with_a_project(p, api)
        round_id, project = opened.round_id, {"id": opened.project_id}
        base = f"/rounds/{round_id}/projects/{project['id']}/self-check"
        # The liaison holding the group role only answers nothing for the department (the API's gate asks `staff`).
        refused = await api.put(base, json=answers(reason=SELF_CHECK), headers=p.token("a-liaison", "group"))
        assert refusal(refused) == (403, "forbidden_role"), refused.text
        await ok(api.put(base, json=answers(reason=SELF_CHECK), headers=p.token("a-liaison", "staff")))
        yield Screening(site, round_id, project["id"])


async def test_a_liaison_reads_the_departments_self_check_only_signed_in_with_the_staff_role(
    screening: Screening,
) -> None:
    api = screening.site.api("screening")
    path = f"/rounds/{screening.round_id}/projects/{screening.project}"
    for roles in (("public",), ("group",), ("evaluator", "reviewer")):
        view = await ok(api.get(path, headers=screening.site.platform.token("a-liaison", *roles)))
        assert view.json()["self_check"] is None, roles
        assert SELF_CHECK not in view.text, roles
    shown = await ok(api.get(path, headers=screening.site.platform.token("a-liaison", "staff")))
    assert shown.json()["self_check"] is not None
    assert SELF_CHECK in shown.text


async def test_the_screening_page_shows_the_self_check_to_the_liaison_only_with_the_staff_role(
    screening: Screening,
) -> None:
    page = f"/screening/rounds/{screening.round_id}/projects/{screening.project}"
    # The page lets the center, staff and the team in: the liaison signed in with the team role only reads the
    # round as a team member would, without the department's self-check; with the public or group role not at all.
    seen = await screening.site.browser("a-liaison", "team").get(page)
    assert seen.status_code == 200, seen.status_code
    assert SELF_CHECK not in seen.text
    for roles in (("public",), ("group",)):
        seen = await screening.site.browser("a-liaison", *roles).get(page)
        assert seen.status_code == 403, (roles, seen.status_code)
        assert SELF_CHECK not in seen.text, roles
    shown = await screening.site.browser("a-liaison", "staff").get(page)
    assert shown.status_code == 200, shown.status_code
    assert SELF_CHECK in shown.text


@dataclass
class Hub:
    site: Site
    world: World
    case_id: str

    def ask(self, method: str, path: str, sub: str, *roles: str, **kwargs: Any) -> Any:
        headers = {**self.site.platform.token(sub, *roles), **kwargs.pop("headers", {})}
        return self.site.api(HUB).request(method, path, headers=headers, **kwargs)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def hub(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Hub]:
    async with workspace(["registry", HUB], tmp_path_factory.mktemp("roles-hub"), nats_url) as site:
        p = site.platform
        w = await world(p)
        case = await raised(p, w, problem_ja=PROBLEM)
        await act(p, case["id"], "/routings", {"department_ids": [w.a.id]})
        yield Hub(site, w, case["id"])


# The right person with the wrong role: the group's people signed in as staff, the department's liaison and staff
# signed in as a citizen or a group.
WRONG_ROLE = [
    ("rep-g", ("staff",)),
    ("contact-g", ("public",)),
    ("liaison-a", ("public",)),
    ("liaison-a", ("group",)),
    ("staff-a", ("public",)),
]
RIGHT_ROLE = [("rep-g", ("group",)), ("contact-g", ("group",)), ("liaison-a", ("staff",)), ("staff-a", ("staff",))]


async def test_a_case_is_read_by_its_parties_only_while_they_hold_the_partys_role(hub: Hub) -> None:
    case = f"/cases/{hub.case_id}"
    for tail in ("", "/history"):
        for sub, roles in WRONG_ROLE:
            answer = await hub.ask("GET", case + tail, sub, *roles)
            assert refusal(answer) == (404, "case_not_found"), (tail, sub, roles, answer.text)
            assert PROBLEM not in answer.text
        for sub, roles in RIGHT_ROLE:
            await ok(hub.ask("GET", case + tail, sub, *roles))


async def test_the_case_list_and_pages_show_a_case_to_its_parties_only_while_they_hold_the_partys_role(
    hub: Hub,
) -> None:
    async def listed(sub: str, *roles: str) -> bool:
        answer = await ok(hub.ask("GET", "/cases", sub, *roles))
        return hub.case_id in answer.text

    for sub, roles in RIGHT_ROLE:
        assert await eventually(partial(listed, sub, *roles), timeout=20), (sub, roles)
        shown = await hub.site.browser(sub, *roles).get(f"/me/cases/{hub.case_id}")
        assert shown.status_code == 200, (sub, roles, shown.status_code)
        assert PROBLEM in shown.text
    for sub, roles in WRONG_ROLE:
        assert not await listed(sub, *roles), (sub, roles)
        browser = hub.site.browser(sub, *roles)
        assert (await browser.get(f"/me/cases/{hub.case_id}")).status_code == 404, (sub, roles)
        mine = await browser.get("/me/cases")
        assert mine.status_code == 200, (sub, roles)
        assert PROBLEM not in mine.text, (sub, roles)
        assert hub.case_id not in mine.text, (sub, roles)
        assert 'href="/me/cases/new"' not in mine.text, (sub, roles)  # nothing to raise a case for
    for sub, roles in RIGHT_ROLE:
        if sub != "staff-a":  # staff who are not the liaison raise nothing for the department
            mine = await hub.site.browser(sub, *roles).get("/me/cases")
            assert 'href="/me/cases/new"' in mine.text, (sub, roles)


async def test_a_case_is_raised_for_a_group_only_with_the_group_role_and_for_a_department_only_with_the_staff_role(
    hub: Hub,
) -> None:
    w = hub.world
    for_group = case_body(group_id=w.g)
    for_department = case_body("department", department_id=w.a.id)
    refused = await hub.ask("POST", "/cases", "rep-g", "staff", json=for_group)
    assert refusal(refused) == (403, "case_not_for_this_group"), refused.text
    refused = await hub.ask("POST", "/cases", "liaison-a", "group", json=for_department)
    assert refusal(refused) == (403, "case_not_the_liaison"), refused.text
    # The same refusal as for someone with no tie at all: the role reveals nothing the relationship would not.
    assert refusal(await hub.ask("POST", "/cases", "rep-k", "group", json=for_group)) == (
        403,
        "case_not_for_this_group",
    )
    assert refusal(await hub.ask("POST", "/cases", "liaison-b", "staff", json=for_department)) == (
        403,
        "case_not_the_liaison",
    )
    await ok(hub.ask("POST", "/cases", "rep-g", "group", json=for_group), 201)
    await ok(hub.ask("POST", "/cases", "liaison-a", "staff", json=for_department), 201)


async def test_a_routed_case_is_acknowledged_by_the_liaison_only_with_the_staff_role(hub: Hub) -> None:
    path = f"/cases/{hub.case_id}/routings/{hub.world.a.id}/acknowledgement"
    refused = await hub.ask("POST", path, "liaison-a", "group")
    assert refusal(refused) == (403, "forbidden_role"), refused.text
    await ok(hub.ask("POST", path, "liaison-a", "staff"))


async def test_a_groups_people_read_its_full_record_only_signed_in_with_the_group_role(hub: Hub) -> None:
    registry = hub.site.api("registry")
    p = hub.site.platform
    record = f"/groups/{hub.world.g}"
    for sub, roles in (("rep-g", ("public",)), ("contact-g", ("staff",)), ("rep-g", ("staff", "evaluator"))):
        seen = await ok(registry.get(record, headers=p.token(sub, *roles)))
        assert "representative_sub" not in seen.json(), (sub, roles)  # the public profile, as anyone reads it
        assert "contact@example.jp" not in seen.text, (sub, roles)
    for sub in ("rep-g", "contact-g"):
        full = await ok(registry.get(record, headers=p.token(sub, "group")))
        assert full.json()["representative_sub"] == "rep-g", sub
        assert "contact@example.jp" in full.text, sub
    # An application is not public: to its own representative without the group role it does not exist, as to
    # anyone else.
    applying = GroupClient(p, representative="rep-new")
    await applying.apply(name="あたらしい会", fields_of_activity=["子育て"], area="本町")
    for sub, roles in (("rep-new", ("public",)), ("rep-new", ("staff",)), ("rep-k", ("group",))):
        for tail in ("", "/bylaws"):
            refused = await registry.get(f"/groups/{applying.group_id}{tail}", headers=p.token(sub, *roles))
            assert refusal(refused) == (404, "group_not_found"), (sub, roles, tail, refused.text)
    for tail in ("", "/bylaws"):
        await ok(registry.get(f"/groups/{applying.group_id}{tail}", headers=p.token("rep-new", "group")))


async def test_a_representative_dissolves_the_group_only_signed_in_with_the_group_role(hub: Hub) -> None:
    # coord-rep represents a group and is also a coordinator: as a coordinator only, they are one with an interest
    # in the group (refused as any such coordinator is); with the group role, its representative.
    p = hub.site.platform
    own = GroupClient(p, representative="coord-rep")
    await own.apply(name="兼務の会", fields_of_activity=["子育て"], area="本町")
    path = f"/groups/{own.group_id}/dissolution"
    reason = {"reason": "総会で解散を決議"}
    refused = await own.registry.post(
        path, json=reason, headers={**p.token("coord-rep", "coordinator"), "If-Match": own.etag}
    )
    assert refusal(refused) == (403, "conflict_of_interest"), refused.text
    refused = await own.registry.post(path, json=reason, headers={**p.token("rep-k", "group"), "If-Match": own.etag})
    assert refusal(refused) == (403, "not_representative"), refused.text
    done = await ok(
        own.registry.post(path, json=reason, headers={**p.token("coord-rep", "group"), "If-Match": own.etag})
    )
    assert done.json()["status"] == "dissolved"
