"""The survey's (実態調査) rules most likely to regress, over HTTP and at the application (real NATS; SQLite and
PostgreSQL): If-Match on an answer's save, the invitations listed in pages, private headers, only a token's hash
kept and never a token in a query, a cancelled survey, `submitted_count` withheld while open, the gap between the
closing time and the close timer, the close run twice or after a crash, and a submission racing the close from
both sides.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from kyodo_info_hub import survey_answering, surveys_app
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, platform
from support.info_hub_cases import hub_settings, move_hub_clock
from support.info_hub_surveys import (
    TOKYO,
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

T = {"correlation_id": "c", "causation_id": "c", "actor": "test"}


def _code(response: Any) -> tuple[int, str | None]:
    return response.status_code, response.json().get("code")


@asynccontextmanager
async def _survey_with_invitations(
    backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer, names: list[str]
) -> AsyncIterator[tuple[Platform, dict[str, Any], list[dict[str, Any]]]]:
    """info-hub alone; a survey that opened a day ago (by its timer) and closes in nine days, with these groups
    invited (no registered group: the targets are the invitations)."""
    settings = {"info-hub": hub_settings(backend, nats_url, namespace, issuer)["info-hub"]}
    async with platform(settings, issuer) as p:
        body = questionnaire(datetime.now(TOKYO) - timedelta(days=2))
        survey = await drafted(p, body)
        links = [await invited(p, survey["id"], name) for name in names]
        current = (await hub(p).get(f"/surveys/{survey['id']}", headers=center(p))).json()
        survey = await announced(p, current)
        p.apps["info-hub"].state.kernel.nudge()

        async def is_open() -> bool:
            return await survey_status(p, survey["id"]) == "open"

        await eventually(is_open, timeout=30)
        yield p, {**survey, "body": body}, links


def _etag(response: Any) -> int:
    return int(response.headers["ETag"].strip('"'))


async def test_a_later_save_of_an_answer_needs_the_version_it_saw(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with _survey_with_invitations(api_backend, nats_url, bus_namespace, issuer, ["駅前の会"]) as (p, s, links):
        sid, inv, token = s["id"], links[0]["invitation_id"], links[0]["token"]
        first = await put_answer(p, sid, inv, {"field": "kids"}, submit=False, token=token)
        assert (first.status_code, _etag(first)) == (200, 1), first.text  # the first save needs no If-Match
        read = await hub(p).get(f"/surveys/{sid}/answers/{inv}", headers={"X-Survey-Token": token})
        assert _etag(read) == 1
        assert _code(await put_answer(p, sid, inv, answer(3, "kids"), token=token)) == (428, "precondition_required")
        stale = await put_answer(p, sid, inv, answer(3, "kids"), token=token, version=999)
        assert _code(stale) == (412, "precondition_failed")
        sent = await put_answer(p, sid, inv, answer(3, "kids"), token=token, version=1)
        assert (sent.status_code, sent.json()["status"], _etag(sent)) == (200, "submitted", 2), sent.text
        # Someone else saved in between (version 2): a save naming version 1 is stale.
        lost = await put_answer(p, sid, inv, answer(4, "kids"), token=token, version=1)
        assert _code(lost) == (412, "precondition_failed")
        kept = await hub(p).get(f"/surveys/{sid}/answers/{inv}", headers=center(p))
        assert kept.json()["submitted_values"] == {"members": "3", "field": "kids"}


async def test_invitations_are_listed_in_pages_and_private_data_is_answered_no_store_with_no_referrer(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    names = ["一の会", "二の会", "三の会"]
    async with _survey_with_invitations(api_backend, nats_url, bus_namespace, issuer, names) as (p, s, links):
        sid = s["id"]
        first = await hub(p).get(f"/surveys/{sid}/invitations?per_page=2", headers=center(p))
        body = first.json()
        assert ([i["name_ja"] for i in body["items"]], body["total"], body["per_page"]) == (names[:2], 3, 2)
        assert 'rel="next"' in first.headers["Link"]
        second = (await hub(p).get(f"/surveys/{sid}/invitations?per_page=2&page=2", headers=center(p))).json()
        assert [i["name_ja"] for i in second["items"]] == names[2:]
        token = links[0]["token"]
        await put_answer(p, sid, links[0]["invitation_id"], {"field": "kids"}, submit=False, token=token)
        private = [
            first,
            await hub(p).get(f"/surveys/{sid}/answers", headers=center(p)),
            await hub(p).get(f"/surveys/{sid}/answers/{links[0]['invitation_id']}", headers={"X-Survey-Token": token}),
            await hub(p).post(f"/surveys/{sid}/invitations/{links[0]['invitation_id']}/reissue", headers=center(p)),
        ]
        for response in private:
            assert response.status_code == 200, response.text
            assert (response.headers["Cache-Control"], response.headers["Referrer-Policy"]) == (
                "no-store",
                "no-referrer",
            )


async def test_only_a_token_s_hash_is_kept_and_a_token_in_the_query_is_not_accepted(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with _survey_with_invitations(api_backend, nats_url, bus_namespace, issuer, ["駅前の会"]) as (p, s, links):
        sid, inv, token = s["id"], links[0]["invitation_id"], links[0]["token"]
        app = p.apps["info-hub"].state.kernel.application
        with app.db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT invitation_id, survey_id, token_hash FROM hub_survey_invitations")
        assert [tuple(r) for r in rows] == [(inv, sid, hashlib.sha256(token.encode()).hexdigest())]
        stored = app.recorder.select_notifications(1, 10_000)
        assert not any(token.encode() in n.state for n in stored), "no event carries the token"
        before = app.recorder.max_notification_id()
        url = f"/surveys/{sid}/answers/{inv}"
        query = await hub(p).put(f"{url}?X-Survey-Token={token}", json={"values": answer(3, "kids"), "submit": True})
        assert _code(query) == (401, "authentication_required")  # a query is no token
        query = await hub(p).put(f"{url}?token={token}", json={"values": answer(3, "kids"), "submit": True})
        assert _code(query) == (401, "authentication_required")  # a query is no token
        after = [n.topic for n in app.recorder.select_notifications(before + 1, 100)]
        assert [t for t in after if "survey" in t] == [], "nothing stored"


async def test_a_survey_cancelled_over_http_never_closes_and_publishes_nothing(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = {"info-hub": hub_settings(api_backend, nats_url, bus_namespace, issuer)["info-hub"]}
    async with platform(settings, issuer) as p:
        body = questionnaire()
        survey = await announced(p, await drafted(p, body))
        sid = survey["id"]
        reason = {"reason_ja": "会場の都合", "reason_en": "Venue"}
        unnamed = await hub(p).post(f"/surveys/{sid}/cancellation", json=reason, headers=center(p))
        assert _code(unnamed) == (428, "precondition_required")
        no_tag = await hub(p).put(f"/surveys/{sid}/crosstabs", json={"crosstabs": []}, headers=center(p))
        assert _code(no_tag) == (428, "precondition_required")
        done = await hub(p).post(f"/surveys/{sid}/cancellation", json=reason, headers=center(p, survey["version"]))
        assert (done.status_code, done.json()["status"]) == (200, "cancelled"), done.text
        move_hub_clock(p, datetime.fromisoformat(body["closes_at"]) + timedelta(minutes=1))
        app = p.apps["info-hub"].state.kernel.application
        p.apps["info-hub"].state.kernel.nudge()

        def timers_done() -> bool:
            with app.db.transaction(read_only=True) as tx:
                row = tx.fetchone(
                    "SELECT COUNT(*) FROM kyodo_timers WHERE aggregate_id = %s AND state = 'pending'", (sid,)
                )
            return row is not None and row[0] == 0

        await eventually(timers_done, timeout=30)  # the open and close timers ran and found nothing to do
        assert await survey_status(p, sid) == "cancelled"
        stats = await hub(p).get(f"/surveys/{sid}/statistics")
        assert _code(stats) == (409, "survey_cancelled")
        history = (await hub(p).get("/survey-questions/members/history")).json()
        assert history["items"] == []


async def test_between_the_closing_time_and_the_close_timer_nothing_is_published_saved_or_withdrawn(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with _survey_with_invitations(api_backend, nats_url, bus_namespace, issuer, ["駅前の会"]) as (p, s, links):
        sid, inv, token = s["id"], links[0]["invitation_id"], links[0]["token"]
        app = p.apps["info-hub"].state.kernel.application
        sent = await put_answer(p, sid, inv, answer(3, "kids"), token=token)
        assert sent.status_code == 200, sent.text

        async def listed() -> list[tuple[str, int, int | None]]:
            items = (await hub(p).get("/surveys", params={"status": "open"})).json()["items"]
            return [(i["id"], i["targets_count"], i["submitted_count"]) for i in items]

        assert await eventually(listed, timeout=30) == [(sid, 1, None)]  # how many answered: only at the close
        assert (await hub(p).get(f"/surveys/{sid}")).json()["submitted_count"] is None
        # The application's clock past the close; the timers' clock (the kernel's) still before it: the gap.
        closes = datetime.fromisoformat(s["body"]["closes_at"])
        real = app.clock
        app.clock = lambda: closes + timedelta(minutes=1)
        try:
            assert _code(await hub(p).get(f"/surveys/{sid}/statistics")) == (409, "survey_statistics_not_published")
            late = await put_answer(p, sid, inv, answer(4, "kids"), token=token, version=_etag(sent))
            assert _code(late) == (409, "survey_not_open")
            current = (await hub(p).get(f"/surveys/{sid}")).json()["version"]
            reason = {"reason_ja": "中止"}
            cancel = await hub(p).post(f"/surveys/{sid}/cancellation", json=reason, headers=center(p, current))
            assert _code(cancel) == (409, "survey_window_passed")
        finally:
            app.clock = real


async def test_the_close_run_twice_or_after_a_crash_records_one_close_with_the_same_statistics(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _survey_with_invitations(api_backend, nats_url, bus_namespace, issuer, ["駅前の会"]) as (p, s, links):
        sid, inv, token = s["id"], links[0]["invitation_id"], links[0]["token"]
        app = p.apps["info-hub"].state.kernel.application
        assert (await put_answer(p, sid, inv, answer(3, "kids"), token=token)).status_code == 200
        closes = datetime.fromisoformat(s["body"]["closes_at"])
        app.clock = lambda: closes + timedelta(minutes=1)
        real = surveys_app.statistics_of
        crashes = iter([True])

        def crashing(a: Any, survey: Any) -> dict[str, Any]:
            if next(crashes, False):
                raise RuntimeError("the process died before the save")
            return real(a, survey)

        monkeypatch.setattr(surveys_app, "statistics_of", crashing)
        with pytest.raises(RuntimeError):
            app.close_survey(UUID(sid), T)
        assert app.close_survey(UUID(sid), T)
        assert not app.close_survey(UUID(sid), T)  # the timer fired again: nothing to do
        closed = [n for n in app.recorder.select_notifications(1, 10_000) if n.topic.endswith("Survey.Closed")]
        assert len(closed) == 1
        stats = (await hub(p).get(f"/surveys/{sid}/statistics")).json()["statistics"]
        assert (stats["answered"], stats["targets"]) == (1, 1)


async def test_a_submission_racing_the_close_counts_when_it_is_saved_first_and_is_refused_when_it_is_not(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _survey_with_invitations(api_backend, nats_url, bus_namespace, issuer, ["一の会", "二の会"]) as (
        p,
        s,
        links,
    ):
        sid = UUID(s["id"])
        (first, first_token), (second, second_token) = [(x["invitation_id"], x["token"]) for x in links]
        app = p.apps["info-hub"].state.kernel.application
        closes = datetime.fromisoformat(s["body"]["closes_at"])
        before, after = closes - timedelta(minutes=1), closes + timedelta(minutes=1)

        def at(moment: datetime, run: Callable[[], Any]) -> Any:
            saved = app.clock
            app.clock = lambda: moment
            try:
                return run()
            finally:
                app.clock = saved

        # 1. The close loads the survey, then a submission is saved before the close's save: the close's save
        # loses, it is tried again on the new state, and the submission counts.
        statistics_of, raced = surveys_app.statistics_of, iter([True])

        def submission_first(a: Any, survey: Any) -> dict[str, Any]:
            if next(raced, False):
                submit = survey_answering.SurveyAnswering.save_answer
                at(before, lambda: submit(app, None, first_token, sid, first, answer(3, "kids"), True, T, None))
            return statistics_of(a, survey)

        monkeypatch.setattr(surveys_app, "statistics_of", submission_first)
        # 2. Meanwhile a second submission loads the survey, then the close is saved before it: refused.
        check, closing = survey_answering.check_answer, iter([True])

        def close_first(q: Any, values: Any, *, complete: bool) -> Any:
            if next(closing, False):
                assert at(after, lambda: app.close_survey(sid, T))
            return check(q, values, complete=complete)

        monkeypatch.setattr(survey_answering, "check_answer", close_first)
        with pytest.raises(Refusal) as refused:
            at(before, lambda: app.save_answer(None, second_token, sid, second, answer(5, "town"), True, T, None))
        assert refused.value.code == "survey_not_open"
        stats = (await hub(p).get(f"/surveys/{sid}/statistics")).json()["statistics"]
        assert (stats["answered"], stats["targets"]) == (1, 2)  # the first counted, the second did not
        answers = (await hub(p).get(f"/surveys/{sid}/answers", headers=center(p))).json()["items"]
        assert {a["respondent"]: a["counted"] for a in answers} == {first: True, second: False}
