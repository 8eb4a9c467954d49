"""Helpers for tests of the survey (実態調査): a questionnaire's body, drafting and announcing one as the center,
an answer's body, and the center's own If-Match calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from support.harness import Platform

TOKYO = ZoneInfo("Asia/Tokyo")
CENTER = ("coord-1", "coordinator")
HUB = "info-hub"


def hub(p: Platform) -> httpx.AsyncClient:
    return p.clients[HUB]


def questionnaire(now: datetime | None = None, **changes: Any) -> dict[str, Any]:
    """Six questions in two sections, opening in a day and closing ten days later, a reminder three days before the
    close; the field × members cross-tabulation."""
    start = (now or datetime.now(TOKYO)).astimezone(TOKYO).replace(microsecond=0) + timedelta(days=1)
    body: dict[str, Any] = {
        "title_ja": "市民活動団体実態調査",
        "title_en": "Survey of civic groups",
        "fiscal_year": 2026,
        "sections": [
            {"key": "basic", "title_ja": "団体の基本情報", "title_en": "The group"},
            {"key": "activity", "title_ja": "活動の状況", "title_en": "Activities"},
        ],
        "questions": [
            {
                "key": "members",
                "section": "basic",
                "kind": "number",
                "required": True,
                "text_ja": "会員数",
                "text_en": "Members",
                "unit_ja": "人",
                "unit_en": "people",
                "min": 0,
                "max": 10000,
                "bands": [0, 10, 30],
            },
            {
                "key": "field",
                "section": "basic",
                "kind": "single",
                "required": True,
                "text_ja": "主な活動分野",
                "text_en": "Main field",
                "options": [
                    {"key": "welfare", "label_ja": "福祉", "label_en": "Welfare"},
                    {"key": "kids", "label_ja": "子育て", "label_en": "Children"},
                    {"key": "town", "label_ja": "まちづくり", "label_en": "Town planning"},
                ],
            },
            {
                "key": "needs",
                "section": "activity",
                "kind": "multiple",
                "text_ja": "困っていること",
                "options": [
                    {"key": "place", "label_ja": "活動場所"},
                    {"key": "money", "label_ja": "資金"},
                    {"key": "people", "label_ja": "担い手"},
                ],
            },
            {"key": "founded", "section": "basic", "kind": "date", "text_ja": "設立日"},
            {
                "key": "volunteers",
                "section": "activity",
                "kind": "number",
                "text_ja": "月あたりのボランティア参加者数",
                "unit_ja": "人",
                "min": 0,
            },
            {"key": "comment", "section": "activity", "kind": "text", "text_ja": "センターへの意見"},
        ],
        "targets": {"fields": [], "areas": []},
        "crosstabs": [["field", "members"]],
        "opens_at": start.isoformat(),
        "closes_at": (start + timedelta(days=10)).isoformat(),
        "reminder_days": [3],
    }
    body.update(changes)
    return body


def center(p: Platform, version: int | None = None) -> dict[str, str]:
    headers = p.token(*CENTER)
    return {**headers, "If-Match": f'"{version}"'} if version is not None else headers


async def drafted(p: Platform, body: dict[str, Any]) -> dict[str, Any]:
    made = await hub(p).post("/surveys", json=body, headers=center(p))
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


async def announced(p: Platform, survey: dict[str, Any]) -> dict[str, Any]:
    done = await hub(p).post(f"/surveys/{survey['id']}/announcement", headers=center(p, survey["version"]))
    assert done.status_code == 200, done.text
    found: dict[str, Any] = done.json()
    return found


async def invited(p: Platform, survey_id: str, name_ja: str) -> dict[str, Any]:
    made = await hub(p).post(f"/surveys/{survey_id}/invitations", json={"name_ja": name_ja}, headers=center(p))
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def answer(members: int | str, field: str, **more: Any) -> dict[str, Any]:
    return {"members": members, "field": field, **more}


async def put_answer(
    p: Platform,
    survey_id: str,
    respondent: str,
    values: dict[str, Any],
    *,
    submit: bool = True,
    who: tuple[str, str] | None = None,
    token: str | None = None,
    version: int | None = None,
) -> httpx.Response:
    """A save of an answer; `version`: the answer's version the caller saw (If-Match), for a later save."""
    headers = p.token(*who) if who else {}
    if token is not None:
        headers["X-Survey-Token"] = token
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    body = {"values": values, "submit": submit}
    return await hub(p).put(f"/surveys/{survey_id}/answers/{respondent}", json=body, headers=headers)


async def survey_status(p: Platform, survey_id: str) -> str:
    found = await hub(p).get(f"/surveys/{survey_id}", headers=center(p))
    assert found.status_code == 200, found.text
    return str(found.json()["status"])


OPENS, CLOSES = "2026-06-01T09:00:00+09:00", "2026-06-30T17:00:00+09:00"


def stored_question(
    key: str, kind: str, text_ja: str, *, required: bool = False, options: dict[str, str] | None = None, **number: Any
) -> dict[str, Any]:
    """A question of the section `basic` as the Survey aggregate keeps it (no English; `options` by key and Japanese
    label; a number's `unit_ja`, `min`, `max` and `bands` in `number`)."""
    choices = [{"key": k, "label_ja": label, "label_en": None} for k, label in (options or {}).items()]
    question: dict[str, Any] = {
        "key": key,
        "section": "basic",
        "kind": kind,
        "required": required,
        "text_ja": text_ja,
        "text_en": None,
        "options": choices,
        "unit_ja": None,
        "unit_en": None,
        "min": None,
        "max": None,
        "bands": [],
    }
    return {**question, **number}


def stored_questionnaire(**changes: Any) -> dict[str, Any]:
    """A questionnaire as the Survey aggregate keeps it (numbers as decimal strings, every field present), for
    domain tests: opening OPENS, closing CLOSES, the field × members cross-tab."""
    body: dict[str, Any] = {
        "title_ja": "実態調査",
        "title_en": None,
        "fiscal_year": 2026,
        "sections": [{"key": "basic", "title_ja": "基本", "title_en": None}],
        "questions": [
            stored_question(
                "members", "number", "会員数", required=True, unit_ja="人", min="0", max="500", bands=["0", "10", "30"]
            ),
            stored_question("field", "single", "分野", required=True, options={"a": "A", "b": "B"}),
            stored_question("needs", "multiple", "課題", options={"x": "X", "y": "Y"}),
            stored_question("founded", "date", "設立日"),
            stored_question("comment", "text", "意見"),
        ],
        "targets": {"fields": [], "areas": []},
        "crosstabs": [["field", "members"]],
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "reminder_days": [3],
    }
    body.update(changes)
    return body
