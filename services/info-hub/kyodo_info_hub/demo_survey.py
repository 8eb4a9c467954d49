"""info-hub's part of `kyodo up --demo`, continued: the survey of groups (実態調査) at work, through the public HTTP
API only. The center drafts this fiscal year's questionnaire (three sections; the main field of activity, members
in bands, the founding date, places and difficulties, a free text; the field × members cross-tab), invites a group
based in the city but not registered (its one-time link), and announces it: the opening timer opens it a few seconds
later for every registered group and the invited one, and it closes four weeks later (a reminder a week before; the
statistics are published at the close — `kyodo clock advance 29d` shows them). Meanwhile groups answer: one saves a
draft then submits, one submits at once, one keeps a draft, the invited group submits with its link's token, and
one registered group has not answered yet."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.service import DemoContext

Headers = dict[str, str]
# The opening is the timer's work: a few seconds after the announcement, so the demo shows the survey open at once.
OPENS_IN = timedelta(seconds=10)
OPEN_FOR = timedelta(weeks=4)


def fiscal_year(day: date) -> int:
    """年度: FY2026 runs from 1 April 2026 to 31 March 2027."""
    return day.year if day.month >= 4 else day.year - 1


def _options(*pairs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"key": key, "label_ja": ja, "label_en": en} for key, ja, en in pairs]


SECTIONS = [
    {"key": "group", "title_ja": "団体の基本情報", "title_en": "About the group"},
    {"key": "activity", "title_ja": "活動の状況", "title_en": "Your activities"},
    {"key": "center", "title_ja": "センター・市へのご意見", "title_en": "To the center and the city"},
]
QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "main_field",
        "section": "group",
        "kind": "single",
        "required": True,  # a cross-tab's row
        "text_ja": "主な活動分野を一つお選びください。",
        "text_en": "Your main field of activity (one).",
        "options": _options(
            ("welfare", "保健・医療・福祉", "Health, medicine and welfare"),
            ("education", "社会教育", "Social education"),
            ("town", "まちづくり", "Community development"),
            ("culture", "学術・文化・芸術", "Scholarship, culture and the arts"),
            ("environment", "環境保全", "The environment"),
            ("international", "国際協力", "International cooperation"),
            ("children", "子どもの健全育成", "Children's wellbeing"),
            ("other", "その他", "Other"),
        ),
    },
    {
        "key": "members",
        "section": "group",
        "kind": "number",
        "required": True,  # a cross-tab's column, in bands
        "text_ja": "会員数（年度当初）",
        "text_en": "Number of members (at the start of the fiscal year)",
        "unit_ja": "人",
        "unit_en": "people",
        "min": 0,
        "max": 10000,
        "bands": [0, 10, 30, 100],
    },
    {
        "key": "founded_on",
        "section": "group",
        "kind": "date",
        "text_ja": "設立年月日",
        "text_en": "Date founded",
    },
    {
        "key": "places",
        "section": "activity",
        "kind": "multiple",
        "text_ja": "主な活動場所（いくつでも）",
        "text_en": "Where you mainly work (any number)",
        "options": _options(
            ("center", "市民活動センター", "The civic activity center"),
            ("community_hall", "公民館・地域センター", "Community halls"),
            ("outdoors", "公園・緑地など屋外", "Parks, green spaces and outdoors"),
            ("schools", "学校", "Schools"),
            ("online", "オンライン", "Online"),
        ),
    },
    {
        "key": "difficulties",
        "section": "activity",
        "kind": "multiple",
        "text_ja": "活動上の課題（いくつでも）",
        "text_en": "Difficulties you meet (any number)",
        "options": _options(
            ("successors", "担い手・後継者の不足", "Too few new members and successors"),
            ("funds", "活動資金の不足", "Too little money"),
            ("venue", "活動場所の確保", "Finding a place to meet"),
            ("publicity", "情報発信・広報", "Telling people about the group"),
            ("city", "行政との連携", "Working with the city"),
        ),
    },
    {
        "key": "requests",
        "section": "center",
        "kind": "text",
        "text_ja": "市民活動センターや市へのご意見・ご要望をご自由にお書きください。",
        "text_en": "Anything you would like from the civic activity center or the city.",
    },
]
INVITED = {"name_ja": "本多こども食堂", "name_en": "Honda children's cafeteria"}


def questionnaire(now: datetime) -> dict[str, Any]:
    """This fiscal year's 実態調査 for every registered group, open for four weeks from a few seconds ahead."""
    year = fiscal_year(now.date())
    opens = now.replace(microsecond=0) + OPENS_IN
    closes = datetime.combine(opens.date() + OPEN_FOR, time(17), tzinfo=TOKYO)
    return {
        "title_ja": f"令和{year - 2018}年度 国分寺市市民活動団体実態調査",
        "title_en": f"Survey of civic groups in Kokubunji, fiscal {year}",
        "fiscal_year": year,
        "sections": SECTIONS,
        "questions": QUESTIONS,
        "targets": {"fields": [], "areas": []},  # every registered group
        "crosstabs": [["main_field", "members"]],
        "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(),
        "reminder_days": [7],
    }


# What the groups answer: the multicultural salon saves a draft first, the childcare network submits at once, the
# green volunteers keep a draft; the invited cafeteria submits with its link.
SALON = {
    "main_field": "international",
    "members": 24,
    "founded_on": "2015-04-12",
    "places": ["center", "online"],
    "difficulties": ["successors", "funds"],
    "requests": "多言語のチラシを置ける場所と、通訳ボランティアの登録制度があると助かります。",
}
CHILDCARE = {
    "main_field": "children",
    "members": 38,
    "founded_on": "2009-06-01",
    "places": ["community_hall", "outdoors"],
    "difficulties": ["venue", "publicity"],
}
GREEN = {"main_field": "environment", "members": 56, "places": ["outdoors"]}
CAFETERIA = {
    "main_field": "children",
    "members": 12,
    "founded_on": "2019-10-05",
    "places": ["community_hall"],
    "difficulties": ["funds", "venue", "successors"],
}


async def _until(
    attempt: Callable[[], Awaitable[httpx.Response]], ready: Callable[[httpx.Response], bool], seconds: float
) -> httpx.Response:
    """Retry while the survey's timer has not yet run, or info-hub has not yet heard of a group's people."""
    response = await attempt()
    for _ in range(int(seconds / 0.2)):
        if ready(response):
            return response
        await asyncio.sleep(0.2)
        response = await attempt()
    response.raise_for_status()
    raise RuntimeError(f"demo: {response.request.url} did not show what the survey demo needs")


async def seed_survey(
    demo: DemoContext, hub: httpx.AsyncClient, coordinator: Headers, groups: list[tuple[str, str]]
) -> None:
    """The 実態調査 drafted, an unregistered group invited, announced, opened by its timer, and answered. `groups`:
    the multicultural salon, the childcare network and the green volunteers (id, representative)."""
    drafted = await hub.post("/surveys", json=questionnaire(datetime.now(TOKYO)), headers=coordinator)
    drafted.raise_for_status()
    survey_id = drafted.json()["id"]
    invited = await hub.post(f"/surveys/{survey_id}/invitations", json=INVITED, headers=coordinator)
    invited.raise_for_status()
    invitation = invited.json()
    announced = await hub.post(
        f"/surveys/{survey_id}/announcement", headers={**coordinator, "If-Match": invited.headers["ETag"]}
    )
    announced.raise_for_status()
    await _until(
        lambda: hub.get(f"/surveys/{survey_id}"),
        lambda r: r.status_code == 200 and r.json()["status"] == "open",
        OPENS_IN.total_seconds() + 50,
    )
    salon, childcare, green = groups
    draft = {k: SALON[k] for k in ("main_field", "members")}
    saved = await _answer(demo, hub, survey_id, salon, {"values": draft, "submit": False})
    await _answer(demo, hub, survey_id, salon, {"values": SALON, "submit": True}, saved)
    await _answer(demo, hub, survey_id, childcare, {"values": CHILDCARE, "submit": True})
    await _answer(demo, hub, survey_id, green, {"values": GREEN, "submit": False})
    by_link = await hub.put(
        f"/surveys/{survey_id}/answers/{invitation['invitation_id']}",
        json={"values": CAFETERIA, "submit": True},
        headers={"X-Survey-Token": invitation["token"]},
    )
    by_link.raise_for_status()


async def _answer(
    demo: DemoContext,
    hub: httpx.AsyncClient,
    survey_id: str,
    group: tuple[str, str],
    body: dict[str, Any],
    etag: str | None = None,
) -> str:
    """A group's answer by its representative: a draft (`submit` false) or a submission; a later save names the
    ETag of the one before (If-Match). The answer's new ETag."""
    group_id, representative = group
    headers = {**demo.headers(representative, "group"), **({"If-Match": etag} if etag else {})}
    saved = await _until(
        lambda: hub.put(f"/surveys/{survey_id}/answers/{group_id}", json=body, headers=headers),
        lambda r: r.status_code == 200,
        30,
    )
    return saved.headers["ETag"]
