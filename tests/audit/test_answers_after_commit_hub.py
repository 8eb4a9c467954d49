"""info-hub's commands answer with nothing from the store after their saves (issue 22; `support.after_commit` makes
the store go away at that moment): a case's answer decrypts the citizen's contact, an opinion's reads the caller's
groups, a cancelled registration's decrypts the citizen, a survey invitation stored its link's token after the save,
and rescheduling news cancels the old timer after it — each answered 503 for a command that was written before."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.after_commit import Watched, summary, watching
from support.calls import coordinator
from support.harness import Backend, Platform, platform
from support.info_hub_cases import case_body
from support.info_hub_news import groups_in_directory, hub_now, news_body, topic_at
from support.info_hub_surveys import drafted as survey_drafted
from support.info_hub_surveys import questionnaire
from support.info_hub_trainings import CENTER, announced, hub_settings, plan
from support.streams import SourceStream

CONTACT = {"name": "国分寺 一郎", "email": "ichiro@example.jp", "phone": "042-300-9999"}


def clean(watched: Watched, response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The command's answer, once nothing of it reached the store after its save."""
    assert not watched.reaching_after_save(), summary(watched.reaching_after_save())
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_info_hub_commands_answer_with_nothing_read_or_written_after_their_saves(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = SourceStream(nats_url, bus_namespace, "registry")
    await registry.create()
    settings = hub_settings(Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer, per_window=100)
    async with platform({"info-hub": settings}, issuer) as p:
        groups = await groups_in_directory(p, registry, {"みどりの会": "rep-1"})
        with watching(monkeypatch) as watched:
            await a_case(p, watched)
            await an_opinion(p, watched, groups["みどりの会"])
            await a_cancelled_registration(p, watched)
            await a_survey_invitation(p, watched)
            await rescheduled_news(p, watched)
        assert len(watched.saved()) >= 15


async def a_case(p: Platform, watched: Watched) -> None:
    hub = p.clients["info-hub"]
    body = case_body("citizen", contact=CONTACT, fields_of_activity=["防災"], area="西町")
    case = clean(watched, await hub.post("/cases", json=body, headers=coordinator(p)), 201)
    headers = {**coordinator(p), "If-Match": f'"{case["version"]}"'}
    suggested = clean(watched, await hub.post(f"/cases/{case['id']}/suggestions", headers=headers))
    assert suggested["contact"] == CONTACT


async def an_opinion(p: Platform, watched: Watched, group_id: str) -> None:
    topic = await topic_at(p, "published")
    put = await p.clients["info-hub"].put(
        f"/exchange/topics/{topic['id']}/opinions/{group_id}",
        json={"opinion_ja": "集会所の利用時間を延ばしてほしい"},
        headers=p.token("rep-1", "group"),
    )
    shown = clean(watched, put)
    assert [o["opinion_ja"] for o in shown["opinions"]] == ["集会所の利用時間を延ばしてほしい"]


async def a_cancelled_registration(p: Platform, watched: Watched) -> None:
    hub = p.clients["info-hub"]
    tid = (await announced(p, plan(capacity=2, audience=("staff", "citizens"))))["id"]
    citizen = {"name": "架空 太郎", "email": "taro@example.jp"}
    seated = clean(watched, await hub.post(f"/trainings/{tid}/citizen-registrations", json=citizen), 201)
    reason = {"reason_ja": "本人からの申出により取消"}
    path = f"/trainings/{tid}/registrations/{seated['registration_id']}/cancellation"
    cancelled = clean(watched, await hub.post(path, json=reason, headers=p.token(*CENTER)))
    assert (cancelled["name"], cancelled["seat"]) == ("架空 太郎", "cancelled")


async def a_survey_invitation(p: Platform, watched: Watched) -> None:
    hub = p.clients["info-hub"]
    survey = await survey_drafted(p, questionnaire(hub_now(p)))
    path = f"/surveys/{survey['id']}/invitations"
    invited = clean(watched, await hub.post(path, json={"name_ja": "未登録の会"}, headers=p.token(*CENTER)), 201)
    assert invited["token"]
    again = clean(watched, await hub.post(f"{path}/{invited['invitation_id']}/reissue", headers=p.token(*CENTER)))
    assert again["token"] != invited["token"]


async def rescheduled_news(p: Platform, watched: Watched) -> None:
    """Moving or taking back a publication time cancels the old time's timer after the save: only tidying (the
    timer names its time and would find nothing to do), so a store gone by then must not fail the command."""
    hub = p.clients["info-hub"]
    item = clean(watched, await hub.post("/news", json=news_body(), headers=coordinator(p)), 201)
    for days in (3, 4):
        at = (hub_now(p) + timedelta(days=days)).isoformat()
        headers = {**coordinator(p), "If-Match": f'"{item["version"]}"'}
        item = clean(watched, await hub.put(f"/news/{item['id']}/schedule", json={"publish_at": at}, headers=headers))
    headers = {**coordinator(p), "If-Match": f'"{item["version"]}"'}
    item = clean(watched, await hub.delete(f"/news/{item['id']}/schedule", headers=headers))
    assert item["status"] == "draft"
    assert sum(1 for w in watched.commands if w.tolerated) == 2
