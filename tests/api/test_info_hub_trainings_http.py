"""The center's trainings over HTTP, with the registry beside it (real NATS; SQLite and PostgreSQL stores): every
training route of info-hub's OpenAPI against every kind of caller (anonymous, a group's representative, another
group's representative, staff, a department's liaison, a coordinator, an auditor); bad input refused as
problem+json naming the field, in Japanese and English, storing nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from kyodo_shared.web.devissuer import DevIssuer

from support.evaluation import tokyo_today
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.info_hub_trainings import CENTER, announced, drafted, hub, hub_group, hub_settings, kernel, plan
from support.screening import department

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
ROLES: dict[str, tuple[str, ...] | None] = {
    "anonymous": None,
    "group": ("rep-a", "group"),
    "other_group": ("rep-b", "group"),
    "staff": ("staff-2", "staff"),
    "liaison": ("liaison-1", "staff"),
    "coordinator": CENTER,
    "auditor": ("auditor-1", "auditor"),
}


def _all(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def _center_only(status: int) -> dict[str, int]:
    return {**_all(403), "anonymous": 401, "coordinator": status}


async def world(p: Platform) -> dict[str, str]:
    await department(p, "KYODO", "協働推進課", ["liaison-1", "staff-2"], tokyo_today() - timedelta(days=30))
    people = kernel(p).application.people
    group_a = await hub_group(p, "rep-a", "みどりの会")
    await hub_group(p, "rep-b", "あおぞらの会")
    await eventually(lambda: bool(people.liaison_departments("liaison-1", tokyo_today())), timeout=30)
    return {"group_a": group_a}


async def test_every_training_route_answers_each_kind_of_caller_as_the_center_s_rules_say(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = {
        "registry": settings_for("registry", api_backend, nats_url, bus_namespace, issuer),
        "info-hub": hub_settings(api_backend, nats_url, bus_namespace, issuer, per_window=100),
    }
    async with platform(settings, issuer) as p:
        facts = await world(p)
        group_a = facts["group_a"]
        open_one = await announced(p, plan())
        tid = open_one["id"]
        draft = await drafted(p, plan())
        owned = await hub(p).post(f"/trainings/{tid}/registrations", json={}, headers=p.token("staff-2", "staff"))
        rid = owned.json()["registration_id"]

        def headers(role: str, version: int | None = None) -> dict[str, str]:
            who = ROLES[role]
            h = p.token(*who) if who else {}
            return {**h, "If-Match": f'"{version}"'} if version is not None else h

        async def fresh_draft(role: str) -> httpx.Response:
            d = await drafted(p, plan())
            return await hub(p).post(f"/trainings/{d['id']}/announcement", headers=headers(role, d["version"]))

        async def fresh_cancel(role: str) -> httpx.Response:
            t = await announced(p, plan())
            body = {"reason_ja": "中止"}
            return await hub(p).post(
                f"/trainings/{t['id']}/cancellation", json=body, headers=headers(role, t["version"])
            )

        async def current(t: str) -> int:
            version: int = (await hub(p).get(f"/trainings/{t}", headers=p.token(*CENTER))).json()["version"]
            return version

        async def revise(role: str) -> httpx.Response:
            return await hub(p).put(f"/trainings/{tid}", json=_plan_only(), headers=headers(role, await current(tid)))

        async def register(role: str) -> httpx.Response:
            t = await announced(p, plan())
            body = {"group_id": group_a} if role in ("group", "other_group") else {}
            return await hub(p).post(f"/trainings/{t['id']}/registrations", json=body, headers=headers(role))

        async def cancel_own(role: str) -> httpx.Response:
            t = await announced(p, plan())
            mine = await hub(p).post(
                f"/trainings/{t['id']}/registrations", json={}, headers=p.token("staff-2", "staff")
            )
            path = f"/trainings/{t['id']}/registrations/{mine.json()['registration_id']}"
            return await hub(p).delete(path, headers=headers(role))

        async def cancel_for_center(role: str) -> httpx.Response:
            t = await announced(p, plan())
            theirs = await hub(p).post(
                f"/trainings/{t['id']}/registrations", json={}, headers=p.token("staff-2", "staff")
            )
            path = f"/trainings/{t['id']}/registrations/{theirs.json()['registration_id']}/cancellation"
            return await hub(p).post(path, json={"reason_ja": "電話で取消"}, headers=headers(role))

        async def citizen(role: str) -> httpx.Response:
            body = {"name": "市民", "email": f"{role}@example.jp"}
            return await hub(p).post(f"/trainings/{tid}/citizen-registrations", json=body, headers=headers(role))

        def get(path: str) -> Callable[[str], Awaitable[httpx.Response]]:
            return lambda role: hub(p).get(path, headers=headers(role))

        def put(path: str, body: dict[str, Any]) -> Callable[[str], Awaitable[httpx.Response]]:
            async def call(role: str) -> httpx.Response:
                return await hub(p).put(path, json=body, headers=headers(role, await current(tid)))

            return call

        registrant = {**_all(403), "anonymous": 401, "group": 200, "other_group": 200, "staff": 200, "liaison": 200}
        table: dict[tuple[str, str], tuple[Callable[[str], Awaitable[httpx.Response]], dict[str, int]]] = {
            ("POST", "/trainings"): (
                lambda role: hub(p).post("/trainings", json=plan(), headers=headers(role)),
                _center_only(201),
            ),
            ("GET", "/trainings"): (get("/trainings"), _all(200)),
            ("GET", "/trainings.ics"): (get("/trainings.ics"), _all(200)),
            # A draft is never in a calendar, the center's neither.
            ("GET", "/trainings/{training_id}.ics"): (get(f"/trainings/{draft['id']}.ics"), _all(404)),
            ("GET", "/trainings/{training_id}"): (get(f"/trainings/{draft['id']}"), {**_all(404), "coordinator": 200}),
            ("PUT", "/trainings/{training_id}"): (revise, _center_only(200)),
            ("POST", "/trainings/{training_id}/announcement"): (fresh_draft, _center_only(200)),
            ("POST", "/trainings/{training_id}/cancellation"): (fresh_cancel, _center_only(200)),
            ("PUT", "/trainings/{training_id}/attendance"): (
                put(f"/trainings/{tid}/attendance", {"registration_ids": [rid]}),
                _center_only(409),
            ),
            ("PUT", "/trainings/{training_id}/minutes"): (
                put(f"/trainings/{tid}/minutes", {"minutes_ja": "議事録"}),
                _center_only(409),
            ),
            ("POST", "/trainings/{training_id}/registrations"): (
                register,
                {**_all(403), "anonymous": 401, "group": 201, "staff": 201, "liaison": 201},
            ),
            ("POST", "/trainings/{training_id}/citizen-registrations"): (citizen, _all(201)),
            ("GET", "/trainings/{training_id}/registrations"): (
                get(f"/trainings/{tid}/registrations"),
                _center_only(200),
            ),
            ("GET", "/trainings/{training_id}/registrations/mine"): (
                get(f"/trainings/{tid}/registrations/mine"),
                registrant,
            ),
            ("GET", "/trainings/{training_id}/registrations/{registration_id}"): (
                get(f"/trainings/{tid}/registrations/{rid}"),
                {**_all(404), "staff": 200, "coordinator": 200},
            ),
            ("DELETE", "/trainings/{training_id}/registrations/{registration_id}"): (
                cancel_own,
                {**_all(404), "staff": 200},
            ),
            ("POST", "/trainings/{training_id}/registrations/{registration_id}/cancellation"): (
                cancel_for_center,
                _center_only(200),
            ),
        }
        spec = (await hub(p).get("/openapi.json")).json()
        routes = {
            (method.upper(), path)
            for path, operations in spec["paths"].items()
            if path.startswith("/trainings")
            for method in operations
        }
        assert routes == set(table), "every training route is in the table"
        wrong = []
        for (method, path), (call, expected) in table.items():
            for role, status in expected.items():
                answer = await call(role)
                if answer.status_code != status:
                    wrong.append((method, path, role, status, answer.status_code, answer.text[:160]))
        assert wrong == []
        await drafts_only_for_the_center(p)


async def drafts_only_for_the_center(p: Platform) -> None:
    async def drafts() -> int:
        page = await hub(p).get("/trainings?status=draft", headers=p.token(*CENTER))
        total: int = page.json()["total"]
        return total

    assert await eventually(drafts, timeout=20) >= 1
    anonymous = await hub(p).get("/trainings?status=draft")
    assert (anonymous.status_code, anonymous.json()["code"]) == (403, "coordinator_only")


async def test_bad_input_is_refused_naming_the_field_in_both_languages_and_stores_nothing(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = hub_settings(api_backend, nats_url, bus_namespace, issuer, per_window=100)
    async with platform({"info-hub": settings}, issuer) as p:
        training = await announced(p, plan())
        tid = training["id"]
        app = kernel(p).application
        before = app.recorder.max_notification_id()
        center = p.token(*CENTER)
        cases: list[tuple[str, str, dict[str, Any], str]] = [
            ("post", "/trainings", {k: v for k, v in plan().items() if k != "ends_at"}, "ends_at"),
            ("post", "/trainings", plan(capacity=0), "capacity"),
            ("post", "/trainings", plan(audience=["everyone"]), "audience.0"),
            ("post", "/trainings", plan(kind="party"), "kind"),
            ("post", "/trainings", plan(starts_at="2027-01-01T10:00:00"), "starts_at"),
            ("post", "/trainings", {**plan(), "organizer": "x"}, "organizer"),
            ("post", "/trainings", plan(place=None, online_url="http://meet.example/x"), "online_url"),
            ("post", "/trainings", plan(online_url="https://meet.example/x"), "place"),
            ("post", "/trainings", plan(ends_at=plan()["starts_at"]), "ends_at"),
            ("post", f"/trainings/{tid}/citizen-registrations", {"name": "市民", "email": "not-an-address"}, "email"),
            ("post", f"/trainings/{tid}/citizen-registrations", {"name": "", "email": "a@example.jp"}, "name"),
            ("post", f"/trainings/{tid}/registrations", {"group_id": "nope"}, "group_id"),
            ("post", f"/trainings/{tid}/registrations/{tid}/cancellation", {"reason_ja": ""}, "reason_ja"),
        ]
        for method, path, body, field in cases:
            mine = "registrations" in path and not path.endswith("cancellation")
            headers = p.token("staff-9", "staff") if mine else center
            answer = await getattr(hub(p), method)(path, json=body, headers=headers)
            problem = answer.json()
            assert answer.status_code == 422, (path, field, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in problem["errors"]] == [field], (field, problem)
            assert problem["errors"][0]["reason_ja"]
            assert problem["errors"][0]["reason_en"]
        bad_token = await hub(p).get(f"/trainings/{tid}/registrations/{tid}?token=short")
        assert bad_token.status_code == 422
        bad_header = await hub(p).get(f"/trainings/{tid}/registrations/{tid}", headers={"X-Registration-Token": "x!"})
        assert bad_header.status_code == 422, "a malformed token header is refused (the kernel names it header.*)"
        stale = await hub(p).put(f"/trainings/{tid}", json=_plan_only(), headers={**center, "If-Match": '"1"'})
        assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
        missing = await hub(p).put(f"/trainings/{tid}", json=_plan_only(), headers=center)
        assert (missing.status_code, missing.json()["code"]) == (428, "precondition_required")
        # Nothing of the training stored (the kernel may store its own events meanwhile, e.g. a signed checkpoint).
        after = [n.topic for n in app.recorder.select_notifications(before + 1, 100)]
        assert [t for t in after if "trainings:" in t] == [], "nothing stored"


def _plan_only() -> dict[str, Any]:
    return {k: v for k, v in plan().items() if k != "kind"}


async def test_registrations_the_training_does_not_admit_are_refused_and_seal_nothing(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = hub_settings(api_backend, nats_url, bus_namespace, issuer, per_window=100)
    async with platform({"info-hub": settings}, issuer) as p:
        staff_only = await announced(p, plan(audience=("staff",)))
        later = plan(registration_opens_at=plan(timedelta(days=5))["starts_at"], starts_in=timedelta(days=10))
        not_yet = await announced(p, later)
        draft = await drafted(p, plan())
        cancelled = await announced(p, plan())
        stopped = await hub(p).post(
            f"/trainings/{cancelled['id']}/cancellation",
            json={"reason_ja": "中止"},
            headers={**p.token(*CENTER), "If-Match": f'"{cancelled["version"]}"'},
        )
        assert stopped.status_code == 200, stopped.text
        vault = kernel(p).vault
        with vault.db.transaction(read_only=True) as tx:
            keys_before = tx.fetchone("SELECT COUNT(*) FROM kyodo_person_keys")
        citizen = {"name": "市民", "email": "someone@example.jp"}
        for training, status, code in (
            (staff_only, 403, "not_in_audience"),
            (not_yet, 409, "registration_closed"),
            (draft, 404, "training_not_found"),
            (cancelled, 409, "training_not_open"),
        ):
            answer = await hub(p).post(f"/trainings/{training['id']}/citizen-registrations", json=citizen)
            assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
        with vault.db.transaction(read_only=True) as tx:
            assert tx.fetchone("SELECT COUNT(*) FROM kyodo_person_keys") == keys_before, "no key made"
        twice = [
            await hub(p).post(f"/trainings/{staff_only['id']}/registrations", json={}, headers=p.token("s-1", "staff"))
            for _ in range(2)
        ]
        assert [a.status_code for a in twice] == [201, 409]
        assert twice[1].json()["code"] == "already_registered"
        unknown = await hub(p).post(f"/trainings/{UNKNOWN_ID}/registrations", json={}, headers=p.token("s-1", "staff"))
        assert (unknown.status_code, unknown.json()["code"]) == (404, "training_not_found")
