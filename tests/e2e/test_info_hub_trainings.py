"""The center's trainings end to end, on SQLite and PostgreSQL with real NATS: 200 registrations at once for 50
seats (exactly 50 registered, 150 waitlisted in the store's order, promotion on cancellation, never 51); a training's
life from draft to minutes with the reminder timer by the moved clock, attendance, the iCalendar feeds parsed back,
the contracts on info-hub's stream, and `kyodo audit verify` clean.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import icalendar

from kyodo_contracts import Contract
from kyodo_contracts import info_hub_trainings as c
from kyodo_contracts.cloudevents import decode_as
from kyodo_shared.web.devissuer import DevIssuer

from support.bus import published_bodies
from support.cli import cli_env
from support.harness import Backend, eventually, platform
from support.info_hub_trainings import (
    CENTER,
    announced,
    another_replica,
    hub,
    hub_settings,
    kernel,
    move_hub_clock,
    plan,
)


async def test_two_hundred_registrations_at_once_on_two_replicas_fill_fifty_seats_and_wait_in_the_store_s_order(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = hub_settings(backend, nats_url, bus_namespace, issuer)
    async with platform({"info-hub": settings}, issuer) as p, another_replica(settings) as second:
        training = await announced(p, plan(capacity=50, audience=("staff",)))
        tid = training["id"]
        # Half through each replica: their saves race in the store, and the losers are tried again.
        replicas = (hub(p), second)
        answers = await asyncio.gather(
            *(
                replicas[i % 2].post(
                    f"/trainings/{tid}/registrations", json={}, headers=p.token(f"staff-{i:03}", "staff")
                )
                for i in range(200)
            )
        )
        assert {a.status_code for a in answers} == {201}, [a.text for a in answers if a.status_code != 201][:3]
        seats = [a.json()["seat"] for a in answers]
        assert (seats.count("registered"), seats.count("waitlisted")) == (50, 150)

        pages = [
            await hub(p).get(f"/trainings/{tid}/registrations?per_page=100&page={n}", headers=p.token(*CENTER))
            for n in (1, 2)
        ]
        items = [i for page in pages for i in page.json()["items"]]
        assert pages[1].json()["total"] == 200
        listed = pages[0]
        assert listed.json()["counts"] == {
            "capacity": 50,
            "registered": 50,
            "waitlisted": 150,
            "attended": 0,
            "seats_left": 0,
        }
        # The list is the store's order of acceptance: the first 50 hold the seats, the rest wait 1..150 in order.
        assert [i["seat"] for i in items] == ["registered"] * 50 + ["waitlisted"] * 150
        assert [i["position"] for i in items[50:]] == list(range(1, 151))
        stored = list(kernel(p).application.events.get(UUID(tid)))
        accepted = [e.registration_id for e in stored if type(e).__name__ in ("Registered", "Waitlisted")]
        assert accepted == [i["registration_id"] for i in items]
        # Never more than the capacity, at any version.
        assert max(e.counts["registered"] for e in stored if hasattr(e, "counts")) == 50

        first_seat, first_waiting = items[0], items[50]
        cancelled = await hub(p).delete(
            f"/trainings/{tid}/registrations/{first_seat['registration_id']}",
            headers=p.token(first_seat["sub"], "staff"),
        )
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["seat"] == "cancelled"
        promoted = await hub(p).get(
            f"/trainings/{tid}/registrations/{first_waiting['registration_id']}",
            headers=p.token(first_waiting["sub"], "staff"),
        )
        assert (promoted.json()["seat"], promoted.json()["position"]) == ("registered", None)
        public = (await hub(p).get(f"/trainings/{tid}")).json()
        assert public["counts"] == {"capacity": 50, "registered": 50, "waitlisted": 149, "attended": 0, "seats_left": 0}

        async def all_changes() -> list[dict[str, Any]] | None:
            bodies = await published_bodies(nats_url, bus_namespace, "info-hub", "training.registrations_changed.v1")
            return bodies if len(bodies) == 202 else None

        changes = await eventually(all_changes, timeout=30)
        assert max(b["counts"]["registered"] for b in changes) == 50
        assert [b["change"] for b in changes[-2:]] == ["cancelled", "promoted"]
        assert all(set(b) == {"training_id", "change", "counts", "at"} for b in changes), "counts only, no registrant"


async def test_an_exchange_meeting_is_announced_reminded_attended_minuted_and_cancelled_courses_show_in_the_feed(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, tmp_path: Path
) -> None:
    settings = hub_settings(backend, nats_url, bus_namespace, issuer)
    async with platform({"info-hub": settings}, issuer) as p:
        meeting = await announced(p, plan(timedelta(days=3), kind="exchange_meeting", audience=("staff", "citizens")))
        mid = meeting["id"]
        course = await announced(
            p, plan(timedelta(days=5), kind="course", place=None, online_url="https://meet.example/x")
        )
        moved = {k: v for k, v in meeting.items() if k in _PLAN} | {"place": "市民活動センター 会議室B"}
        revised = await hub(p).put(
            f"/trainings/{mid}", json=moved, headers={**p.token(*CENTER), "If-Match": f'"{meeting["version"]}"'}
        )
        assert (revised.status_code, revised.json()["place"]) == (200, "市民活動センター 会議室B"), revised.text
        staff = await hub(p).post(f"/trainings/{mid}/registrations", json={}, headers=p.token("staff-a", "staff"))
        assert staff.status_code == 201, staff.text
        cancelled = await hub(p).post(
            f"/trainings/{course['id']}/cancellation",
            json={"reason_ja": "講師の都合により中止します"},
            headers={**p.token(*CENTER), "If-Match": f'"{course["version"]}"'},
        )
        assert cancelled.status_code == 200, cancelled.text

        # Both in the public list and the feed (the projection is eventually consistent).
        async def listed() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (await hub(p).get("/trainings")).json()["items"]
            return items if len(items) == 2 and items[1]["status"] == "cancelled" else None

        items = await eventually(listed, timeout=20)
        assert [i["id"] for i in items] == [mid, course["id"]]
        courses = (await hub(p).get("/trainings", params={"kind": "course"})).json()["items"]
        assert [i["id"] for i in courses] == [course["id"]]
        # The meeting is for staff and citizens, the course (plan's default) for groups too.
        for_groups = (await hub(p).get("/trainings", params={"audience": "groups"})).json()["items"]
        assert [i["id"] for i in for_groups] == [course["id"]]
        feed = await hub(p).get("/trainings.ics")
        assert feed.headers["content-type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(feed.content)
        events: dict[str, Any] = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == {f"{mid}@kyodo.info-hub", f"{course['id']}@kyodo.info-hub"}
        assert str(events[f"{course['id']}@kyodo.info-hub"]["status"]) == "CANCELLED"
        one = events[f"{mid}@kyodo.info-hub"]
        assert one["dtstart"].dt == datetime.fromisoformat(meeting["starts_at"])
        assert one["dtstart"].params["TZID"] == "Asia/Tokyo"
        assert str(one["location"]) == "市民活動センター 会議室B"
        assert all(e.get("dtstamp") and e.get("dtend") and e.get("summary") for e in events.values())
        # The plan's last change and version: the staff registration changed neither.
        changed = datetime.fromisoformat(revised.json()["plan_changed_at"]).replace(microsecond=0)
        assert one["dtstamp"].dt == one["last-modified"].dt == changed
        assert int(one["sequence"]) == revised.json()["version"] == meeting["version"] + 1
        online = events[f"{course['id']}@kyodo.info-hub"]
        assert "オンライン" in str(online["location"])
        assert b"meet.example" not in feed.content
        assert (await hub(p).get(f"/trainings/{mid}.ics")).content == (
            await hub(p).get(f"/trainings/{mid}.ics")
        ).content
        assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Asia/Tokyo"
        single = icalendar.Calendar.from_ical((await hub(p).get(f"/trainings/{mid}.ics")).content)
        assert [str(e["uid"]) for e in single.walk("VEVENT")] == [f"{mid}@kyodo.info-hub"]

        # A day before the start the reminder timer fires: counts only.
        starts = datetime.fromisoformat(meeting["starts_at"])
        move_hub_clock(p, starts - timedelta(hours=20))
        kernel(p).nudge()
        reminders = await eventually(
            lambda: published_bodies(nats_url, bus_namespace, "info-hub", "training.reminder_due.v1"), timeout=30
        )
        assert reminders[0]["training_id"] == mid
        assert reminders[0]["counts"]["registered"] == 1

        # After the end: attendance and the minutes.
        move_hub_clock(p, starts + timedelta(hours=3))
        current = (await hub(p).get(f"/trainings/{mid}")).json()
        present = await hub(p).put(
            f"/trainings/{mid}/attendance",
            json={"registration_ids": [staff.json()["registration_id"]]},
            headers={**p.token(*CENTER), "If-Match": f'"{current["version"]}"'},
        )
        assert present.status_code == 200, present.text
        assert present.json()["counts"]["attended"] == 1
        minuted = await hub(p).put(
            f"/trainings/{mid}/minutes",
            json={"minutes_ja": "参加者から協働の進め方について意見が出された。"},
            headers={**p.token(*CENTER), "If-Match": f'"{present.json()["version"]}"'},
        )
        assert minuted.status_code == 200, minuted.text
        assert minuted.json()["minutes"]["revision"] == 1
        late = await hub(p).delete(
            f"/trainings/{mid}/registrations/{staff.json()['registration_id']}", headers=p.token("staff-a", "staff")
        )
        assert (late.status_code, late.json()["code"]) == (409, "training_started")

        await contracts_on_the_stream(nats_url, bus_namespace, mid, course["id"])
        app = kernel(p).application
        await eventually(lambda: kernel(p).chain.head()[0] >= app.recorder.max_notification_id(), timeout=20)

    env = cli_env(settings)
    pins = ["--pin", str(tmp_path / "pins.json")]
    verify = [sys.executable, "-m", "kyodo_shared.cli.main", "audit", "verify", "info-hub", *pins]
    verified = await asyncio.to_thread(subprocess.run, verify, env=env, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr


_PLAN = (
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
)


async def contracts_on_the_stream(nats_url: str, namespace: str, mid: str, cid: str) -> None:
    """Each published contract, decoded as its type from info-hub's stream."""
    import nats

    from kyodo_contracts import stream_name
    from kyodo_contracts.cloudevents import H_TYPE

    expected: dict[str, type[Contract]] = {
        "training.announced.v1": c.TrainingAnnounced,
        "training.revised.v1": c.TrainingRevised,
        "training.cancelled.v1": c.TrainingCancelled,
        "training.registrations_changed.v1": c.TrainingRegistrationsChanged,
        "training.reminder_due.v1": c.TrainingReminderDue,
        "training.attendance_recorded.v1": c.TrainingAttendanceRecorded,
        "training.minutes_published.v1": c.TrainingMinutesPublished,
    }

    async def seen() -> dict[str, list[Any]] | None:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            name = stream_name(namespace, "info-hub")
            last = int((await js.stream_info(name)).state.last_seq)
            found: dict[str, list[Any]] = {}
            for seq in range(1, last + 1):
                msg = await js.get_msg(name, seq)
                kind = str((msg.headers or {}).get(H_TYPE, ""))
                for suffix, contract in expected.items():
                    if kind.endswith(suffix):
                        found.setdefault(suffix, []).append(decode_as(contract, msg.headers or {}, msg.data or b"")[1])
            return found if set(found) == set(expected) else None
        finally:
            await nc.close()

    found = await eventually(seen, timeout=30)
    announced_ids = {str(e.training_id) for e in found["training.announced.v1"]}
    assert announced_ids == {mid, cid}
    assert str(found["training.minutes_published.v1"][0].training_id) == mid
    assert found["training.revised.v1"][0].plan.place == "市民活動センター 会議室B"
    course = next(e for e in found["training.announced.v1"] if str(e.training_id) == cid)
    assert (course.plan.online, course.plan.place) == (True, None), "online, without the link"
    assert found["training.attendance_recorded.v1"][0].counts.attended == 1
