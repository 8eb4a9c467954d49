"""The proposals service's part of `kyodo up --demo`: an open call for groups' own proposals, its board drawn
from the review board the registry's demo appointed."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.service import DemoContext

# Written by the registry's demo (kyodo_registry.demo.REVIEW_BOARD); read by name, since services never import
# each other.
REVIEW_BOARD = "registry.review_board_id"


async def seed(demo: DemoContext) -> None:
    coordinator = demo.headers("demo-coordinator", "coordinator")
    async with httpx.AsyncClient(base_url=demo.url("proposals"), timeout=30) as client:
        await _open_call(client, coordinator, demo.facts[REVIEW_BOARD])


async def _open_call(client: httpx.AsyncClient, coordinator: dict[str, str], committee_id: str) -> None:
    """An open call for groups' own proposals (提案制度), a month to go."""
    deadline = (datetime.now(TOKYO) + timedelta(days=30)).replace(hour=17, minute=0, second=0, microsecond=0)
    draft = {
        "kind": "open_call",
        "title_ja": "協働事業提案制度 市民活動団体からの提案募集",
        "title_en": "Collaboration proposals from civic activity groups",
        "description_ja": "市と協働で取り組む新しい公共サービスの提案を募集します。",
        "criteria": [
            {"key": "need", "name_ja": "必要性・公益性", "weight": 3, "max_points": 10},
            {"key": "feasibility", "name_ja": "実現可能性", "weight": 2, "max_points": 10},
            {"key": "collaboration", "name_ja": "協働の効果", "weight": 2, "max_points": 10},
        ],
        "passing_score": "42",
        "select": 2,
        "deadline": deadline.isoformat(),
        "committee_id": committee_id,
    }
    created = await client.post("/calls", json=draft, headers=coordinator)
    created.raise_for_status()
    call_id, etag = created.json()["id"], created.headers["ETag"]
    # The proposals service learns the board from the registry's events: wait until it has.
    for _ in range(100):
        published = await client.post(f"/calls/{call_id}/publication", headers={**coordinator, "If-Match": etag})
        if published.status_code != 409:
            published.raise_for_status()
            return
        await asyncio.sleep(0.2)
    published.raise_for_status()
