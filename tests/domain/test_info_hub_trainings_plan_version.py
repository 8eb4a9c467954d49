"""The Training aggregate's plan version (the center's ETag: registrations never change it), the center's
cancellation of any registration with its reason, the online link kept out of the public view, and the traces of
promotions and reminders — expectations derived by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kyodo_info_hub.trainings import Seat, Training
from kyodo_shared.domain.refusals import Refusal

from support.training_plans import BEFORE, START, TRACE, plan


def announced(**overrides: Any) -> Training:
    t = Training("training", plan(**overrides), (START - timedelta(days=31)).isoformat(), TRACE)
    t.announce((START - timedelta(days=31)).isoformat(), TRACE)
    return t


def staff(sub: str) -> dict[str, Any]:
    return {"kind": "staff", "key": f"staff:{sub}", "sub": sub}


def refused(code: str, call: Any) -> None:
    with pytest.raises(Refusal) as caught:
        call()
    assert caught.value.code == code


CENTER_TRACE = {"correlation_id": "k", "causation_id": "k", "actor": "coord-2"}


def test_the_plan_version_moves_with_the_center_s_commands_only_and_stamps_when_the_plan_changed() -> None:
    drafted_at = (START - timedelta(days=31)).isoformat()
    t = Training("exchange_meeting", plan(capacity=1), drafted_at, TRACE)
    assert (t.plan_version, t.plan_changed_at) == (1, drafted_at)
    t.announce(drafted_at, TRACE)
    assert t.plan_version == 2
    for i in range(3):
        t.register(f"r{i}", staff(f"s{i}"), BEFORE, TRACE)
    t.cancel_registration("r0", BEFORE, TRACE)
    t.remind(START.isoformat())
    assert (t.plan_version, t.plan_changed_at) == (2, drafted_at), "registrations, promotions, reminders: none"
    assert t.version == 8
    t.revise(plan(capacity=2), BEFORE, TRACE)
    assert (t.plan_version, t.plan_changed_at, t.public()["version"]) == (3, BEFORE, 3)
    after = (START + timedelta(hours=3)).isoformat()
    t.record_attendance(["r1"], after, TRACE)
    t.publish_minutes("議事録", None, after, TRACE)
    assert (t.plan_version, t.plan_changed_at) == (5, after)


def test_the_center_cancels_any_registration_with_its_reason_and_the_first_waiting_takes_the_seat() -> None:
    t = announced()
    for i in range(3):
        t.register(f"r{i}", staff(f"s{i}"), BEFORE, TRACE)
    t.collect_events()
    t.cancel_registration("r0", BEFORE, CENTER_TRACE, ("電話で取消の連絡", "Cancelled by phone"))
    cancelled, promoted = t.collect_events()
    assert (type(cancelled).__name__, type(promoted).__name__) == ("RegistrationCancelled", "Promoted")
    assert (cancelled.cancelled_by, cancelled.reason_ja, cancelled.reason_en) == (
        "center",
        "電話で取消の連絡",
        "Cancelled by phone",
    )
    assert (promoted.registration_id, promoted.trace) == ("r2", CENTER_TRACE), "caused by the cancellation"
    assert t.registrations["r0"]["cancelled_by"] == "center"
    assert t.registrations["r0"]["cancellation_reason"] == {"ja": "電話で取消の連絡", "en": "Cancelled by phone"}
    assert t.registrations["r2"]["seat"] == Seat.REGISTERED
    t.cancel_registration("r1", BEFORE, TRACE)
    (own,) = t.collect_events()
    assert (own.cancelled_by, own.reason_ja) == ("registrant", None)
    refused("registration_cancelled", lambda: t.cancel_registration("r0", BEFORE, CENTER_TRACE, ("再度", None)))


def test_a_registration_cancelled_before_the_center_could_cancel_replays_as_the_registrant_s() -> None:
    t = announced()
    t.register("r0", staff("s0"), BEFORE, TRACE)
    t.collect_events()
    t.cancel_registration("r0", BEFORE, TRACE)
    (event,) = t.collect_events()
    # A stored event of the earlier shape (no cancelled_by, no reason) still applies.
    for name in ("cancelled_by", "reason_ja", "reason_en"):
        event.__dict__.pop(name)
    again = announced()
    again.register("r0", staff("s0"), BEFORE, TRACE)
    object.__setattr__(event, "originator_version", again.version + 1)
    object.__setattr__(event, "originator_id", again.id)
    event.mutate(again)
    assert (again.registrations["r0"]["seat"], again.registrations["r0"]["cancelled_by"]) == ("cancelled", "registrant")


def test_an_online_training_says_online_in_public_and_keeps_its_link_for_the_plan() -> None:
    t = announced(place=None, online_url="https://meet.example/x?pwd=secret")
    public = t.public()
    assert public["online"] is True
    assert "online_url" not in public
    assert "meet.example" not in repr(public)
    assert t.plan["online_url"] == "https://meet.example/x?pwd=secret"
    assert announced().public()["online"] is False


def test_a_reminder_carries_the_timer_s_trace() -> None:
    t = announced()
    t.collect_events()
    timer = {"correlation_id": "t", "causation_id": "t", "actor": "system:reminder-timer"}
    assert t.remind(START.isoformat(), timer)
    (event,) = t.collect_events()
    assert event.trace == timer
