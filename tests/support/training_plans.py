"""A training's plan as the domain tests of the center's Training aggregate write it: two seats on 10 Feb 2027 at
14:00 Tokyo, registration open for the 30 days before, and a trace and a moment two days before the start."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
START = datetime(2027, 2, 10, 14, 0, tzinfo=TOKYO)
TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "coord"}
BEFORE = (START - timedelta(days=2)).isoformat()


def plan(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title_ja": "会計講座",
        "title_en": None,
        "description_ja": "基礎",
        "description_en": None,
        "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=2)).isoformat(),
        "place": "会議室A",
        "online_url": None,
        "capacity": 2,
        "audience": ["groups", "staff", "citizens"],
        "registration_opens_at": (START - timedelta(days=30)).isoformat(),
        "registration_closes_at": START.isoformat(),
    }
    return body | overrides
