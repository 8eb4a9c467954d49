"""info-hub's part of `kyodo up --demo`: the civic activity center (こくぶんじ市民活動センター) at work, all through
public HTTP APIs (services never import each other) — news published and scheduled, a training with a group's and
a citizen's registration, an exchange meeting, an opinion exchange topic with a group's (sealed) opinion, and a
coordination case raised by a group, routed to a department, with matching groups suggested; then the survey of
groups (実態調査, `demo_survey.py`) opened and answered."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from kyodo_info_hub.demo_survey import seed_survey
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.service import DemoContext

# What the earlier demos made, read by name through the APIs: the registry's groups (their representatives are
# demo-representative-<n>) and screening's departments (子育て支援課 KOSODATE with its liaison).
MULTICULTURAL = "ぶんじ多文化交流サロン"
CHILDCARE = "恋ヶ窪子育てネットワーク"
GREEN = "こくぶんじ緑のボランティア"
DEPARTMENT_CODE = "KOSODATE"

Headers = dict[str, str]


async def _until(
    attempt: Callable[[], Awaitable[httpx.Response]],
    status: int = 200,
    ready: Callable[[httpx.Response], bool] = lambda _: True,
) -> httpx.Response:
    """Retry (about 30 seconds at most) while info-hub has not yet heard what the registry published (groups,
    their people, departments), or its lists do not yet show what was just written."""
    response = await attempt()
    for _ in range(150):
        if response.status_code == status and ready(response):
            return response
        await asyncio.sleep(0.2)
        response = await attempt()
    response.raise_for_status()
    raise RuntimeError(f"demo: {response.request.url} did not show what the info-hub demo needs")


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO).isoformat()


async def seed(demo: DemoContext) -> None:
    coordinator = demo.headers("demo-coordinator", "coordinator")
    async with (
        httpx.AsyncClient(base_url=demo.url("registry"), timeout=30) as registry,
        httpx.AsyncClient(base_url=demo.url("info-hub"), timeout=30) as hub,
    ):
        groups = {name: await _group(registry, hub, coordinator, name) for name in (MULTICULTURAL, CHILDCARE, GREEN)}
        await _news(hub, coordinator)
        await _trainings(demo, hub, coordinator, groups[CHILDCARE])
        await _topic(demo, hub, coordinator, groups[GREEN])
        department_id = await _department(registry)
        await _case(demo, hub, coordinator, groups[MULTICULTURAL], department_id)
        await seed_survey(demo, hub, coordinator, [groups[MULTICULTURAL], groups[CHILDCARE], groups[GREEN]])


async def _group(
    registry: httpx.AsyncClient, hub: httpx.AsyncClient, coordinator: Headers, name: str
) -> tuple[str, str]:
    """A registered demo group as info-hub's directory knows it, and its representative (from the registry)."""
    listed = await _until(
        lambda: hub.get("/groups", params={"q": name}),
        ready=lambda r: any(g["name"] == name and g["status"] == "registered" for g in r.json()["items"]),
    )
    group_id = next(str(g["id"]) for g in listed.json()["items"] if g["name"] == name)
    group = await registry.get(f"/groups/{group_id}", headers=coordinator)
    group.raise_for_status()
    return group_id, str(group.json()["representative_sub"])


async def _department(registry: httpx.AsyncClient) -> str:
    listed = await _until(
        lambda: registry.get("/departments", params={"per_page": 100}),
        ready=lambda r: any(d["code"] == DEPARTMENT_CODE for d in r.json()["items"]),
    )
    return next(str(d["id"]) for d in listed.json()["items"] if d["code"] == DEPARTMENT_CODE)


# --- news (お知らせ) -----------------------------------------------------------------------------------------------


NEWS: list[dict[str, Any]] = [
    {
        "category": "course",
        "title_ja": "「はじめての団体会計」講座を開きます",
        "title_en": "A course: bookkeeping for civic groups, for beginners",
        "body_ja": "市民活動団体の会計担当の方を対象に、収支報告書の作り方を学ぶ講座を開きます。申込みは研修会・講座の"
        "ページからどうぞ。",
        "body_en": "For the treasurers of civic groups: how to draw up the statement of accounts. Register on the "
        "trainings page.",
    },
    {
        "category": "center",
        "title_ja": "センターの年末年始の開館について",
        "title_en": "The center's opening hours over the New Year holidays",
        "body_ja": "12月29日から1月3日まで休館します。打合せスペースの予約は1月4日から受け付けます。",
        "body_en": "Closed from 29 December to 3 January; meeting spaces can be booked again from 4 January.",
    },
]
SCHEDULED: dict[str, Any] = {
    "category": "collaboration",
    "title_ja": "協働事業提案の説明会のお知らせ",
    "title_en": "Briefing on proposals for collaboration projects",
    "body_ja": "市と市民活動団体が協働して取り組む事業の提案制度について、説明会を開きます。",
    "body_en": "A briefing on how groups propose collaboration projects with the city.",
}


async def _news(hub: httpx.AsyncClient, coordinator: Headers) -> None:
    """Two items published at once (講座, センターから) and one scheduled for publication by its timer."""
    for item in NEWS:
        drafted = await hub.post("/news", json=item, headers=coordinator)
        drafted.raise_for_status()
        published = await hub.post(
            f"/news/{drafted.json()['id']}/publication", headers={**coordinator, "If-Match": drafted.headers["ETag"]}
        )
        published.raise_for_status()
    drafted = await hub.post("/news", json=SCHEDULED, headers=coordinator)
    drafted.raise_for_status()
    publish_at = _at(datetime.now(TOKYO).date() + timedelta(days=3), 9)
    scheduled = await hub.put(
        f"/news/{drafted.json()['id']}/schedule",
        json={"publish_at": publish_at},
        headers={**coordinator, "If-Match": drafted.headers["ETag"]},
    )
    scheduled.raise_for_status()


# --- trainings and an exchange meeting (研修会・意見交換会) ----------------------------------------------------------


def _plan(kind: str, starts_in_days: int, capacity: int, audience: list[str], texts: dict[str, str]) -> dict[str, Any]:
    now = datetime.now(TOKYO)
    day = now.date() + timedelta(days=starts_in_days)
    return {
        "kind": kind,
        **texts,
        "starts_at": _at(day, 14),
        "ends_at": _at(day, 16),
        "place": "こくぶんじ市民活動センター 会議室",
        "capacity": capacity,
        "audience": audience,
        "registration_opens_at": (now - timedelta(minutes=1)).isoformat(),
        "registration_closes_at": _at(day - timedelta(days=1), 17),
    }


TRAINING = {
    "title_ja": "市民活動団体のための広報研修会",
    "title_en": "Publicity for civic groups: a training session",
    "description_ja": "チラシとSNSで活動を伝えるこつを、市内の団体の事例から学びます。",
    "description_en": "Telling people about your activities with leaflets and social media, from local examples.",
}
MEETING = {
    "title_ja": "協働推進意見交換会",
    "title_en": "Exchange meeting on promoting collaboration",
    "description_ja": "市民活動団体と市の職員が、協働の進め方について意見を交わします。",
    "description_en": "Civic groups and city staff exchange views on how to work together.",
}


async def _announced(hub: httpx.AsyncClient, coordinator: Headers, plan: dict[str, Any]) -> str:
    drafted = await hub.post("/trainings", json=plan, headers=coordinator)
    drafted.raise_for_status()
    training_id = str(drafted.json()["id"])
    announced = await hub.post(
        f"/trainings/{training_id}/announcement", headers={**coordinator, "If-Match": drafted.headers["ETag"]}
    )
    announced.raise_for_status()
    return training_id


async def _trainings(demo: DemoContext, hub: httpx.AsyncClient, coordinator: Headers, group: tuple[str, str]) -> None:
    """A training (研修会) for groups, staff and citizens with 30 seats: a group's representative and a citizen (name
    and e-mail sealed; the answer holds their secret link) register. An exchange meeting (意見交換会) announced."""
    training_id = await _announced(
        hub, coordinator, _plan("training", 14, 30, ["groups", "staff", "citizens"], TRAINING)
    )
    group_id, representative = group
    await _until(
        lambda: hub.post(
            f"/trainings/{training_id}/registrations",
            json={"group_id": group_id},
            headers=demo.headers(representative, "group"),
        ),
        201,
    )
    citizen = await hub.post(
        f"/trainings/{training_id}/citizen-registrations", json={"name": "国分寺 花子", "email": "hanako@example.jp"}
    )
    citizen.raise_for_status()
    await _announced(hub, coordinator, _plan("exchange_meeting", 21, 40, ["groups", "staff"], MEETING))


# --- opinion exchange (意見交換) ----------------------------------------------------------------------------------


TOPIC = {
    "title_ja": "公園・緑地の協働による維持管理について",
    "title_en": "Looking after parks and green spaces together",
    "body_ja": "市内の公園・緑地の維持管理に市民活動団体が関わる仕組みについて、ご意見を募集します。",
    "body_en": "Your opinion on how civic groups could take part in looking after the city's parks and green spaces.",
}
OPINION = {
    "opinion_ja": "落ち葉清掃や自然観察会の実績があり、緑地ごとに団体と市が役割分担を決める協定を提案します。",
    "opinion_en": "With our record of leaf clearing and nature walks, we propose agreements that share the work per "
    "green space between groups and the city.",
}


async def _topic(demo: DemoContext, hub: httpx.AsyncClient, coordinator: Headers, group: tuple[str, str]) -> None:
    """A topic open for comment for two weeks; one group's opinion, sealed until the close (then published with the
    group's name by the close timer)."""
    now = datetime.now(TOKYO)
    period = {"opens_at": (now - timedelta(minutes=1)).isoformat(), "closes_at": _at(now.date() + timedelta(14), 17)}
    drafted = await hub.post("/exchange/topics", json={**TOPIC, **period}, headers=coordinator)
    drafted.raise_for_status()
    topic_id = drafted.json()["id"]
    published = await hub.post(
        f"/exchange/topics/{topic_id}/publication", headers={**coordinator, "If-Match": drafted.headers["ETag"]}
    )
    published.raise_for_status()
    group_id, representative = group
    await _until(
        lambda: hub.put(
            f"/exchange/topics/{topic_id}/opinions/{group_id}",
            json=OPINION,
            headers=demo.headers(representative, "group"),
        )
    )


# --- the coordination window (総合的な窓口) ---------------------------------------------------------------------


CASE = {
    "raiser": "group",
    "problem_ja": "外国にルーツを持つ子育て家庭が、地域の子育てひろばの情報を得られずに孤立しています。",
    "problem_en": "Families with roots abroad who are raising children miss news of the local childcare places and "
    "are isolated.",
    "fields_of_activity": ["国際協力", "子どもの健全育成"],
    "area": "本町",
    "urgency": "normal",
}


async def _case(
    demo: DemoContext, hub: httpx.AsyncClient, coordinator: Headers, group: tuple[str, str], department_id: str
) -> None:
    """Raised by a group's representative; routed by the center to 子育て支援課 (its liaison must acknowledge in
    time: a durable timer); matching groups suggested from the directory, each with its reasons."""
    group_id, representative = group
    raised = await _until(
        lambda: hub.post("/cases", json={**CASE, "group_id": group_id}, headers=demo.headers(representative, "group")),
        201,
    )
    case_id = raised.json()["id"]
    routed = await _until(
        lambda: hub.post(
            f"/cases/{case_id}/routings",
            json={"department_ids": [department_id]},
            headers={**coordinator, "If-Match": raised.headers["ETag"]},
        )
    )
    suggested = await hub.post(
        f"/cases/{case_id}/suggestions", headers={**coordinator, "If-Match": routed.headers["ETag"]}
    )
    suggested.raise_for_status()
