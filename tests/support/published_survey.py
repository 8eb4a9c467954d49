"""A closed survey with enough answers for its charts to show bars, for the browser tests' info-hub
(support.published_portal): drafted, seven groups invited and answering through info-hub's API over HTTP, closed by its
timer on info-hub's moved clock, as tests/pages/test_portal_surveys.py closes its survey."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from support.harness import Platform
from support.info_hub_cases import move_hub_clock
from support.info_hub_surveys import TOKYO, announced, answer, center, drafted, hub, invited, put_answer, questionnaire

# Seven invited groups: their main field and members, and what they lack (a multiple choice).
FIELDS = ["welfare"] * 5 + ["kids"] * 2
MEMBERS = [3, 12, 15, 40, 8, 22, 5]
NEEDS = [["place", "people"]] * 6 + [["place", "money"]]


async def _answered(p: Platform, nudge: Callable[[], None]) -> tuple[str, str]:
    """The survey drafted, announced and answered by every invited group: its id and closing time."""
    body = questionnaire(datetime.now(TOKYO) - timedelta(days=2))
    survey = await drafted(p, body)
    links = [await invited(p, survey["id"], f"招待の会{n}") for n in range(len(FIELDS))]
    await announced(p, (await hub(p).get(f"/surveys/{survey['id']}", headers=center(p))).json())
    nudge()
    deadline = time.monotonic() + 30
    waiting = list(zip(links, FIELDS, MEMBERS, NEEDS, strict=True))
    while waiting:  # the opening timer runs at once (its time has passed); until then an answer is refused
        link, field, members, needs = waiting[0]
        values = answer(members, field, needs=needs, comment="センターへの意見")
        sent = await put_answer(p, survey["id"], link["invitation_id"], values, token=link["token"])
        if sent.status_code == 200:
            waiting.pop(0)
            continue
        assert time.monotonic() < deadline, f"the survey took no answer: {sent.status_code} {sent.text[:500]}"
        await asyncio.sleep(0.1)
    return str(survey["id"]), str(body["closes_at"])


async def _closed(p: Platform, nudge: Callable[[], None]) -> str:
    survey_id, closes_at = await _answered(p, nudge)
    move_hub_clock(p, datetime.fromisoformat(closes_at) + timedelta(minutes=1))
    nudge()
    deadline = time.monotonic() + 30
    while (await hub(p).get(f"/surveys/{survey_id}/statistics")).status_code != 200:
        assert time.monotonic() < deadline, "the survey's statistics were not published after its close"
        await asyncio.sleep(0.1)
    return survey_id


async def closed_survey(p: Platform, origin: str) -> str:
    """The id of a survey answered by seven groups and closed, its statistics published (info-hub at `origin`; run
    on the server's own event loop, where the kernel's tasks wait)."""
    kernel = p.apps["info-hub"].state.kernel
    async with httpx.AsyncClient(base_url=f"{origin}/api/info-hub", timeout=10) as client:
        return await _closed(Platform(p.apps, {"info-hub": client}, p.issuer), kernel.nudge)
