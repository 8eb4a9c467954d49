"""A training's capacity is never exceeded (hypothesis): for generated sequences of registrations, cancellations (by
the registrant or the center) and revisions of the capacity, the aggregate agrees after every step with a model
written here — seats taken in arrival order while free, then a first-come waitlist whose first takes each freed
seat, more seats going to the first in line, a capacity below the seated refused with nothing changed — and the
counts every event carries are the state it leaves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_info_hub.trainings import Seat, Training
from kyodo_shared.domain.refusals import Refusal

from support.training_plans import BEFORE, START, TRACE, plan

PEOPLE = 8
steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(0, PEOPLE - 1)),
        st.tuples(st.just("cancel"), st.integers(0, PEOPLE - 1)),
        st.tuples(st.just("capacity"), st.integers(1, 6)),
    ),
    max_size=40,
)


@contextmanager
def refused_or_done() -> Iterator[list[bool]]:
    outcome = [False]
    try:
        yield outcome
    except Refusal:
        outcome[0] = True


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4), steps)
def test_seats_never_exceed_the_capacity_and_the_waitlist_moves_first_come_first_served(
    capacity: int, script: list[tuple[str, int]]
) -> None:
    training = Training("training", plan(capacity=capacity), (START - timedelta(days=31)).isoformat(), TRACE)
    training.announce((START - timedelta(days=31)).isoformat(), TRACE)
    training.collect_events()
    # The model: who sits, who waits (in order), the capacity. One active registration per person; a person who
    # cancelled may register again (at the back).
    seated: list[int] = []
    waiting: list[int] = []
    rid_of: dict[int, str] = {}  # each person's latest registration
    for action, value in script:
        if action == "register":
            with refused_or_done() as refused:
                rid = f"r{value}-{len(training.registrations)}"  # a fresh id per registration, as the service's
                seat = training.register(
                    rid, {"kind": "staff", "key": f"staff:{value}", "sub": f"s{value}"}, BEFORE, TRACE
                )
                rid_of[value] = rid
            assert refused[0] == (value in seated or value in waiting)
            if not refused[0]:
                if len(seated) < capacity:
                    seated.append(value)
                    assert seat == Seat.REGISTERED
                else:
                    waiting.append(value)
                    assert seat == Seat.WAITLISTED
        elif action == "cancel":
            with refused_or_done() as refused:
                training.cancel_registration(rid_of.get(value, f"never-{value}"), BEFORE, TRACE)
            assert refused[0] == (value not in seated and value not in waiting)
            if value in seated:
                seated.remove(value)
                if waiting:
                    seated.append(waiting.pop(0))
            elif value in waiting:
                waiting.remove(value)
        else:
            with refused_or_done() as refused:
                training.revise(plan(capacity=value), BEFORE, TRACE)
            assert refused[0] == (value < len(seated))
            if not refused[0]:
                capacity = value
                while waiting and len(seated) < capacity:
                    seated.append(waiting.pop(0))
        counts = training.counts()
        assert counts["registered"] == len(seated) <= capacity == counts["capacity"]
        assert {r for r, x in training.registrations.items() if x["seat"] == Seat.REGISTERED} == {
            rid_of[p] for p in seated
        }
        assert training.waitlist == [rid_of[p] for p in waiting]
        assert not waiting or len(seated) == capacity, "someone waits beside a free seat"
        last: dict[str, Any] | None = None
        for event in training.collect_events():
            if hasattr(event, "counts"):
                last = event.counts
        if last is not None:
            assert (last["registered"], last["waitlisted"]) == (len(seated), len(waiting))
