"""The acting chair (委員長代理) on the committee aggregate: elected by members serving that day, recorded per
matter (a later election replaces an earlier one), published by `sub` only."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from kyodo_contracts.registry_org import CommitteeActingChairElected
from kyodo_registry.org.bus import ORG_OUTBOUND
from kyodo_registry.org.domain import ActingChair, Committee
from kyodo_shared.domain.refusals import Refusal

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "coord"}
SEALED = {"enc": "aes-256-gcm/v1", "person": "p", "key_id": "k", "nonce": "n", "ct": "c"}
APRIL, MARCH = date(2025, 4, 1), date(2027, 3, 31)
MATTER = "proposals:call:c-1"


def board(*members: str) -> Committee:
    committee = Committee(uuid.uuid4(), "review_board", "協働事業審査会", None, TRACE)
    for sub in members:
        committee.appoint(sub, APRIL, MARCH, SEALED, "00" * 16, TRACE)
    return committee


def refused(code: str) -> Any:
    return pytest.raises(Refusal, match=f"^{code}$")


def test_the_acting_chair_and_every_elector_must_be_serving_on_the_day_of_the_election() -> None:
    committee = board("m-1", "m-2", "m-3")
    committee.end_membership("m-3", date(2025, 12, 31), "resigned", TRACE)
    on = date(2026, 1, 5)
    with refused("not_a_member"):
        committee.elect_acting_chair(MATTER, "x-1", ["m-1"], on, TRACE)
    with refused("not_a_member"):
        committee.elect_acting_chair(MATTER, "m-1", ["m-2", "m-3"], on, TRACE)
    with refused("not_a_member"):
        committee.elect_acting_chair(MATTER, "m-1", [], on, TRACE)
    with refused("not_a_member"):
        committee.elect_acting_chair(MATTER, "m-1", ["m-2"], date(2027, 4, 1), TRACE)
    assert committee.acting_chairs == {}


def test_a_later_election_for_the_same_matter_replaces_the_earlier_and_other_matters_stay() -> None:
    committee = board("m-1", "m-2", "m-3")
    on = date(2026, 1, 5)
    committee.elect_acting_chair(MATTER, "m-1", ["m-2", "m-3"], on, TRACE)
    committee.elect_acting_chair("evaluation:project:p-1", "m-3", ["m-1"], on, TRACE)
    committee.elect_acting_chair(MATTER, "m-2", ["m-3", "m-2", "m-3"], on, TRACE)
    assert committee.acting_chairs == {
        MATTER: ActingChair(MATTER, "m-2", ("m-2", "m-3"), on),
        "evaluation:project:p-1": ActingChair("evaluation:project:p-1", "m-3", ("m-1",), on),
    }


def test_the_election_is_published_with_the_committee_the_matter_and_who_elected() -> None:
    committee = board("m-1", "m-2")
    committee.elect_acting_chair(MATTER, "m-1", ["m-2", "m-1"], date(2026, 1, 5), TRACE)
    event = committee.collect_events()[-1]
    assert isinstance(event, Committee.ActingChairElected)
    [contract] = ORG_OUTBOUND(event)
    assert contract == CommitteeActingChairElected(
        committee_id=committee.id,
        committee_kind="review_board",
        matter=MATTER,
        acting_chair_sub="m-1",
        elector_subs=["m-1", "m-2"],
        elected_on=date(2026, 1, 5),
    )
