"""The center's Training aggregate alone: the plan's rules, seats then the waitlist, one registration per person,
promotion in order, attendance, minutes and the reminder — expectations derived by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kyodo_info_hub.trainings import Seat, Status, Training, check_plan
from kyodo_shared.domain.refusals import Refusal

from support.training_plans import BEFORE, START, TRACE, plan


def announced(kind: str = "training", **overrides: Any) -> Training:
    t = Training(kind, plan(**overrides), (START - timedelta(days=31)).isoformat(), TRACE)
    t.announce((START - timedelta(days=31)).isoformat(), TRACE)
    return t


def staff(sub: str) -> dict[str, Any]:
    return {"kind": "staff", "key": f"staff:{sub}", "sub": sub}


def refused(code: str, call: Any, field: str | None = None) -> None:
    with pytest.raises(Refusal) as caught:
        call()
    assert caught.value.code == code
    if field is not None:
        assert caught.value.data["field"] == field


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"ends_at": START.isoformat()}, "ends_at", "ends_before_start"),
        ({"online_url": "https://meet.example/x"}, "place", "place_or_online"),
        ({"place": None}, "place", "place_or_online"),
        ({"place": None, "online_url": "http://meet.example/x"}, "online_url", "online_url_https"),
        ({"audience": []}, "audience", "audience_invalid"),
        ({"audience": ["staff", "staff"]}, "audience", "audience_invalid"),
        ({"audience": ["everyone"]}, "audience", "audience_invalid"),
        ({"registration_closes_at": (START + timedelta(minutes=1)).isoformat()}, "registration_closes_at", None),
        ({"registration_opens_at": START.isoformat()}, "registration_closes_at", "registration_window"),
    ],
)
def test_a_plan_breaking_a_rule_between_its_fields_is_refused_naming_the_field(
    overrides: dict[str, Any], field: str, rule: str | None
) -> None:
    with pytest.raises(Refusal) as caught:
        check_plan(plan(**overrides))
    assert (caught.value.code, caught.value.data["field"]) == ("invalid_training", field)
    if rule is not None:
        assert caught.value.data["rule"] == rule


def test_seats_are_taken_in_order_then_the_waitlist_fills_and_each_event_counts_what_follows() -> None:
    t = announced()
    seats = [t.register(f"r{i}", staff(f"s{i}"), BEFORE, TRACE) for i in range(4)]
    assert seats == [Seat.REGISTERED, Seat.REGISTERED, Seat.WAITLISTED, Seat.WAITLISTED]
    assert (t.position("r2"), t.position("r3"), t.position("r0")) == (1, 2, None)
    events = t.collect_events()
    counts = [e.counts for e in events if type(e).__name__ in ("Registered", "Waitlisted")]
    assert [(c["registered"], c["waitlisted"], c["seats_left"]) for c in counts] == [
        (1, 0, 1),
        (2, 0, 0),
        (2, 1, 0),
        (2, 2, 0),
    ]


def test_one_person_registers_once_and_may_register_again_after_cancelling() -> None:
    t = announced()
    t.register("r1", staff("s1"), BEFORE, TRACE)
    refused("already_registered", lambda: t.register("r2", staff("s1"), BEFORE, TRACE))
    t.cancel_registration("r1", BEFORE, TRACE)
    assert t.register("r3", staff("s1"), BEFORE, TRACE) == Seat.REGISTERED


def test_cancelling_a_seat_promotes_the_first_waiting_in_the_same_save_and_a_waiting_cancellation_promotes_none() -> (
    None
):
    t = announced()
    for i in range(4):
        t.register(f"r{i}", staff(f"s{i}"), BEFORE, TRACE)
    t.collect_events()
    t.cancel_registration("r3", BEFORE, TRACE)
    assert [type(e).__name__ for e in t.collect_events()] == ["RegistrationCancelled"]
    t.cancel_registration("r0", BEFORE, TRACE)
    pending = t.collect_events()
    assert [type(e).__name__ for e in pending] == ["RegistrationCancelled", "Promoted"]
    assert pending[1].registration_id == "r2"
    assert pending[1].counts == {"capacity": 2, "registered": 2, "waitlisted": 0, "attended": 0, "seats_left": 0}
    assert t.registrations["r2"]["seat"] == Seat.REGISTERED
    refused("registration_cancelled", lambda: t.cancel_registration("r0", BEFORE, TRACE))


def test_registration_needs_the_window_the_audience_and_an_announced_training() -> None:
    draft = Training("course", plan(), BEFORE, TRACE)
    refused("training_not_found", lambda: draft.register("r", staff("s"), BEFORE, TRACE))
    t = announced(audience=["citizens"])
    refused("not_in_audience", lambda: t.register("r", staff("s"), BEFORE, TRACE))
    early = (START - timedelta(days=40)).isoformat()
    citizen = {"kind": "citizen", "key": "email:x", "subject": "s", "sealed": {}, "token_hash": "h"}
    refused("registration_closed", lambda: t.register("r", citizen, early, TRACE))
    refused("registration_closed", lambda: t.register("r", citizen, START.isoformat(), TRACE))


def test_a_draft_is_not_cancelled_so_no_plan_nobody_was_told_about_reaches_the_public_list() -> None:
    draft = Training("course", plan(), BEFORE, TRACE)
    refused("training_not_announced", lambda: draft.cancel("中止", None, BEFORE, TRACE))
    assert (draft.status, draft.cancelled) == (Status.DRAFT, None)
    t = announced()
    t.cancel("中止", None, BEFORE, TRACE)
    assert t.status == Status.CANCELLED


def test_after_the_start_no_cancellation_and_attendance_names_only_seated_registrations() -> None:
    t = announced()
    for i in range(3):
        t.register(f"r{i}", staff(f"s{i}"), BEFORE, TRACE)
    after = (START + timedelta(minutes=5)).isoformat()
    refused("training_not_started", lambda: t.record_attendance(["r0"], BEFORE, TRACE))
    refused("training_started", lambda: t.cancel_registration("r0", after, TRACE))
    refused("attendance_invalid", lambda: t.record_attendance(["r2"], after, TRACE), "registration_ids")
    refused("attendance_invalid", lambda: t.record_attendance(["r0", "r0"], after, TRACE), "registration_ids")
    t.record_attendance(["r1", "r0"], after, TRACE)
    assert (t.attended, t.counts()["attended"]) == (["r0", "r1"], 2)


def test_more_seats_by_revision_promote_the_waiting_and_fewer_than_registered_are_refused() -> None:
    t = announced()
    for i in range(4):
        t.register(f"r{i}", staff(f"s{i}"), BEFORE, TRACE)
    refused("invalid_training", lambda: t.revise(plan(capacity=1), BEFORE, TRACE), "capacity")
    t.collect_events()
    t.revise(plan(capacity=3), BEFORE, TRACE)
    pending = t.collect_events()
    assert [type(e).__name__ for e in pending] == ["Revised", "Promoted"]
    assert (pending[0].announced, pending[1].registration_id, t.waitlist) == (True, "r2", ["r3"])


def test_minutes_are_for_an_exchange_meeting_that_has_ended_and_a_second_publication_is_a_revision() -> None:
    ended = (START + timedelta(hours=3)).isoformat()
    refused("minutes_for_exchange_meetings", lambda: announced().publish_minutes("議事録", None, ended, TRACE))
    meeting = announced("exchange_meeting")
    refused("training_not_ended", lambda: meeting.publish_minutes("議事録", None, START.isoformat(), TRACE))
    meeting.publish_minutes("議事録", None, ended, TRACE)
    meeting.publish_minutes("議事録（訂正）", "Minutes", ended, TRACE)
    assert meeting.minutes == {"ja": "議事録（訂正）", "en": "Minutes", "revision": 2, "published_at": ended}


def test_the_reminder_goes_out_once_for_the_start_in_force_and_never_for_a_cancelled_training() -> None:
    t = announced()
    assert not t.remind((START + timedelta(days=1)).isoformat())
    assert t.remind(START.isoformat())
    assert not t.remind(START.isoformat())
    c = announced()
    c.cancel("会場の都合", None, BEFORE, TRACE)
    assert c.status == Status.CANCELLED
    assert not c.remind(START.isoformat())
    refused("training_cancelled", lambda: c.announce(BEFORE, TRACE))


def test_the_public_view_counts_registrations_and_names_nobody() -> None:
    t = announced()
    t.register(
        "r1",
        {"kind": "citizen", "key": "email:k", "subject": "subj", "sealed": {"ct": "x"}, "token_hash": "h"},
        BEFORE,
        TRACE,
    )
    public = t.public()
    assert public["counts"] == {"capacity": 2, "registered": 1, "waitlisted": 0, "attended": 0, "seats_left": 1}
    text = repr(public)
    assert all(word not in text for word in ("subj", "email:k", "r1", "token_hash", "sealed"))
