"""The registry's part of `kyodo up --demo`: a few realistic Kokubunji civic groups (one of them rejected, with
the reason) and the collaboration-project review board, all through the registry's public HTTP API."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import httpx

from kyodo_registry.domain import Criterion
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.service import DemoContext

# What later services' demos read from the facts: the review board they draw a call's board from.
REVIEW_BOARD = "registry.review_board_id"

DEMO_GROUPS: list[dict[str, Any]] = [
    {
        "name": "こくぶんじ緑のボランティア",
        "purpose": "殿ヶ谷戸庭園周辺と市内の緑地を保全し、子どもと大人が学ぶ自然観察会を開く。",
        "fields_of_activity": ["環境保全", "社会教育"],
        "area": "南町",
    },
    {
        "name": "恋ヶ窪子育てネットワーク",
        "purpose": "乳幼児を育てる家庭が気軽に集える居場所をつくり、子育ての孤立を防ぐ。",
        "fields_of_activity": ["子どもの健全育成", "保健・医療・福祉"],
        "area": "東恋ヶ窪",
    },
    {
        "name": "国分寺史跡ガイドの会",
        "purpose": "武蔵国分寺跡など市の史跡を案内し、地域の歴史を次の世代に伝える。",
        "fields_of_activity": ["学術・文化・芸術", "まちづくり"],
        "area": "西元町",
    },
    {
        "name": "ぶんじ多文化交流サロン",
        "purpose": "市内に住む外国人と日本人が日本語と暮らしの情報を学び合う場をつくる。",
        "fields_of_activity": ["国際協力", "人権・平和"],
        "area": "本町",
    },
]

# One application that does not meet criterion 6 (自己統治): its decisions are made by a political party.
REJECTED_GROUP: dict[str, Any] = {
    "name": "市政を考える市民の会",
    "purpose": "市政について学習会を開く。",
    "fields_of_activity": ["まちづくり"],
    "area": "日吉町",
}


def _application(profile: dict[str, Any], index: int) -> dict[str, Any]:
    return {
        **profile,
        "representative": {
            "name": f"代表者 {index}",
            "email": f"representative{index}@example.jp",
            "phone": f"042-300-{1000 + index}",
        },
        "criteria": {c.value: {"evidence": "会則・事業計画書・役員名簿により確認できる。"} for c in Criterion},
        "bylaws": {
            "filename": "会則.txt",
            "media_type": "text/plain",
            "content_base64": base64.b64encode(_bylaws(profile["name"]).encode()).decode(),
        },
    }


def _bylaws(name: str) -> str:
    return (
        f"{name} 会則\n第1条 本会は{name}と称する。\n第2条 本会は営利を目的とせず、政治活動・宗教活動を行わない。\n"
        "第3条 入会及び退会は会員の自由とする。\n第4条 本会の運営は総会の議決による。\n"
    )


async def seed(demo: DemoContext) -> None:
    coordinator = demo.headers("demo-coordinator", "coordinator")
    async with httpx.AsyncClient(base_url=demo.url("registry"), timeout=30) as client:
        for index, profile in enumerate([*DEMO_GROUPS, REJECTED_GROUP], start=1):
            representative = demo.headers(f"demo-representative-{index}", "group")
            created = await client.post("/groups", json=_application(profile, index), headers=representative)
            created.raise_for_status()
            group_id, etag = created.json()["id"], created.headers["ETag"]
            for criterion in Criterion:
                met = not (profile is REJECTED_GROUP and criterion is Criterion.SELF_GOVERNING)
                reason = (
                    "会則と活動実績により確認した。"
                    if met
                    else "意思決定が特定の政党の指示によっており、自己統治の基準を満たさない。"
                )
                assessed = await client.post(
                    f"/groups/{group_id}/assessments",
                    json={"criterion": criterion.value, "met": met, "reason": reason},
                    headers={**coordinator, "If-Match": etag},
                )
                assessed.raise_for_status()
                etag = assessed.headers["ETag"]
        demo.facts[REVIEW_BOARD] = await _review_board(client, coordinator)


async def _review_board(client: httpx.AsyncClient, coordinator: dict[str, str]) -> str:
    """The collaboration-project review board (協働事業審査会) with three members, the first as chair."""
    created = await client.post(
        "/committees", json={"kind": "review_board", "name_ja": "協働事業審査会"}, headers=coordinator
    )
    created.raise_for_status()
    committee_id, etag = str(created.json()["id"]), created.headers["ETag"]
    today = datetime.now(TOKYO).date()
    for index, name in enumerate(("学識経験者 委員", "市民公募 委員", "活動団体推薦 委員"), start=1):
        term = {"term_start": today.isoformat(), "term_end": today.replace(year=today.year + 2).isoformat()}
        appointed = await client.post(
            f"/committees/{committee_id}/members",
            json={"member_sub": f"demo-reviewer-{index}", "name": name, **term},
            headers={**coordinator, "If-Match": etag},
        )
        appointed.raise_for_status()
        etag = appointed.headers["ETag"]
    officers = await client.put(
        f"/committees/{committee_id}/officers",
        json={"chair_sub": "demo-reviewer-1", "vice_chair_sub": "demo-reviewer-2"},
        headers={**coordinator, "If-Match": etag},
    )
    officers.raise_for_status()
    return committee_id
