"""The center's trainings over HTTP (real NATS; SQLite and PostgreSQL stores): the center's If-Match names the
plan's version, so revising and cancelling work while registrations arrive; the center cancels any registration with
its reason and the first in line takes the seat; an online training's link only for the center and registrants
holding a seat; registrations answered uncached, without a referrer, at a Location that resolves; a suspended or
lapsed group's people do not register for it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, platform, settings_for
from support.info_hub_trainings import CENTER, announced, hub, hub_group, hub_settings, kernel, plan

PRIVATE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


def private(answer: Any) -> bool:
    return all(answer.headers.get(k) == v for k, v in PRIVATE.items())


def _plan_only(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    keep = [
        "title_ja",
        "title_en",
        "description_ja",
        "description_en",
        "starts_at",
        "ends_at",
        "place",
        "online_url",
        "capacity",
        "audience",
        "registration_opens_at",
        "registration_closes_at",
    ]
    return {k: body[k] for k in keep} | changes


async def register(p: Platform, tid: str, sub: str) -> Any:
    return await hub(p).post(f"/trainings/{tid}/registrations", json={}, headers=p.token(sub, "staff"))


async def test_the_center_revises_and_cancels_with_the_version_it_read_while_registrations_keep_arriving(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = hub_settings(api_backend, nats_url, bus_namespace, issuer, per_window=100)
    async with platform({"info-hub": settings}, issuer) as p:
        t = await announced(p, plan(capacity=5, audience=("staff",)))
        tid, read = t["id"], t["version"]
        center = {**p.token(*CENTER), "If-Match": f'"{read}"'}
        first = [await register(p, tid, f"early-{i}") for i in range(3)]
        assert [a.status_code for a in first] == [201] * 3
        etag = (await hub(p).get(f"/trainings/{tid}")).headers["ETag"]
        assert etag == f'"{read}"', "registrations do not change what the center read"
        # More seats, with the version read before any registration, while twenty more register at once.
        answers = await asyncio.gather(
            hub(p).put(f"/trainings/{tid}", json=_plan_only(t, capacity=8), headers=center),
            *(register(p, tid, f"staff-{i}") for i in range(20)),
        )
        revised = answers[0]
        assert revised.status_code == 200, revised.text
        assert revised.headers["ETag"] == f'"{read + 1}"' == f'"{revised.json()["version"]}"'
        assert [a.status_code for a in answers[1:]] == [201] * 20
        counts = (await hub(p).get(f"/trainings/{tid}")).json()["counts"]
        assert (counts["registered"], counts["waitlisted"]) == (8, 15), "the new seats went to the first in line"
        stale = await hub(p).put(f"/trainings/{tid}", json=_plan_only(t, capacity=9), headers=center)
        assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
        again = {**p.token(*CENTER), "If-Match": revised.headers["ETag"]}
        cancelled, *_ = await asyncio.gather(
            hub(p).post(f"/trainings/{tid}/cancellation", json={"reason_ja": "会場の都合"}, headers=again),
            *(register(p, tid, f"late-{i}") for i in range(10)),
        )
        assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled"), cancelled.text


async def test_the_center_cancels_any_registration_with_a_reason_and_the_first_waiting_takes_the_seat(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = hub_settings(api_backend, nats_url, bus_namespace, issuer, per_window=100)
    async with platform({"info-hub": settings}, issuer) as p:
        t = await announced(p, plan(capacity=1, audience=("staff", "citizens")))
        tid = t["id"]
        squatter = await hub(p).post(
            f"/trainings/{tid}/citizen-registrations", json={"name": "架空 太郎", "email": "hanako@example.jp"}
        )
        waiting = await register(p, tid, "staff-w")
        assert (squatter.json()["seat"], waiting.json()["seat"]) == ("registered", "waitlisted")
        rid = squatter.json()["registration_id"]
        reason = {"reason_ja": "本人からの申出により取消", "reason_en": "At the address holder's request"}
        done = await hub(p).post(
            f"/trainings/{tid}/registrations/{rid}/cancellation", json=reason, headers=p.token(*CENTER)
        )
        assert done.status_code == 200, done.text
        assert private(done)
        body = done.json()
        assert (body["seat"], body["cancelled_by"]) == ("cancelled", "center")
        assert body["cancellation_reason"] == {"ja": reason["reason_ja"], "en": reason["reason_en"]}
        promoted = await hub(p).get(
            f"/trainings/{tid}/registrations/{waiting.json()['registration_id']}", headers=p.token("staff-w", "staff")
        )
        assert (promoted.json()["seat"], promoted.json()["position"]) == ("registered", None)
        # The address is free again: Hanako registers herself (and waits: the seat went to the first in line).
        hanako = await hub(p).post(
            f"/trainings/{tid}/citizen-registrations", json={"name": "国分寺 花子", "email": "Hanako@example.jp"}
        )
        assert (hanako.status_code, hanako.json()["seat"]) == (201, "waitlisted"), hanako.text
        twice = await hub(p).post(
            f"/trainings/{tid}/registrations/{rid}/cancellation", json=reason, headers=p.token(*CENTER)
        )
        assert (twice.status_code, twice.json()["code"]) == (409, "registration_cancelled")


async def test_an_online_link_is_for_the_center_and_registrants_holding_a_seat_and_registrations_stay_private(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = hub_settings(api_backend, nats_url, bus_namespace, issuer, per_window=100)
    link = "https://meet.example/j/123?pwd=secret"
    async with platform({"info-hub": settings}, issuer) as p:
        t = await announced(p, plan(timedelta(days=4), capacity=1, place=None, online_url=link))
        tid = t["id"]
        assert t["online_url"] == link, "the center's answer"
        seated = await register(p, tid, "staff-1")
        waiting = await register(p, tid, "staff-2")
        assert seated.json()["online_url"] == link
        assert waiting.json()["online_url"] is None
        assert private(seated)
        assert private(waiting)
        location = urljoin(f"http://hub/api/info-hub/trainings/{tid}/registrations", seated.headers["Location"])
        assert location == f"http://hub/api/info-hub/trainings/{tid}/registrations/{seated.json()['registration_id']}"
        mine = await hub(p).get(f"/trainings/{tid}/registrations/mine", headers=p.token("staff-1", "staff"))
        assert private(mine)
        assert mine.json()["items"][0]["online_url"] == link
        listed = await hub(p).get(f"/trainings/{tid}/registrations", headers=p.token(*CENTER))
        assert private(listed)
        center = (await hub(p).get(f"/trainings/{tid}", headers=p.token(*CENTER))).json()
        assert (center["online"], center["online_url"]) == (True, link)

        async def public_list() -> bytes | None:
            page = await hub(p).get("/trainings")
            return page.content if tid.encode() in page.content else None

        blob: bytes = await eventually(public_list, timeout=20)
        one = await hub(p).get(f"/trainings/{tid}")
        assert (one.json()["online"], one.json()["online_url"]) == (True, None)
        for path in ("/trainings.ics", f"/trainings/{tid}.ics"):
            blob += (await hub(p).get(path)).content
        blob += one.content + (await hub(p).get(f"/trainings/{tid}", headers=p.token("staff-2", "staff"))).content
        assert b"meet.example" not in blob
        assert "オンライン開催".encode() in blob


async def test_a_suspended_or_lapsed_group_s_people_do_not_register_for_it(
    api_backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = {
        "registry": settings_for("registry", api_backend, nats_url, bus_namespace, issuer),
        "info-hub": hub_settings(api_backend, nats_url, bus_namespace, issuer, per_window=100),
    }
    async with platform(settings, issuer) as p:
        group_id = await hub_group(p, "rep-s", "ひだまりの会")
        t = await announced(p, plan(audience=("groups",)))
        db = kernel(p).application.db
        for standing in ("suspended", "lapsed"):
            # The directory as info-hub heard it from the registry (its own query table).
            with db.transaction() as tx:
                tx.execute("UPDATE directory_groups SET status = %s WHERE group_id = %s", (standing, group_id))
            refused = await hub(p).post(
                f"/trainings/{t['id']}/registrations", json={"group_id": group_id}, headers=p.token("rep-s", "group")
            )
            assert (refused.status_code, refused.json()["code"]) == (403, "not_for_group"), (standing, refused.text)
        with db.transaction() as tx:
            tx.execute("UPDATE directory_groups SET status = 'registered' WHERE group_id = %s", (group_id,))
        admitted = await hub(p).post(
            f"/trainings/{t['id']}/registrations", json={"group_id": group_id}, headers=p.token("rep-s", "group")
        )
        assert admitted.status_code == 201, admitted.text
