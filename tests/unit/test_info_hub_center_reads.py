"""What `/me` reads for the center and the team (pages/workspace/me_center_reads.py), over read models fed with real
contract envelopes through info-hub's own handlers, one message per transaction, into a database migrated by
info-hub's lineage (SQLite file and a fresh PostgreSQL database): which projects of a round await a decision (as the
screening service scopes a round), a round's team, a call's review, adoptions awaiting a department — and the same
after the streams are read again from the beginning (info_hub_0014 resets both consumers once)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as ev
from kyodo_contracts import proposals as pr
from kyodo_contracts import screening as s
from kyodo_info_hub.pages.workspace import me_center_reads as reads
from kyodo_shared.store.db import Database

from support.info_hub_open_data import call
from support.registry_feed import apply_from, migrated_database

AT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
DEPT, OTHER = uuid.UUID(int=0xD), uuid.UUID(int=0xE)
ROUND, EARLIER, CLOSED = uuid.UUID(int=0x10), uuid.UUID(int=0x11), uuid.UUID(int=0x12)
P1, P2, OLD, ELSEWHERE = (uuid.UUID(int=n) for n in (0x21, 0x22, 0x23, 0x24))


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    yield from migrated_database(request)


def record(project_id: uuid.UUID, fiscal_year: int, number: str, department: uuid.UUID = DEPT) -> s.ProjectRecord:
    return s.ProjectRecord(
        project_id=project_id,
        department_id=department,
        fiscal_year=fiscal_year,
        project_number=number,
        title=f"事業{number}",
        purpose="目的",
        legal_basis="",
        budget_yen=1000,
        beneficiaries="市民",
        delivery="直営",
        period="通年",
        contact_section="担当係",
        group_ids=[],
    )


def opened(round_id: uuid.UUID, fiscal_year: int, team: list[str]) -> s.RoundOpened:
    return s.RoundOpened(
        round_id=round_id,
        fiscal_year=fiscal_year,
        title_ja=f"{fiscal_year}年度 事業の選別",
        checklist=[s.ChecklistItem(key="community", name_ja="地域性")],
        department_ids=[DEPT],
        self_check_deadline=AT + timedelta(days=7),
        opened_on=date(2026, 6, 1),
        team_subs=team,
    )


def decided(
    decision: uuid.UUID, round_id: uuid.UUID, project: s.ProjectRecord, outcome: s.Outcome, **more: object
) -> s.DecisionMade:
    forms = [s.CollaborationForm.COMMISSION] if outcome == s.Outcome.SUITABLE else []
    return s.DecisionMade.model_validate(
        {
            "decision_id": decision,
            "round_id": round_id,
            "project": project,
            "outcome": outcome,
            "forms": forms,
            "reasons_ja": "理由",
            "self_check": [],
            "assessments": [],
            "recusals": 0,
            "cycle": 1,
            "round_fiscal_year": 2026 if round_id == ROUND else 2025,
            "decided_at": AT + timedelta(days=1),
            **more,
        }
    )


D_OLD, D1, D1_FIXED = uuid.UUID(int=0x31), uuid.UUID(int=0x32), uuid.UUID(int=0x33)
PROJECTS = [
    record(P1, 2026, "A-1"),
    record(P2, 2026, "A-2"),
    record(OLD, 2025, "Z-1"),
    record(ELSEWHERE, 2026, "B-1", OTHER),
]
HISTORY: list[Contract] = [
    *(s.ProjectEntered(project=p) for p in PROJECTS),
    opened(EARLIER, 2025, ["team-a"]),
    # Last year's 'needs study' whose date came after its round closed: OLD waits for the department's next round.
    decided(D_OLD, EARLIER, PROJECTS[2], s.Outcome.NEEDS_STUDY, rescreen_on="2026-05-01"),
    s.RoundClosed(round_id=EARLIER, closed_at=AT, undecided=0),
    s.RescreenDue(project_id=OLD, decision_id=D_OLD, round_id=EARLIER, reopened_in_round=False),
    opened(ROUND, 2026, ["team-b", "team-a"]),
    opened(CLOSED, 2026, ["team-a"]),
    s.RoundClosed(round_id=CLOSED, closed_at=AT, undecided=3),
]


def test_a_round_s_undecided_projects_are_its_year_s_and_those_carried_to_it_less_those_it_decided(
    db: Database,
) -> None:
    apply_from(db, "screening", HISTORY)
    # A-1, A-2 (the round's year) and Z-1 (carried); B-1 is another department's.
    assert reads.undecided(db, [str(ROUND)]) == {str(ROUND): 3}
    later = [
        decided(D1, ROUND, PROJECTS[0], s.Outcome.SUITABLE),
        decided(D1_FIXED, ROUND, PROJECTS[0], s.Outcome.NEEDS_STUDY, replaces=D1, rescreen_on="2026-09-01"),
        decided(uuid.UUID(int=0x34), ROUND, PROJECTS[2], s.Outcome.NOT_SUITABLE, decided_at=AT + timedelta(days=2)),
    ]
    apply_from(db, "screening", HISTORY + later)
    assert reads.undecided(db, [str(ROUND)]) == {str(ROUND): 1}, "only A-2: the correction still decides A-1"
    reopened = s.RescreenDue(project_id=P1, decision_id=D1_FIXED, round_id=ROUND, reopened_in_round=True)
    apply_from(db, "screening", [*HISTORY, *later, reopened])
    assert reads.undecided(db, [str(ROUND)]) == {str(ROUND): 2}, "A-1 is pending again in its round"


def test_a_member_s_open_rounds_are_those_whose_opening_named_them_and_reading_again_changes_nothing(
    db: Database,
) -> None:
    for _ in range(2):  # the stream read twice, as after info_hub_0014
        apply_from(db, "screening", HISTORY)
        assert [r.round_id for r in reads.team_rounds(db, "team-a")] == [str(ROUND)]  # not the closed ones
        assert [r.round_id for r in reads.team_rounds(db, "team-b")] == [str(ROUND)]
        assert reads.team_rounds(db, "staff-x") == []
        assert reads.undecided(db, [str(ROUND)]) == {str(ROUND): 3}


def test_a_call_s_review_and_adoptions_awaiting_a_department_follow_the_stream_and_its_second_reading(
    db: Database,
) -> None:
    first, second = call("見守り", title_en="Watching"), call("居場所")
    waiting, named = uuid.UUID(int=0x41), uuid.UUID(int=0x42)
    group = uuid.UUID(int=0x51)
    history: list[Contract] = [
        first,
        second,
        pr.CallClosed(call_id=first.call_id, closed_at=AT),
        pr.CallClosed(call_id=second.call_id, closed_at=AT),
        pr.ReviewStarted(call_id=first.call_id, started_at=AT + timedelta(hours=1)),
        pr.ReviewStarted(call_id=second.call_id, started_at=AT + timedelta(hours=1)),
        pr.DecisionBlocked(call_id=second.call_id, reasons=[f"quorum:{uuid.uuid4()}:1/3"]),
        pr.ProposalAdopted(call_id=first.call_id, proposal_id=waiting, group_id=group, rank=1, score="9/1"),
        pr.ProposalAdopted(
            call_id=first.call_id, proposal_id=named, group_id=group, rank=2, score="8/1", department_id=DEPT
        ),
    ]
    for _ in range(2):
        apply_from(db, "proposals", history)
        found = reads.reviews(db, [str(first.call_id), str(second.call_id), str(uuid.uuid4())])
        assert {k: v.stage for k, v in found.items()} == {
            str(first.call_id): "under_review",
            str(second.call_id): "decision_blocked",
        }
        assert found[str(second.call_id)].reasons[0].endswith(":1/3")
        assert [a.proposal_id for a in reads.adoptions_without_department(db)] == [str(waiting)]
        # Told apart from another adoption of its call by its group (and its rank, once the results are in).
        (adoption,) = reads.adoptions_without_department(db)
        assert (adoption.group_id, adoption.title_ja, adoption.title_en, adoption.rank) == (
            str(group),
            None,
            "Watching",
            None,
        )
    created = ev.ProjectCreated(
        project_id=uuid.uuid4(),
        source=ev.Source.ADOPTION,
        group_id=group,
        department_id=OTHER,
        title_ja="見守り",
        call_id=first.call_id,
        proposal_id=waiting,
        criteria=[ev.Criterion(key="achievement", name_ja="目標の達成度")],
    )
    apply_from(db, "evaluation", [created])
    assert reads.adoptions_without_department(db) == []
