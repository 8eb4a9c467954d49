"""The group aggregate: the six criteria, information requests, re-application, re-checks, renewal, lapse,
suspension, dissolution, contacts and the representative's handover — and what each publishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kyodo_contracts import Contract
from kyodo_contracts import registry as c
from kyodo_registry.bus import to_contracts
from kyodo_registry.domain import CRITERIA, RECHECKED, Group
from kyodo_shared.domain.refusals import Refusal

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "a"}
DUE = "2027-04-01"
BYLAWS = {"sha256": "a" * 64, "filename": "会則.txt", "media_type": "text/plain", "size": 10}
SEALED = {"ciphertext": "opaque"}


def new_group() -> Group:
    profile = {"name": "国分寺みどりの会", "purpose": "緑地保全", "fields_of_activity": ["環境保全"], "area": "南町"}
    return Group(uuid.uuid4(), profile, "rep-1", SEALED, dict.fromkeys(CRITERIA, "根拠"), BYLAWS, [], TRACE, "00" * 16)


def registered() -> Group:
    group = new_group()
    for criterion in CRITERIA:
        group.assess(criterion, True, "確認", "coord", DUE, TRACE)
    return group


_PUBLISHED: dict[uuid.UUID, list[Contract]] = {}


def published(group: Group) -> list[Contract]:
    """Everything the group published so far (collecting drains the pending events, so they are kept here)."""
    seen = _PUBLISHED.setdefault(group.id, [])
    seen.extend(contract for event in group.collect_events() for contract in to_contracts(event))
    return seen


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(Refusal) as error:
        yield
    assert error.value.code == code


def test_registers_a_group_when_all_six_criteria_are_met_with_its_renewal_due_date() -> None:
    group = registered()
    assert group.status == "registered"
    (decision,) = [e for e in published(group) if isinstance(e, c.GroupRegistered)]
    assert str(decision.renewal_due) == DUE


@pytest.mark.parametrize("unmet", CRITERIA)
def test_rejects_a_group_publishing_the_unmet_criterion_and_its_reason(unmet: str) -> None:
    group = new_group()
    for criterion in CRITERIA:
        group.assess(criterion, criterion != unmet, f"{criterion} の判断理由", "coord", DUE, TRACE)
    assert group.status == "rejected"
    (rejected,) = [e for e in published(group) if isinstance(e, c.GroupRejected)]
    assert [(u.criterion.value, u.reason) for u in rejected.unmet] == [(unmet, f"{unmet} の判断理由")]
    assessed = [e for e in published(group) if isinstance(e, c.CriterionAssessed) and e.criterion.value == unmet]
    assert assessed[0].met is False


def test_refuses_to_assess_a_criterion_twice_and_after_the_decision() -> None:
    group = new_group()
    group.assess(CRITERIA[0], True, "確認", "coord", DUE, TRACE)
    with refused("criterion_already_assessed"):
        group.assess(CRITERIA[0], False, "再審査", "coord", DUE, TRACE)
    group = registered()
    with refused("criterion_not_open"):
        group.assess(CRITERIA[0], True, "確認", "coord", DUE, TRACE)


def test_an_application_waits_for_requested_information_and_resumes_with_the_answer() -> None:
    group = new_group()
    group.assess(CRITERIA[0], True, "確認", "coord", DUE, TRACE)
    group.request_information(["formally_organized"], "総会の議事録を提出してください", "coord", TRACE)
    assert group.status == "information_requested"
    with refused("awaiting_information"):
        group.assess(CRITERIA[1], True, "確認", "coord", DUE, TRACE)
    with refused("criterion_not_open"):
        group.provide_information("回答", {CRITERIA[0]: "既に審査済み"}, "rep-1", TRACE)
    group.provide_information("議事録を添付します", {"formally_organized": "2025年度総会議事録"}, "rep-1", TRACE)
    assert group.status == "under_review"
    assert group.declarations["formally_organized"] == "2025年度総会議事録"
    kinds = [type(e) for e in published(group)]
    assert c.GroupInformationRequested in kinds
    assert c.GroupInformationProvided in kinds
    for criterion in CRITERIA[1:]:
        group.assess(criterion, True, "確認", "coord", DUE, TRACE)
    assert group.status == "registered"


def test_a_rejected_group_reapplies_and_is_assessed_afresh_in_a_new_round() -> None:
    group = new_group()
    for criterion in CRITERIA:
        group.assess(criterion, criterion != "private", "理由", "coord", DUE, TRACE)
    with refused("invalid_state"):
        group.renew({}, DUE, "rep-1", TRACE)
    group.reapply(group.profile, dict.fromkeys(CRITERIA, "新しい根拠"), BYLAWS, "rep-1", TRACE)
    assert (group.status, group.round, group.assessments) == ("under_review", 2, {})
    for criterion in CRITERIA:
        group.assess(criterion, True, "確認", "coord", DUE, TRACE)
    assert group.status == "registered"
    (again,) = [e for e in published(group) if isinstance(e, c.GroupReapplied)]
    assert again.round == 2


def test_changed_bylaws_reopen_criteria_5_and_6_while_the_group_stays_registered() -> None:
    group = registered()
    group.change_bylaws({**BYLAWS, "sha256": "b" * 64}, "rep-1", TRACE)
    assert group.status == "registered"
    assert group.recheck == list(RECHECKED)
    with refused("criterion_not_open"):
        group.assess("public_interest", True, "確認", "coord", DUE, TRACE)
    for criterion in RECHECKED:
        group.assess(criterion, True, "新しい会則を確認", "coord", DUE, TRACE)
    assert (group.status, group.recheck) == ("registered", [])
    kinds = [type(e) for e in published(group)]
    assert kinds[-1] == c.GroupRecheckPassed
    assert c.GroupBylawsChanged in kinds
    assert c.GroupRecheckOpened in kinds


def test_a_declared_tie_reopens_the_criteria_and_an_unmet_recheck_suspends_with_the_reason() -> None:
    group = registered()
    tie = {"tie_id": str(uuid.uuid4()), "kind": "political", "counterpart": "某政党支部", "description": "役員兼任"}
    group.declare_tie(tie, "rep-1", TRACE)
    group.assess("formally_organized", True, "確認", "coord", DUE, TRACE)
    group.assess("self_governing", False, "政党支部の役員が運営を指示している", "coord", DUE, TRACE)
    assert group.status == "suspended"
    assert "政党支部" in group.status_reason
    (tie_event,) = [e for e in published(group) if isinstance(e, c.GroupTieDeclared)]
    assert tie_event.kind == c.TieKind.POLITICAL
    assert any(isinstance(e, c.GroupSuspended) for e in published(group))


def test_unchanged_bylaws_are_refused() -> None:
    with refused("bylaws_unchanged"):
        registered().change_bylaws(BYLAWS, "rep-1", TRACE)


def test_lapses_only_when_the_renewal_due_on_that_date_is_still_outstanding_and_renews_back() -> None:
    group = registered()
    assert group.lapse("2099-01-01", TRACE) is False
    group.renew({"members_count": 12}, "2028-04-01", "rep-1", TRACE)
    assert group.lapse(DUE, TRACE) is False, "renewed: the old due date's timer finds nothing to do"
    assert group.lapse("2028-04-01", TRACE) is True
    assert group.status == "lapsed"
    assert group.lapse("2028-04-01", TRACE) is False, "a second firing changes nothing"
    group.renew({"members_count": 10}, "2029-05-01", "rep-1", TRACE)
    assert (group.status, group.renewal_due) == ("registered", "2029-05-01")
    kinds = [type(e) for e in published(group)]
    assert kinds.count(c.GroupRenewed) == 2
    assert kinds.count(c.GroupLapsed) == 1


def test_suspension_and_reinstatement_with_reasons_then_dissolution() -> None:
    group = registered()
    with refused("invalid_state"):
        group.reinstate("理由", DUE, "coord", TRACE)
    group.suspend("会計報告が未提出", "coord", TRACE)
    assert (group.status, group.status_reason) == ("suspended", "会計報告が未提出")
    group.reinstate("会計報告を受領", DUE, "coord", TRACE)
    assert group.status == "registered"
    group.dissolve("総会で解散を決議", "rep-1", TRACE)
    assert group.status == "dissolved"
    with refused("invalid_state"):
        group.dissolve("再度", "rep-1", TRACE)
    reasons = [e.reason for e in published(group) if isinstance(e, c.GroupSuspended | c.GroupReinstated)]
    assert reasons == ["会計報告が未提出", "会計報告を受領"]


def test_contacts_act_for_the_group_until_removed() -> None:
    group = registered()
    group.add_contact("contact-1", SEALED, "11" * 16, "rep-1", TRACE)
    assert group.acts_for("contact-1")
    assert not group.acts_for("someone-else")
    with refused("already_acts_for_group"):
        group.add_contact("rep-1", SEALED, "11" * 16, "rep-1", TRACE)
    group.remove_contact("contact-1", "rep-1", TRACE)
    assert not group.acts_for("contact-1")
    subs = [e.contact_sub for e in published(group) if isinstance(e, c.GroupContactAdded | c.GroupContactRemoved)]
    assert subs == ["contact-1", "contact-1"]


def test_handover_needs_the_old_representative_to_propose_and_the_new_one_to_confirm() -> None:
    group = registered()
    with refused("not_representative"):
        group.propose_handover("rep-2", "contact-9", TRACE)
    with refused("no_handover_for_you"):
        group.confirm_handover("rep-2", SEALED, "22" * 16, TRACE)
    group.propose_handover("rep-2", "rep-1", TRACE)
    with refused("no_handover_for_you"):
        group.confirm_handover("intruder", SEALED, "22" * 16, TRACE)
    group.confirm_handover("rep-2", SEALED, "22" * 16, TRACE)
    assert group.representative_sub == "rep-2"
    assert not group.acts_for("rep-1")
    (changed,) = [e for e in published(group) if isinstance(e, c.GroupRepresentativeChanged)]
    assert (changed.representative_sub, changed.previous_sub) == ("rep-2", "rep-1")


def test_a_coordinator_may_decide_a_handover_with_a_reason() -> None:
    group = registered()
    group.add_contact("contact-1", SEALED, "11" * 16, "rep-1", TRACE)
    group.decide_handover("contact-1", SEALED, "33" * 16, "前代表者が死去", "coord", TRACE)
    assert group.representative_sub == "contact-1"
    assert "contact-1" not in group.contacts


def test_no_published_contract_carries_personal_data_or_free_text_answers() -> None:
    group = new_group()
    group.request_information(["private"], "代表者の連絡先 hanako@example.jp に確認済み", "coord", TRACE)
    group.provide_information("山田 花子 042-300-0000 が回答", {}, "rep-1", TRACE)
    for criterion in CRITERIA:
        group.assess(criterion, True, "確認", "coord", DUE, TRACE)
    group.add_contact("contact-1", {"ciphertext": "山田"}, "11" * 16, "rep-1", TRACE)
    contracts = published(group)
    assert any(isinstance(e, c.GroupRegistered) for e in contracts)
    for text in (e.model_dump_json() for e in contracts):
        for value in ("山田", "hanako@example.jp", "042-300-0000", "ciphertext", "11" * 16):
            assert value not in text


def test_a_lapsed_group_that_declares_a_tie_is_rechecked_and_a_failed_recheck_blocks_reinstatement() -> None:
    group = registered()
    assert group.lapse(DUE, TRACE)
    tie = {"tie_id": str(uuid.uuid4()), "kind": "religious", "counterpart": "某宗教法人", "description": "事務所を共用"}
    group.declare_tie(tie, "rep-1", TRACE)
    assert (group.status, group.recheck) == ("lapsed", list(RECHECKED))
    group.assess("formally_organized", True, "確認", "coord", DUE, TRACE)
    group.assess("self_governing", False, "宗教法人が運営を指示している", "coord", DUE, TRACE)
    assert group.status == "suspended"
    with refused("recheck_unmet"):
        group.reinstate("形式的に再開", DUE, "coord", TRACE)
    group.withdraw_tie(tie["tie_id"], "関係を解消した", "rep-1", TRACE)
    group.change_bylaws({**BYLAWS, "sha256": "c" * 64}, "rep-1", TRACE)
    assert group.recheck == list(RECHECKED)
    for criterion in RECHECKED:
        group.assess(criterion, True, "新会則と役員構成を確認", "coord", DUE, TRACE)
    group.reinstate("再確認を経て再開", DUE, "coord", TRACE)
    assert (group.status, group.recheck) == ("registered", [])


def test_a_dissolved_group_accepts_no_further_change() -> None:
    group = registered()
    group.add_contact("contact-1", SEALED, "11" * 16, "rep-1", TRACE)
    group.propose_handover("rep-2", "rep-1", TRACE)
    group.dissolve("解散", "rep-1", TRACE)
    with refused("invalid_state"):
        group.confirm_handover("rep-2", SEALED, "22" * 16, TRACE)
    with refused("invalid_state"):
        group.remove_contact("contact-1", "rep-1", TRACE)
    with refused("invalid_state"):
        group.update_profile(group.profile, "rep-1", TRACE)
