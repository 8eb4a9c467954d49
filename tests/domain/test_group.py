"""The group aggregate: six criteria, each assessed once, and the decision that follows from them."""

from __future__ import annotations

import uuid

import pytest

from kyodo_registry.bus import to_contracts
from kyodo_registry.domain import CRITERIA, Group, RegistryError
from kyodo_shared.contracts.registry import GroupRegistered, GroupRejected

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "a"}


def new_group() -> Group:
    profile = {"name": "国分寺みどりの会", "purpose": "緑地保全", "fields_of_activity": ["環境保全"], "area": "南町"}
    personal = {"name": "山田 花子", "email": "hanako@example.jp", "phone": "042-300-0000"}
    return Group(uuid.uuid4(), profile, "rep-1", personal, dict.fromkeys(CRITERIA, "根拠"), TRACE, "00" * 16)


def test_registers_a_group_when_all_six_criteria_are_met() -> None:
    group = new_group()
    for criterion in CRITERIA:
        group.assess(criterion, True, "確認", "coord", TRACE)
    assert group.status == "registered"


@pytest.mark.parametrize("unmet", CRITERIA)
def test_rejects_a_group_with_the_unmet_criterion_and_its_reason(unmet: str) -> None:
    group = new_group()
    for criterion in CRITERIA:
        group.assess(criterion, criterion != unmet, f"{criterion} の判断理由", "coord", TRACE)
    assert group.status == "rejected"
    rejected = [c for e in group.collect_events() for c in to_contracts(e) if isinstance(c, GroupRejected)]
    assert [(u.criterion.value, u.reason) for u in rejected[0].unmet] == [(unmet, f"{unmet} の判断理由")]


def test_refuses_to_assess_a_criterion_twice() -> None:
    group = new_group()
    group.assess(CRITERIA[0], True, "確認", "coord", TRACE)
    with pytest.raises(RegistryError) as error:
        group.assess(CRITERIA[0], False, "再審査", "coord", TRACE)
    assert error.value.code == "criterion_already_assessed"


def test_refuses_an_assessment_after_the_decision() -> None:
    group = new_group()
    for criterion in CRITERIA:
        group.assess(criterion, True, "確認", "coord", TRACE)
    with pytest.raises(RegistryError) as error:
        group.assess(CRITERIA[0], True, "確認", "coord", TRACE)
    assert error.value.code == "application_closed"


def test_no_published_contract_carries_the_representatives_personal_data() -> None:
    group = new_group()
    for criterion in CRITERIA:
        group.assess(criterion, True, "確認", "coord", TRACE)
    contracts = [c for e in group.collect_events() for c in to_contracts(e)]
    assert any(isinstance(c, GroupRegistered) for c in contracts)
    for text in (c.model_dump_json() for c in contracts):
        for value in ("山田", "hanako@example.jp", "042-300-0000"):
            assert value not in text
