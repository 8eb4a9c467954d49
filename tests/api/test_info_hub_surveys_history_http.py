"""A question's history year over year (経年比較) and the list of surveys, over HTTP (real NATS; SQLite and
PostgreSQL stores): the same question key asked in two fiscal years' surveys, both closed by their timers on the
moved clock, is shown side by side, oldest year first, each year with its own texts and statistics, as a list page
(`items`, `total`, `page`, `per_page`, `Link`); a question asked in one year only has one entry; an open survey's
statistics are in no history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, platform
from support.info_hub_cases import hub_settings, move_hub_clock
from support.info_hub_surveys import TOKYO, announced, answer, drafted, hub, invited, put_answer, questionnaire


async def _answered_survey(p: Platform, year: int, members: list[int], **changes: Any) -> dict[str, Any]:
    """A survey of `year` opened at once, with one invited group per answer, each submitted."""
    body = questionnaire(datetime.now(TOKYO) - timedelta(days=2), fiscal_year=year, crosstabs=[], **changes)
    for q in body["questions"]:
        if q["key"] == "members":
            q["bands"] = []  # no bands: nothing suppressed, so the mean (and from 5 answers the median) is published
    survey = await drafted(p, body)
    links = [await invited(p, survey["id"], f"招待の会{i}") for i in range(len(members))]
    await announced(p, (await hub(p).get(f"/surveys/{survey['id']}", headers=p.token("coord-1", "coordinator"))).json())
    p.apps["info-hub"].state.kernel.nudge()

    async def answered_all() -> bool:
        for link, n in zip(links, members, strict=True):
            sent = await put_answer(p, survey["id"], link["invitation_id"], answer(n, "welfare"), token=link["token"])
            if sent.status_code != 200:
                return False
        return True

    await eventually(answered_all, timeout=30)  # the opening timer runs at once (its time has passed)
    return {**survey, "closes_at": body["closes_at"]}


async def test_the_same_question_in_two_fiscal_years_is_shown_side_by_side_once_both_are_closed(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = hub_settings(api_backend, nats_url, bus_namespace, issuer)["info-hub"]
    async with platform({"info-hub": settings}, issuer) as p:
        older = await _answered_survey(p, 2025, [4, 6, 11])
        renamed = [{**q, "text_ja": "正会員の数"} if q["key"] == "members" else q for q in questionnaire()["questions"]]
        newer = await _answered_survey(p, 2026, [20, 40, 60, 80, 100], questions=renamed)
        assert (await hub(p).get("/survey-questions/members/history")).json()["items"] == []

        closes = max(datetime.fromisoformat(s["closes_at"]) for s in (older, newer))
        move_hub_clock(p, closes + timedelta(minutes=1))
        p.apps["info-hub"].state.kernel.nudge()

        async def both() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (await hub(p).get("/survey-questions/members/history")).json()["items"]
            return items if len(items) == 2 else None

        years = await eventually(both, timeout=30)
        # 2025: 4, 6, 11 → mean 21 / 3 = 7.00; the median (6, the middle group's own value, which with the mean
        # would give the group at 4 the 11) waits for 5 answers. 2026: 20, 40, 60, 80, 100 → mean 300 / 5 = 60.00,
        # median 60.
        assert [(y["fiscal_year"], y["question"]["text_ja"]) for y in years] == [(2025, "会員数"), (2026, "正会員の数")]
        assert [y["statistics"]["summary"] for y in years] == [
            {"mean": "7.00", "median": None},
            {"mean": "60.00", "median": "60"},
        ]
        assert [y["survey_id"] for y in years] == [older["id"], newer["id"]]
        # The list convention: one per page here, oldest year first, with the total and the Link to the others.
        first = await hub(p).get("/survey-questions/members/history", params={"per_page": 1})
        second = await hub(p).get("/survey-questions/members/history", params={"per_page": 1, "page": 2})
        assert [(b["key"], b["total"], b["page"], b["per_page"]) for b in (first.json(), second.json())] == [
            ("members", 2, 1, 1),
            ("members", 2, 2, 1),
        ]
        assert [first.json()["items"][0]["fiscal_year"], second.json()["items"][0]["fiscal_year"]] == [2025, 2026]
        assert first.headers["Link"] == (
            '<?page=1&per_page=1>; rel="first", <?page=2&per_page=1>; rel="next", <?page=2&per_page=1>; rel="last"'
        )
        assert (await hub(p).get("/survey-questions/members/history", params={"per_page": 101})).status_code == 422
        unknown = (await hub(p).get("/survey-questions/colour/history")).json()
        assert unknown == {"key": "colour", "items": [], "total": 0, "page": 1, "per_page": 20}

        listed = (await hub(p).get("/surveys", params={"fiscal_year": 2025})).json()
        assert ([s["id"] for s in listed["items"]], listed["total"]) == ([older["id"]], 1)
        assert listed["items"][0]["submitted_count"] == 3
