"""The survey (実態調査) over HTTP, with the registry beside it (real NATS; SQLite and PostgreSQL stores): bad
questionnaires and answers refused as problem+json naming the field in Japanese and English, storing nothing; every
survey route against each kind of caller (anonymous, a citizen, the answering group's representative, another
group's, a group that is not a target, a coordinator, an auditor), before and after the close; targets by field of
activity, and by field and area together.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import httpx

from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, platform
from support.info_hub_cases import group, hub_settings, move_hub_clock
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

ROLES: dict[str, tuple[str, str] | None] = {
    "anonymous": None,
    "citizen": ("citizen-1", "public"),
    "group": ("rep-a", "group"),
    "other_group": ("rep-b", "group"),
    "not_target": ("rep-w", "group"),
    "coordinator": ("coord-1", "coordinator"),
    "auditor": ("auditor-1", "auditor"),
}


def _headers(p: Platform, role: str) -> dict[str, str]:
    who = ROLES[role]
    return p.token(*who) if who else {}


async def _open_now(p: Platform, body: dict[str, Any]) -> dict[str, Any]:
    """Drafted and announced with its opening past: its timer opens it at once."""
    survey = await announced(p, await drafted(p, body))
    p.apps["info-hub"].state.kernel.nudge()

    async def is_open() -> bool:
        return await survey_status(p, survey["id"]) == "open"

    await eventually(is_open, timeout=30)
    return survey


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response.json().get("code")) == (status, code), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["title_ja"]
    assert body["title_en"]
    return body


async def test_bad_questionnaires_and_answers_are_refused_naming_the_field_in_both_languages(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(
        {"info-hub": hub_settings(api_backend, nats_url, bus_namespace, issuer)["info-hub"]}, issuer
    ) as p:
        body = questionnaire(datetime.now(TOKYO) - timedelta(days=2))
        survey = await drafted(p, body)
        sid = survey["id"]
        token = (await invited(p, sid, "招待の会"))["token"]
        survey = await announced(p, (await hub(p).get(f"/surveys/{sid}", headers=center(p))).json())
        p.apps["info-hub"].state.kernel.nudge()

        async def is_open() -> bool:
            return await survey_status(p, sid) == "open"

        await eventually(is_open, timeout=30)
        inv = (await hub(p).get(f"/surveys/{sid}/invitations", headers=center(p))).json()["items"][0]["invitation_id"]
        app = p.apps["info-hub"].state.kernel.application
        before = app.recorder.max_notification_id()

        def broken(change: Any) -> dict[str, Any]:
            changed = copy.deepcopy(body)
            change(changed)
            return changed

        bad_questionnaires: list[tuple[dict[str, Any], str]] = [
            (broken(lambda b: b["questions"][1].update(required=False)), "crosstabs.0"),
            (broken(lambda b: b["questions"][0].update(bands=[30, 10])), "questions.0.bands"),
            (broken(lambda b: b["questions"][1].update(options=[])), "questions.1.options"),
            (broken(lambda b: b.update(closes_at=b["opens_at"])), "closes_at"),
            (broken(lambda b: b["questions"][2].update(kind="colour")), "questions.2.kind"),
            (broken(lambda b: b["questions"][2].update(key="Bad Key")), "questions.2.key"),
            (broken(lambda b: b.update(opens_at="2027-01-01T10:00:00")), "opens_at"),
            (broken(lambda b: b.update(reminder_days=[0])), "reminder_days.0"),
            (broken(lambda b: b.update(reminder_days=[3, 1000000])), "reminder_days.1"),
            (broken(lambda b: b.update(reminder_days=[10])), "reminder_days.0"),  # the window is 10 days long
            (broken(lambda b: b["questions"][0].update(bands=[5, 10])), "questions.0.bands"),  # min 0 is below 5
            (broken(lambda b: b["questions"][4].update(max="1e13")), "questions.4.max"),
        ]
        for bad, field in bad_questionnaires:
            refused = await hub(p).post("/surveys", json=bad, headers=center(p))
            problem = _problem(refused, 422, refused.json()["code"])
            assert [e["field"] for e in problem["errors"]] == [field], (field, problem)
            assert problem["errors"][0]["reason_ja"]
            assert problem["errors"][0]["reason_en"]

        bad_answers: list[tuple[dict[str, Any], str, str]] = [
            ({"field": "welfare"}, "answers.members", "answer_required"),
            (answer(10, "sports"), "answers.field", "answer_option_unknown"),
            (answer(-1, "kids"), "answers.members", "answer_number_range"),
            (answer("many", "kids"), "answers.members", "answer_number_invalid"),
            (answer(3, "kids", founded="2019-13-01"), "answers.founded", "answer_date_invalid"),
            (answer(3, "kids", needs=["place", "place"]), "answers.needs", "answer_option_repeated"),
            (answer(3, "kids", colour="red"), "answers.colour", "answer_unknown_question"),
            (answer(3, "kids", volunteers="1e30"), "answers.volunteers", "answer_number_too_large"),
            (answer(3, "kids", volunteers="2.0000001"), "answers.volunteers", "answer_number_too_precise"),
        ]
        for values, field, rule in bad_answers:
            refused = await put_answer(p, sid, inv, values, token=token)
            problem = _problem(refused, 422, "invalid_answer")
            assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, rule)], problem
            assert problem["errors"][0]["reason_ja"]
            assert problem["errors"][0]["reason_en"]
        stale = await hub(p).put(f"/surveys/{sid}/crosstabs", json={"crosstabs": []}, headers=center(p, 1))
        _problem(stale, 412, "precondition_failed")
        frozen = await hub(p).put(f"/surveys/{sid}", json=body, headers=center(p, survey["version"]))
        _problem(frozen, 409, "survey_not_draft")
        late = await hub(p).post(f"/surveys/{sid}/invitations", json={"name_ja": "遅い会"}, headers=center(p))
        _problem(late, 409, "survey_already_open")
        unknown = f"/surveys/{'0' * 8}-0000-4000-8000-{'0' * 12}/invitations"
        _problem(await hub(p).post(unknown, json={"name_ja": "幻の会"}, headers=center(p)), 404, "survey_not_found")
        with app.db.transaction(read_only=True) as tx:
            tokens = tx.fetchone("SELECT COUNT(*) FROM hub_survey_invitations")
        assert tokens is not None
        assert tokens[0] == 1, "a refused invitation stores no token"
        # Nothing of the survey stored (the kernel may store its own events meanwhile, e.g. a checkpoint).
        after = [n.topic for n in app.recorder.select_notifications(before + 1, 100)]
        assert [t for t in after if "survey" in t] == [], "nothing stored"


async def test_each_kind_of_caller_may_do_what_the_survey_s_rules_say_before_and_after_the_close(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(hub_settings(api_backend, nats_url, bus_namespace, issuer), issuer) as p:
        a = await group(p, "rep-a", "本町の会A", ["福祉"], "本町")
        await group(p, "rep-b", "本町の会B", ["福祉"], "本町")
        w = await group(p, "rep-w", "西町の会", ["福祉"], "西町")
        body = questionnaire(datetime.now(TOKYO) - timedelta(days=2), targets={"fields": [], "areas": ["本町"]})
        draft = await drafted(p, {**body, "title_ja": "下書きの調査"})
        survey = await _open_now(p, body)
        sid = survey["id"]

        async def statuses(call: Any) -> dict[str, int]:
            return {role: (await call(_headers(p, role))).status_code for role in ROLES}

        created = await statuses(lambda h: hub(p).post("/surveys", json=body, headers=h))
        assert created == {**dict.fromkeys(ROLES, 403), "anonymous": 401, "coordinator": 201}
        drafts = await statuses(lambda h: hub(p).get(f"/surveys/{draft['id']}", headers=h))
        assert drafts == {**dict.fromkeys(ROLES, 404), "coordinator": 200, "auditor": 200}
        # Nobody logged in: 401, as everywhere else; logged in but neither a coordinator nor an auditor: 403.
        restricted = {**dict.fromkeys(ROLES, 403), "anonymous": 401, "coordinator": 200, "auditor": 200}
        assert await statuses(lambda h: hub(p).get(f"/surveys/{sid}/invitations", headers=h)) == restricted
        assert await statuses(lambda h: hub(p).get(f"/surveys/{sid}/answers", headers=h)) == restricted
        assert await statuses(lambda h: hub(p).get("/surveys", params={"status": "draft"}, headers=h)) == restricted
        assert await statuses(lambda h: hub(p).get(f"/surveys/{sid}", headers=h)) == dict.fromkeys(ROLES, 200)

        saved = await statuses(
            lambda h: hub(p).put(
                f"/surveys/{sid}/answers/{a}", json={"values": answer(12, "kids"), "submit": True}, headers=h
            )
        )
        assert saved == {**dict.fromkeys(ROLES, 403), "anonymous": 401, "group": 200}
        mine = await statuses(lambda h: hub(p).get(f"/surveys/{sid}/answers/{a}", headers=h))
        assert mine == {**dict.fromkeys(ROLES, 403), "anonymous": 401, "group": 200, "coordinator": 200, "auditor": 200}
        outside = await put_answer(p, sid, w, answer(3, "town"), who=("rep-w", "group"))
        _problem(outside, 403, "survey_not_a_target")
        other = await put_answer(p, sid, a, answer(3, "town"), who=("rep-b", "group"))
        _problem(other, 403, "survey_not_for_group")
        before_close = await statuses(lambda h: hub(p).get(f"/surveys/{sid}/statistics", headers=h))
        assert before_close == dict.fromkeys(ROLES, 409), "never before the close, for anyone"
        listed = (await hub(p).get(f"/surveys/{sid}/answers", headers=center(p))).json()
        assert {(i["respondent"], i["status"]) for i in listed["items"]} >= {(a, "submitted")}
        assert listed["total"] == 2

        move_hub_clock(p, datetime.fromisoformat(body["closes_at"]) + timedelta(minutes=1))
        p.apps["info-hub"].state.kernel.nudge()

        async def closed() -> bool:
            return await survey_status(p, sid) == "closed"

        await eventually(closed, timeout=30)
        after_close = await statuses(lambda h: hub(p).get(f"/surveys/{sid}/statistics", headers=h))
        assert after_close == dict.fromkeys(ROLES, 200)
        late = await put_answer(p, sid, a, answer(3, "town"), who=("rep-a", "group"))
        _problem(late, 409, "survey_not_open")
        stats = (await hub(p).get(f"/surveys/{sid}/statistics")).json()["statistics"]
        # One answer of two targets: the rate is published, no question (fewer than 3 answers) is.
        assert (stats["answered"], stats["targets"], stats["response_rate_percent"]) == (1, 2, "50.0")
        assert not any(q["published"] for q in stats["questions"])


async def test_a_survey_for_a_field_of_activity_targets_the_groups_active_in_it_and_with_an_area_both_must_match(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(hub_settings(api_backend, nats_url, bus_namespace, issuer), issuer) as p:
        welfare = await group(p, "rep-a", "本町の福祉の会", ["福祉"], "本町")
        both = await group(p, "rep-b", "西町の福祉と環境の会", ["環境", "福祉"], "西町")
        green = await group(p, "rep-c", "本町の環境の会", ["環境"], "本町")
        await group(p, "rep-d", "本町の子育ての会", ["子育て"], "本町")
        now = datetime.now(TOKYO) - timedelta(days=2)
        # 福祉 alone: the group of 福祉 and the one active in 環境 and 福祉 (a field among its fields), whatever their
        # area: 2 of 4. 福祉 in 本町: only the first (fields and areas both hold): 1.
        by_field = await _open_now(p, questionnaire(now, targets={"fields": ["福祉"], "areas": []}))
        in_area = await _open_now(p, questionnaire(now, targets={"fields": ["福祉"], "areas": ["本町"]}))
        counts = [(await hub(p).get(f"/surveys/{s['id']}")).json()["targets_count"] for s in (by_field, in_area)]
        assert counts == [2, 1]

        saved = await put_answer(p, by_field["id"], both, answer(7, "welfare"), who=("rep-b", "group"))
        assert saved.status_code == 200, saved.text
        _problem(
            await put_answer(p, by_field["id"], green, answer(7, "welfare"), who=("rep-c", "group")),
            403,
            "survey_not_a_target",
        )
        _problem(
            await put_answer(p, in_area["id"], both, answer(7, "welfare"), who=("rep-b", "group")),
            403,
            "survey_not_a_target",
        )
        assert (
            await put_answer(p, in_area["id"], welfare, answer(7, "welfare"), who=("rep-a", "group"))
        ).status_code == 200
