"""info-hub's workspace pages (real stores, real NATS, the registry beside info-hub, logged-in browsers): `/me` lists
what waits for a group's representative, a coordinator and a department's liaison, linking to the owning services'
pages; a group answers a survey through `/me/surveys/{sid}` (a draft, then a submission with the answer's version
as If-Match), wrong answers shown beside their questions in Japanese and English with nothing stored, another
group's session and a post without the CSRF token refused with nothing stored."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from kyodo_contracts import evaluation as ev
from kyodo_contracts import proposals as pr
from kyodo_contracts import screening as sc
from kyodo_info_hub.bus.applications import applications_of

from support.harness import eventually
from support.info_hub_cases import HUB, World, act, raised, world
from support.info_hub_feed import feed
from support.info_hub_open_data import call
from support.info_hub_surveys import TOKYO, announced, drafted, questionnaire
from support.info_hub_trainings import announced as training_announced
from support.info_hub_trainings import plan
from support.lifecycle import GroupClient
from support.page_reading import doc, error_beside, links, text, well_formed
from support.workspace import Site, workspace


@pytest_asyncio.fixture
async def site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[Site]:
    async with workspace(["registry", HUB], tmp_path, nats_url, bus_namespace) as running:
        yield running


async def open_survey(site: Site) -> str:
    """A survey opened a day ago (its timer runs at once), every registered group a target."""
    p = site.platform
    survey = await drafted(p, questionnaire(datetime.now(TOKYO) - timedelta(days=2)))
    await announced(p, survey)
    p.apps[HUB].state.kernel.nudge()

    async def opened() -> bool:
        # Open, and so listed (the surveys' query table, which `/me` reads, follows the store).
        listed = await p.clients[HUB].get("/surveys", params={"status": "open"})
        return any(s["id"] == survey["id"] for s in listed.json()["items"])

    await eventually(opened, timeout=30)
    return str(survey["id"])


async def answer_of(site: Site, survey_id: str, group_id: str) -> Any:
    p = site.platform
    found = await p.clients[HUB].get(
        f"/surveys/{survey_id}/answers/{group_id}", headers=p.token("coord-1", "coordinator")
    )
    return found.json() if found.status_code == 200 else found.status_code


async def test_me_lists_what_waits_for_a_group_a_coordinator_and_a_department_with_links_to_their_pages(
    site: Site,
) -> None:
    p = site.platform
    w: World = await world(p)
    survey_id = await open_survey(site)
    training = await training_announced(p, plan(audience=("groups", "staff")))
    registered = await p.clients[HUB].post(
        f"/trainings/{training['id']}/registrations", json={"group_id": w.g}, headers=p.token("rep-g", "group")
    )
    assert registered.status_code == 201, registered.text
    routed = await raised(p, w)
    await act(p, routed["id"], "/routings", {"department_ids": [w.b.id]})
    new = await raised(p, w, sub="rep-h", group_id=w.h)
    # Other services' facts as info-hub's consumers apply them: an open call, a closed one awaiting its review, a
    # screening round of department B, a collaboration project of group G.
    deadline = datetime.now(TOKYO) + timedelta(days=10)
    open_call, closed_call = call("子育てひろば協働事業", deadline=deadline), call("見守り協働事業", deadline=deadline)
    feed(p, "proposals", open_call, closed_call, pr.CallClosed(call_id=closed_call.call_id, closed_at=deadline))
    round_id, project_id = uuid.uuid4(), uuid.uuid4()
    opened = sc.RoundOpened(
        round_id=round_id,
        fiscal_year=2026,
        title_ja="2026年度 事業の選別",
        checklist=[sc.ChecklistItem(key="public_benefit", name_ja="公益性")],
        department_ids=[uuid.UUID(w.b.id)],
        self_check_deadline=deadline,
        opened_on=date.today(),
        team_subs=["team-1"],
    )
    feed(p, "screening", opened)
    created = ev.ProjectCreated(
        project_id=project_id,
        source=ev.Source.ADOPTION,
        group_id=uuid.UUID(w.g),
        department_id=uuid.UUID(w.b.id),
        title_ja="放課後の居場所協働事業",
        call_id=open_call.call_id,
        proposal_id=uuid.uuid4(),
        criteria=[ev.Criterion(key="achievement", name_ja="目標の達成度")],
    )
    ended_id = uuid.uuid4()
    ended = ev.ProjectCreated(
        project_id=ended_id,
        source=ev.Source.ADOPTION,
        group_id=uuid.UUID(w.h),
        department_id=uuid.UUID(w.a.id),
        title_ja="終了した協働事業",
        call_id=open_call.call_id,
        proposal_id=uuid.uuid4(),
        criteria=[ev.Criterion(key="achievement", name_ja="目標の達成度")],
    )
    over = ev.ProjectEnded(
        project_id=ended_id, ended_on=date.today(), self_evaluation_deadline=datetime.now(UTC) + timedelta(days=30)
    )
    feed(p, "evaluation", created, ended, over)
    # Two applications before registration: one waits for assessment, one for the group's information.
    waiting = GroupClient(p, representative="rep-new")
    await waiting.apply(name="ぶんじ子ども食堂")
    asked = GroupClient(p, representative="rep-asked")
    await asked.apply(name="恋ヶ窪ひろば")
    question = {"criteria": ["self_governing"], "question": "役員の選び方を教えてください"}
    assert (await asked.post("/information-requests", question, "coord-1", "coordinator")).status_code == 200

    async def listed() -> bool:
        # The query tables `/me` lists from follow the store: the training announced, both cases, one routed.
        trainings = (await p.clients[HUB].get("/trainings")).json()["items"]
        found = await p.clients[HUB].get("/cases", headers=p.token("coord-1", "coordinator"))
        departments = {c["case_id"]: c["departments"] for c in found.json()["items"]}
        applications = {a.group_id: a.stage for a in applications_of(p.apps[HUB].state.kernel.db, [asked.group_id])}
        return (
            any(t["id"] == training["id"] for t in trainings)
            and departments == {routed["id"]: [w.b.id], new["id"]: []}
            and applications == {asked.group_id: "information_requested"}
        )

    await eventually(listed, timeout=30)

    group = site.browser("rep-g", "group")
    page = await group.page("/me")
    well_formed(page)
    found = links(page)
    assert f"/registry/groups/{w.g}" in found
    assert f"/me/surveys/{survey_id}?group={w.g}" in found
    assert f"/me/trainings/{training['id']}" in found
    assert f"/me/cases/{routed['id']}" in found
    assert f"/me/cases/{new['id']}" not in found  # another group's case
    assert f"/proposals/calls/{open_call.call_id}/proposal" in found
    assert f"/proposals/calls/{closed_call.call_id}/proposal" not in found  # closed: no more proposals
    assert f"/evaluation/projects/{project_id}" in found
    assert "みどりの会" in text(page)
    assert "登録中" in text(page)
    applicant = await site.browser("rep-asked", "group").page("/me")
    assert f"/registry/groups/{asked.group_id}/information" in links(applicant)
    assert "自己統治" in text(applicant)
    english = await group.page("/me", lang="en")
    assert text(english.xpath("//h1")[0]) == "My page"
    assert "Surveys to answer" in text(english)
    assert "Not started" in text(english)

    center = site.browser("coord-1", "coordinator")
    page = await center.page("/me")
    well_formed(page)
    found = links(page)
    assert "/registry/assessments" in found
    assert "/proposals/calls" in found
    assert f"/me/cases/{new['id']}" in found  # raised, not routed yet
    assert f"/registry/assessments/{waiting.group_id}" in found  # waits for assessment
    assert f"/proposals/calls/{open_call.call_id}/manage" in found
    assert f"/proposals/calls/{closed_call.call_id}/manage" in found
    assert f"/screening/rounds/{round_id}" in found
    assert f"/evaluation/projects/{ended_id}" in found  # at the evaluation stage
    assert f"/evaluation/projects/{project_id}" not in found  # not yet
    assert f"/registry/assessments/{asked.group_id}" not in found  # waits for the group's information
    assert f"/me/cases/{routed['id']}" not in found
    assert "The center's work" in text(await center.page("/me", lang="en"))

    liaison = site.browser("liaison-b", "staff")
    page = await liaison.page("/me")
    well_formed(page)
    found = links(page)
    assert "/screening/inventory" in found
    assert f"/screening/rounds/{round_id}" in found  # its department is in the round's scope
    assert f"/evaluation/projects/{project_id}" in found  # its department partners the project
    assert f"/me/cases/{routed['id']}" in found
    assert f"/me/cases/{new['id']}" not in found
    assert "子ども家庭課" in text(page)
    assert "you are its liaison" in text(await liaison.page("/me", lang="en"))

    # Nobody logged in: the login page, and back here after it.
    answer = await site.visitor().get("/me")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/login?next=/me"


async def test_a_group_answers_a_survey_a_draft_then_a_submission_with_wrong_answers_beside_their_questions(
    site: Site,
) -> None:
    w = await world(site.platform)
    survey_id = await open_survey(site)
    path = f"/me/surveys/{survey_id}"
    group = site.browser("rep-g", "group")
    listed = await group.page("/me/surveys")
    assert f"{path}?group={w.g}" in links(listed)
    page = await group.page(path, group=w.g)
    well_formed(page)
    # Home › My page › Surveys to answer › the survey.
    assert page.xpath("//nav[@class='breadcrumbs']//a/@href") == ["/", "/me", "/me/surveys"]
    assert listed.xpath("//nav[@class='breadcrumbs']//a/@href") == ["/", "/me"]
    assert page.xpath("//input[@name='answers.members']")
    assert page.xpath("//input[@name='answers.field']")
    assert not page.xpath("//input[@name='version']")  # nothing saved yet: the first save needs no If-Match

    # A number that is none: the question's reason beside it, in Japanese then English; nothing stored.
    wrong = {"respondent": w.g, "answers.members": "たくさん", "answers.field": "kids", "action": "draft"}
    for lang, reason in (("ja", "数値"), ("en", "number")):
        answer = await group.post(f"{path}?lang={lang}", wrong)
        assert answer.status_code == 422, answer.text[:2000]
        shown = doc(answer.text)
        assert reason in error_beside(shown, "answers.members")
        assert shown.xpath("//div[@class='error-summary']//a[@href='#field-answers-members']")
    assert await answer_of(site, survey_id, w.g) == 404

    # A draft: required questions may wait.
    draft = {"respondent": w.g, "answers.members": "12", "action": "draft"}
    saved = await group.post(path, draft)
    assert saved.status_code == 303, saved.text[:2000]
    assert saved.headers["location"] == f"{path}?group={w.g}&done=answer_saved"
    stored = await answer_of(site, survey_id, w.g)
    assert stored["status"] == "draft"
    assert stored["values"] == {"members": "12"}

    # Another group's representative cannot answer for this group; nor can a post without the CSRF token.
    other = site.browser("rep-h", "group")
    forced = await other.post(path, {**draft, "answers.members": "99"})
    assert forced.status_code == 403
    refused = await group.post(path, {**draft, "answers.members": "99"}, csrf=False)
    assert refused.status_code == 403
    assert (await answer_of(site, survey_id, w.g))["values"] == {"members": "12"}

    # The page shows the draft and its version; submitting without answering a required question is refused.
    page = await group.page(path, group=w.g)
    version = str(page.xpath("//input[@name='version']/@value")[0])
    assert page.xpath("//input[@name='answers.members']/@value") == ["12"]
    incomplete = await group.post(path, {**draft, "version": version, "action": "submit"})
    assert incomplete.status_code == 422
    assert doc(incomplete.text).xpath("//p[@id='field-answers-field-error']")
    # A save without the version the page showed (If-Match) is refused on the form, as the API answers 428.
    blind = await group.post(path, {**draft, "answers.field": "kids", "action": "submit"})
    assert blind.status_code == 428
    submission = {**draft, "version": version, "answers.field": "kids", "answers.needs": ["place", "money"]}
    submitted = await group.post(path, {**submission, "action": "submit"})
    assert submitted.status_code == 303, submitted.text[:2000]
    stored = await answer_of(site, survey_id, w.g)
    assert stored["status"] == "submitted"
    assert stored["submitted_values"] == {"members": "12", "field": "kids", "needs": ["place", "money"]}
    done = await group.page(path, group=w.g, done="answer_submitted", lang="ja")
    assert "回答を提出しました" in text(done)
    assert "Submitted" in text(await group.page(path, group=w.g, lang="en"))
