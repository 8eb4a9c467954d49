"""The survey of groups (実態調査) end to end, on SQLite and PostgreSQL with real NATS and the real registry: the
center builds a questionnaire for the groups of one area and invites a group that is not registered, announces it;
the moved clock opens it (the target set snapshot), groups answer (drafts, submissions, the invited group by its
link), a reminder names the one that has not submitted, and the close publishes the statistics with disclosure
control visible on the real answers; the contracts are on info-hub's stream and the question's history is there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kyodo_shared.web.devissuer import DevIssuer

from support.bus import published_bodies
from support.harness import Backend, Platform, eventually, platform
from support.info_hub_cases import group, hub_settings, move_hub_clock
from support.info_hub_surveys import (
    announced,
    answer,
    center,
    drafted,
    hub,
    invited,
    put_answer,
    questionnaire,
    survey_status,
)


async def _status_becomes(p: Platform, survey_id: str, status: str) -> None:
    p.apps["info-hub"].state.kernel.nudge()

    async def reached() -> bool:
        return await survey_status(p, survey_id) == status

    await eventually(reached, timeout=30)


def _cells(stats: dict[str, Any]) -> list[dict[str, Any]]:
    found = [c for q in stats["questions"] for c in q["distribution"]]
    for t in stats["crosstabs"]:
        found += [c for row in t["cells"] for c in row] + t["row_totals"] + t["column_totals"]
    return found


async def test_a_survey_opens_is_answered_reminded_and_closes_publishing_protected_statistics(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(hub_settings(backend, nats_url, bus_namespace, issuer), issuer) as p:
        # Group 2 answers by its contact (連絡担当者), the others by their representatives.
        g = [
            await group(p, f"rep-{i}", f"本町の会{i}", ["福祉"], "本町", contact="contact-2" if i == 2 else None)
            for i in range(1, 6)
        ]
        west = await group(p, "rep-w", "西町の会", ["福祉"], "西町")
        body = questionnaire(targets={"fields": [], "areas": ["本町"]})
        survey = await drafted(p, body)
        sid = survey["id"]
        link = await invited(p, sid, "駅前のボランティア会")
        inv, old_token = link["invitation_id"], link["token"]
        survey = await announced(p, (await hub(p).get(f"/surveys/{sid}", headers=center(p))).json())
        assert survey["status"] == "announced"

        # Before the opening nobody answers.
        early = await put_answer(p, sid, g[0], answer(5, "welfare"), who=("rep-1", "group"))
        assert (early.status_code, early.json()["code"]) == (409, "survey_not_open")

        # The opening, by its timer on the moved clock: the groups of 本町 and the invitation.
        opens, closes = datetime.fromisoformat(body["opens_at"]), datetime.fromisoformat(body["closes_at"])
        move_hub_clock(p, opens + timedelta(minutes=1))
        await _status_becomes(p, sid, "open")
        opened = (await hub(p).get(f"/surveys/{sid}")).json()
        assert opened["targets_count"] == 6

        # A reissued link replaces the old one.
        again = await hub(p).post(f"/surveys/{sid}/invitations/{inv}/reissue", headers=center(p))
        assert again.status_code == 200, again.text
        token = again.json()["token"]
        stale = await put_answer(p, sid, inv, answer(8, "kids"), token=old_token)
        assert (stale.status_code, stale.json()["code"]) == (403, "survey_token_invalid")

        # Answers: a draft revised and submitted, a resubmission, the invited group by its token.
        draft = await put_answer(p, sid, g[0], {"field": "kids"}, submit=False, who=("rep-1", "group"))
        assert (draft.status_code, draft.json()["status"]) == (200, "draft"), draft.text
        plans: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
            (
                g[0],
                {"who": ("rep-1", "group")},
                answer(5, "welfare", needs=["place"], volunteers=2, comment="会議室が使いやすい"),
            ),
            (g[1], {"who": ("contact-2", "group")}, answer(12, "welfare", needs=["place", "money"], volunteers=4)),
            (g[2], {"who": ("rep-3", "group")}, answer(25, "welfare", needs=["place"], volunteers=6)),
            (g[3], {"who": ("rep-4", "group")}, answer(30, "kids")),
            (g[3], {"who": ("rep-4", "group")}, answer(40, "kids")),  # resubmitted: this one counts
            (inv, {"token": token}, answer("8", "kids", needs=["place"], volunteers="9")),
        ]
        seen = {g[0]: int(draft.headers["ETag"].strip('"'))}  # a later save names the version it saw (If-Match)
        for respondent, how, values in plans:
            sent = await put_answer(p, sid, respondent, values, version=seen.get(respondent), **how)
            assert (sent.status_code, sent.json()["status"]) == (200, "submitted"), sent.text
            seen[respondent] = int(sent.headers["ETag"].strip('"'))
        only_draft = await put_answer(p, sid, g[4], {"field": "town"}, submit=False, who=("rep-5", "group"))
        assert only_draft.status_code == 200, only_draft.text

        # Not a target, another group's person, nobody: refused.
        outside = await put_answer(p, sid, west, answer(3, "town"), who=("rep-w", "group"))
        assert (outside.status_code, outside.json()["code"]) == (403, "survey_not_a_target")
        other = await put_answer(p, sid, g[0], answer(3, "town"), who=("rep-2", "group"))
        assert (other.status_code, other.json()["code"]) == (403, "survey_not_for_group")
        early_stats = await hub(p).get(f"/surveys/{sid}/statistics", headers=center(p))
        assert (early_stats.status_code, early_stats.json()["code"]) == (409, "survey_statistics_not_published")

        # Three days before the close the reminder is due: it names nobody and counts nobody; a notifier reads
        # whom to remind from the restricted answers list (the one target that has not submitted).
        move_hub_clock(p, closes - timedelta(days=3) + timedelta(minutes=1))
        p.apps["info-hub"].state.kernel.nudge()
        reminders = await eventually(
            lambda: published_bodies(nats_url, bus_namespace, "info-hub", "survey.reminder_due.v1"), timeout=30
        )
        due = (closes - timedelta(days=3)).isoformat()
        assert [(sorted(r), r["survey_id"], r["due_at"], r["closes_at"]) for r in reminders] == [
            (["closes_at", "due_at", "survey_id"], sid, due, closes.isoformat())
        ]
        rows = (await hub(p).get(f"/surveys/{sid}/answers", headers=center(p))).json()["items"]
        assert [r["respondent"] for r in rows if not r["counted"]] == [g[4]]

        # The close: statistics of the five submitted answers, protected.
        move_hub_clock(p, closes + timedelta(minutes=1))
        await _status_becomes(p, sid, "closed")
        late = await put_answer(p, sid, g[4], answer(3, "town"), who=("rep-5", "group"))
        assert (late.status_code, late.json()["code"]) == (409, "survey_not_open")
        found = await hub(p).get(f"/surveys/{sid}/statistics")
        assert found.status_code == 200, found.text
        stats = found.json()["statistics"]
        assert (stats["targets"], stats["answered"], stats["response_rate_percent"]) == (6, 5, "83.3")
        q = {x["key"]: x for x in stats["questions"]}
        cells = {x["key"]: {c["category"]: c for c in x["distribution"]} for x in stats["questions"]}
        # field: welfare 3, kids 2, town 0. Kids (2) is primary; the grand total (5 answers) and town's 0 would give
        # it back, so welfare — the only non-zero published cell — is suppressed with it; a zero stays published.
        assert (cells["field"]["kids"]["count"], cells["field"]["kids"]["suppressed"]) == (None, True)
        assert (cells["field"]["welfare"]["count"], cells["field"]["welfare"]["suppressed"]) == (None, True)
        assert (cells["field"]["town"]["count"], cells["field"]["town"]["percent"]) == (0, "0.0")
        # members: bands 0-9 (5, 8), 10-29 (12, 25), 30+ (40): every band primary, so neither mean nor median (they
        # would narrow a suppressed count). volunteers (no bands; four answered 2, 4, 6, 9): mean 21 / 4 = 5.25; the
        # median waits for 5 answers (with 4, 4 × mean - 2 × median = 21 - 10 = 11 = 2 + 9: the group holding one end
        # would learn the other).
        assert {k: c["suppressed"] for k, c in cells["members"].items()} == dict.fromkeys(["0-9", "10-29", "30+"], True)
        assert (q["members"]["answers"], q["members"]["summary"]) == (5, None)
        assert (q["volunteers"]["answers"], q["volunteers"]["summary"]) == (4, {"mean": "5.25", "median": None})
        # needs (four answered): place 4 of 4, money 1 (primary), people 0.
        assert (q["needs"]["answers"], cells["needs"]["place"]["count"], cells["needs"]["place"]["percent"]) == (
            4,
            4,
            "100.0",
        )
        assert cells["needs"]["money"]["suppressed"] is True
        assert cells["needs"]["people"]["count"] == 0
        # Free text: the number of answers only; nor is the text anywhere in what was published.
        assert (q["comment"]["answers"], q["comment"]["published"], q["comment"]["distribution"]) == (1, False, [])
        assert "会議室" not in found.text
        assert all(c["count"] not in (1, 2) for c in _cells(stats)), "no published cell of one or two groups"

        published = await eventually(
            lambda: published_bodies(nats_url, bus_namespace, "info-hub", "survey.results_published.v1"), timeout=30
        )
        assert published[0]["statistics"] == stats
        opened_msgs = await published_bodies(nats_url, bus_namespace, "info-hub", "survey.opened.v1")
        assert [m["targets"] for m in opened_msgs] == [6]
        stream = await published_bodies(nats_url, bus_namespace, "info-hub", "")
        assert "駅前のボランティア会" not in str(stream)  # invited groups' names are restricted
        assert "会議室" not in str(stream)  # answers never leave info-hub

        async def history() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (await hub(p).get("/survey-questions/volunteers/history")).json()["items"]
            return items or None

        years = await eventually(history, timeout=20)
        assert [(y["fiscal_year"], y["statistics"]["summary"]["mean"]) for y in years] == [(2026, "5.25")]
