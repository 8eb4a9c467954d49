"""The authorization matrix's relationship rows of info-hub (issue 22): a coordination case, personal to whoever
raised it, and a training registration, personal to its registrant.

The scene (info-hub and the registry in-process behind the gateway, real stores and NATS; support.info_hub_cases.world):
departments A (liaison-a, staff-a) and B (liaison-b, staff-b); groups G (rep-g, contact-g), H (rep-h) and K (rep-k).
G raised a case, routed to A. A training is open to groups, staff and citizens: rep-g registered for G, a citizen
with the secret link's token. Each refusal is the exact status and problem `code` (a page: its status), beside the
same request by the one the relationship lets in; what is personal appears in no refusal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
import pytest_asyncio

from support.authz import load_table, refusal
from support.calls import ok
from support.harness import eventually
from support.info_hub_cases import HUB, act, raised, world
from support.info_hub_news import topic_at
from support.info_hub_surveys import announced as survey_announced
from support.info_hub_surveys import answer, drafted, invited, put_answer, questionnaire, survey_status
from support.info_hub_trainings import TOKYO, announced, plan
from support.workspace import Site, workspace

PROBLEM = "駅前の空き店舗を子育てサロンにしたいが、家主との交渉の仕方が分からない"
CITIZEN = {"name": "国分寺 花子", "email": "hanako.k@example.jp"}
CHECKED = [
    "info-hub GET /cases",
    "info-hub GET /cases/{case_id}",
    "info-hub GET /cases/{case_id}/history",
    "page GET /me/cases",
    "page GET /me/cases/{case_id}",
    "info-hub POST /trainings/{training_id}/registrations",
    "info-hub GET /trainings/{training_id}/registrations/{registration_id}",
    "info-hub DELETE /trainings/{training_id}/registrations/{registration_id}",
    "info-hub GET /surveys/{survey_id}/answers/{respondent}",
    "info-hub PUT /surveys/{survey_id}/answers/{respondent}",
    "info-hub PUT /exchange/topics/{topic_id}/opinions/{group_id}",
]
PARTIES = [
    ("rep-g", "group"),
    ("contact-g", "group"),
    ("liaison-a", "staff"),
    ("staff-a", "staff"),
    ("coord-1", "coordinator"),
    ("aud-1", "auditor"),
]
# No party to the case: another group, another department, a citizen, an evaluator; and a token holding several
# roles, none of which ties it to the case.
OUTSIDERS = [
    ("rep-k", ("group",)),
    ("liaison-b", ("staff",)),
    ("staff-b", ("staff",)),
    ("citizen-1", ("public",)),
    ("ev-1", ("evaluator",)),
    ("rep-k", ("group", "staff", "reviewer", "team")),
]


@dataclass
class Hub:
    site: Site
    case_id: str
    training_id: str
    group_registration: str  # rep-g's, for G
    citizen_registration: str
    citizen_token: str
    group_id: str  # G

    def ask(self, method: str, path: str, sub: str | None, *roles: str, **headers: str) -> Any:
        sent = {**(self.site.platform.token(sub, *roles) if sub else {}), **headers}
        return self.site.api(HUB).request(method, path, headers=sent)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def hub(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Hub]:
    async with workspace(["registry", HUB], tmp_path_factory.mktemp("authz-hub"), nats_url) as site:
        p = site.platform
        w = await world(p)
        case = await raised(p, w, problem_ja=PROBLEM)
        await act(p, case["id"], "/routings", {"department_ids": [w.a.id]})
        training = await announced(p, plan())
        client = site.api(HUB)
        path = f"/trainings/{training['id']}"
        mine = await ok(
            client.post(f"{path}/registrations", json={"group_id": w.g}, headers=p.token("rep-g", "group")), 201
        )
        citizen = await ok(client.post(f"{path}/citizen-registrations", json=CITIZEN), 201)
        token = citizen.json()["link"].split("#token=")[1]
        yield Hub(
            site,
            case["id"],
            training["id"],
            mine.json()["registration_id"],
            citizen.json()["registration_id"],
            token,
            w.g,
        )


def test_every_relationship_named_here_is_a_row_of_the_table() -> None:
    table = load_table()
    for key in CHECKED:
        assert table[key].get("relationship"), key


async def test_a_case_is_read_by_its_parties_only_and_is_absent_to_anyone_else(hub: Hub) -> None:
    case = f"/cases/{hub.case_id}"
    for tail in ("", "/history"):
        for sub, roles in OUTSIDERS:
            answer = await hub.ask("GET", case + tail, sub, *roles)
            assert refusal(answer) == (404, "case_not_found"), (tail, sub, roles, answer.text)
            assert PROBLEM not in answer.text
        for sub, role in PARTIES:
            await ok(hub.ask("GET", case + tail, sub, role))
    read = await ok(hub.ask("GET", case, "liaison-a", "staff"))
    assert read.json()["problem_ja"] == PROBLEM


async def test_the_case_lists_show_a_case_to_its_parties_only(hub: Hub) -> None:
    async def listed(sub: str, *roles: str) -> bool:
        answer = await ok(hub.ask("GET", "/cases", sub, *roles))
        return hub.case_id in answer.text

    for sub, role in PARTIES:
        assert await eventually(partial(listed, sub, role), timeout=20), sub
    for sub, roles in OUTSIDERS:
        assert not await listed(sub, *roles), (sub, roles)
        answer = await hub.ask("GET", "/cases", sub, *roles)
        assert PROBLEM not in answer.text


async def test_the_case_pages_show_a_case_to_its_parties_only(hub: Hub) -> None:
    page = f"/me/cases/{hub.case_id}"
    for sub, roles in OUTSIDERS:
        browser = hub.site.browser(sub, *roles)
        assert (await browser.get(page)).status_code == 404, (sub, roles)
        mine = await browser.get("/me/cases")
        assert mine.status_code == 200, (sub, roles)
        assert PROBLEM not in mine.text
        assert hub.case_id not in mine.text
    for sub, role in PARTIES:
        shown = await hub.site.browser(sub, role).get(page)
        assert shown.status_code == 200, sub
        assert PROBLEM in shown.text


async def test_a_registration_is_read_and_cancelled_by_its_registrant_or_its_link_only(hub: Hub) -> None:
    path = f"/trainings/{hub.training_id}/registrations"
    group, citizen = f"{path}/{hub.group_registration}", f"{path}/{hub.citizen_registration}"
    token = {"X-Registration-Token": hub.citizen_token}
    # Another group's person, G's own contact (not the registrant), an auditor, nobody, and the citizen's token on
    # a registration not its own: as if there were none.
    for sub, roles, headers in (
        ("rep-k", ("group",), {}),
        ("contact-g", ("group",), {}),
        ("aud-1", ("auditor",), {}),
        (None, (), {}),
        (None, (), token),
    ):
        for method in ("GET", "DELETE"):
            answer = await hub.ask(method, group, sub, *roles, **headers)
            assert refusal(answer) == (404, "registration_not_found"), (method, sub, roles, answer.text)
    for sub, roles in (("rep-g", ("group",)), ("coord-1", ("coordinator",)), ("rep-k", ("group",))):
        answer = await hub.ask("GET", citizen, sub, *roles)
        expected = (200, None) if sub == "coord-1" else (404, "registration_not_found")
        assert refusal(answer) == expected, (sub, answer.text)
        assert (CITIZEN["name"] in answer.text) == (sub == "coord-1"), sub
    assert (await ok(hub.ask("GET", citizen, None, **token))).json()["name"] == CITIZEN["name"]
    await ok(hub.ask("GET", group, "rep-g", "group"))
    await ok(hub.ask("GET", group, "coord-1", "coordinator"))
    cancelled = await ok(hub.ask("DELETE", group, "rep-g", "group"))
    assert cancelled.json()["seat"] == "cancelled"


async def test_a_groups_person_registers_only_for_their_own_group(hub: Hub) -> None:
    path = f"/trainings/{hub.training_id}/registrations"
    body = {"group_id": hub.group_id}
    for sub in ("rep-k", "rep-h"):
        refused = await hub.site.api(HUB).post(path, json=body, headers=hub.site.platform.token(sub, "group"))
        assert refusal(refused) == (403, "not_for_group"), (sub, refused.text)
    await ok(hub.site.api(HUB).post(path, json=body, headers=hub.site.platform.token("contact-g", "group")), 201)


async def test_a_groups_survey_answer_is_read_and_changed_by_its_own_people_its_token_or_the_center_only(
    hub: Hub,
) -> None:
    p = hub.site.platform
    body = questionnaire(datetime.now(TOKYO) - timedelta(days=2), targets={"fields": [], "areas": ["本町"]})
    draft = await drafted(p, body)
    token = (await invited(p, draft["id"], "招待の会"))["token"]
    survey = await survey_announced(
        p, (await ok(hub.ask("GET", f"/surveys/{draft['id']}", "coord-1", "coordinator"))).json()
    )
    sid = survey["id"]
    p.apps[HUB].state.kernel.nudge()

    async def is_open() -> bool:
        return await survey_status(p, sid) == "open"

    await eventually(is_open, timeout=30)
    await ok(put_answer(p, sid, hub.group_id, answer(12, "kids"), who=("rep-g", "group")))
    path = f"/surveys/{sid}/answers/{hub.group_id}"
    # H is a target of the survey too, K is not; staff and an evaluator are nobody's people; the invitation's token
    # is another respondent's.
    for sub, role, expected in (
        ("rep-h", "group", (403, "survey_not_for_group")),
        ("rep-k", "group", (403, "survey_not_for_group")),
        ("staff-a", "staff", (403, "survey_not_for_group")),
        ("ev-1", "evaluator", (403, "survey_not_for_group")),
    ):
        read = await hub.ask("GET", path, sub, role)
        assert refusal(read) == expected, (sub, read.text)
        changed = await put_answer(p, sid, hub.group_id, answer(99, "town"), who=(sub, role))
        assert refusal(changed) == expected, (sub, changed.text)
    by_token = await hub.ask("GET", path, None, **{"X-Survey-Token": token})
    assert refusal(by_token) == (403, "survey_token_invalid"), by_token.text
    changed = await put_answer(p, sid, hub.group_id, answer(99, "town"), token=token)
    assert refusal(changed) == (403, "survey_token_invalid"), changed.text
    for sub, role in (("rep-g", "group"), ("contact-g", "group"), ("coord-1", "coordinator"), ("aud-1", "auditor")):
        shown = await ok(hub.ask("GET", path, sub, role))
        assert shown.json()["submitted_values"] == {"members": "12", "field": "kids"}, (sub, shown.text)


async def test_a_groups_opinion_is_given_by_its_own_people_only_and_seen_by_no_other_group_before_the_close(
    hub: Hub,
) -> None:
    topic = await topic_at(hub.site.platform, "published")
    path = f"/exchange/topics/{topic['id']}"
    opinion = f"{path}/opinions/{hub.group_id}"
    words = {"opinion_ja": "本町の公園に子育てひろばを"}
    for sub in ("rep-h", "rep-k"):
        sent = await hub.site.api(HUB).put(opinion, json=words, headers=hub.site.platform.token(sub, "group"))
        assert refusal(sent) == (403, "not_acting_for_group"), (sub, sent.text)
    await ok(hub.site.api(HUB).put(opinion, json=words, headers=hub.site.platform.token("contact-g", "group")))
    own = await ok(hub.ask("GET", path, "rep-g", "group"))
    assert words["opinion_ja"] in own.text, "the group reads its own opinion during the period"
    readers: list[tuple[str | None, tuple[str, ...]]] = [
        (None, ()),
        ("rep-h", ("group",)),
        ("staff-b", ("staff",)),
        ("citizen-1", ("public",)),
    ]
    for reader, roles in readers:
        read = await ok(hub.ask("GET", path, reader, *roles))
        assert words["opinion_ja"] not in read.text, (reader, roles)
