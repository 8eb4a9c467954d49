"""The partners' steps leave the evaluation service as facts only: a draft as its version and whether it is an amendment
(`evaluation.agreement.drafted`), a confirmation as the partner (`evaluation.agreement.confirmed`) — not the draft's
hash, with which a reader could confirm a guess of a draft under negotiation — a self-evaluation as the partner and
the time it was sent (`evaluation.self_evaluation.sent`) — never the draft's content, who acted, nor anything of the
sealed self-evaluation (its ratings, summary, hash, receipt or sender).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from kyodo_contracts import evaluation as c
from kyodo_evaluation.bus import OUTBOUND
from kyodo_evaluation.domain import Project
from kyodo_evaluation.vocabulary import DEFAULT_CRITERIA, Partner

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "coord-1"}
PROJECT, GROUP, DEPARTMENT = uuid.UUID(int=10), uuid.UUID(int=1), uuid.UUID(int=2)
V1, V2 = "1" * 64, "2" * 64
AT, TODAY = "2026-04-01T10:00:00+09:00", date(2026, 4, 1)
END, DEADLINE = "2027-03-31", "2027-04-30T17:00:00+09:00"


def agreement() -> dict[str, Any]:
    return {
        "title_ja": "子ども食堂の協働運営",
        "title_en": None,
        "role_group_ja": "食堂の運営",
        "role_department_ja": "会場と広報",
        "budget": {"total_yen": 1_000_000, "city_yen": 600_000, "group_yen": 400_000},
        "period_start": "2026-04-01",
        "period_end": END,
        "deliverables": ["月2回の開催"],
        "indicators": [
            {"key": "visits", "name_ja": "利用者数", "unit": "人", "value_type": "count", "baseline": "120",
             "target": "200", "method_ja": "受付簿"},
        ],
        "report_dates": ["2026-09-30", "2026-12-31"],
    }  # fmt: skip


def project() -> Project:
    links = {"call_id": str(uuid.UUID(int=7)), "proposal_id": str(uuid.UUID(int=8)), "rank": 1, "score": "4"}
    made = Project(
        PROJECT, "adoption", GROUP, DEPARTMENT, "子ども食堂", links, [dict(x) for x in DEFAULT_CRITERIA], AT, TRACE
    )
    made.collect_events()
    return made


def published(made: Project) -> list[dict[str, Any]]:
    """Every contract the stored events since the last call map to, as type and JSON body."""
    return [
        {"type": contract.ce_type(), **json.loads(contract.model_dump_json())}
        for event in made.collect_events()
        for contract in OUTBOUND(event)
    ]


def test_a_draft_and_each_confirmation_publish_the_version_and_partner_without_content_or_person() -> None:
    made = project()
    made.draft_agreement(agreement(), V1, None, TODAY, "liaison-1", TRACE)
    made.confirm(Partner.DEPARTMENT, "liaison-1", V1, TODAY, AT, TRACE)
    made.confirm(Partner.GROUP, "rep-1", V1, TODAY, AT, TRACE)
    drafted, department, group, concluded = published(made)
    assert drafted == {
        "type": "jp.kyodo.evaluation.agreement.drafted.v1",
        "project_id": str(PROJECT),
        "agreement_version": 1,
        "amendment": False,
    }
    assert [department, group] == [
        {"type": c.AgreementConfirmed.ce_type(), "project_id": str(PROJECT), "partner": p}
        for p in ("department", "group")
    ]
    # What was agreed leaves with the conclusion, hash and all.
    assert (concluded["type"], concluded["agreement_hash"]) == (c.AgreementConcluded.ce_type(), V1)
    assert "liaison-1" not in json.dumps([drafted, department, group])
    assert V1 not in json.dumps([drafted, department, group])


def test_an_amendment_draft_says_it_is_one() -> None:
    made = project()
    made.draft_agreement(agreement(), V1, None, TODAY, "liaison-1", TRACE)
    made.confirm(Partner.DEPARTMENT, "liaison-1", V1, TODAY, AT, TRACE)
    made.confirm(Partner.GROUP, "rep-1", V1, TODAY, AT, TRACE)
    made.collect_events()
    amended = {**agreement(), "deliverables": ["月3回の開催"]}
    made.draft_agreement(amended, V2, "回数を増やす", TODAY, "rep-1", TRACE)
    (drafted,) = published(made)
    assert (drafted["agreement_version"], drafted["amendment"]) == (2, True)
    assert "回数を増やす" not in json.dumps(drafted)
    assert V2 not in json.dumps(drafted)


def test_a_self_evaluation_sent_publishes_the_partner_and_time_only() -> None:
    made = project()
    made.draft_agreement(agreement(), V1, None, TODAY, "liaison-1", TRACE)
    made.confirm(Partner.DEPARTMENT, "liaison-1", V1, TODAY, AT, TRACE)
    made.confirm(Partner.GROUP, "rep-1", V1, TODAY, AT, TRACE)
    assert made.end(END, DEADLINE)
    made.collect_events()
    sealed = {
        "partner": "group",
        "ratings": [{"key": str(x["key"]), "rating": 4, "comment_ja": "秘密の所見"} for x in DEFAULT_CRITERIA],
        "achieved": [{"key": "visits", "value": "210", "unit": "人"}],
        "summary_ja": "封のある要約",
        "content_hash": "hash-group",
        "submitted_at": "2027-04-10T09:00:00+09:00",
        "submitted_by": "contact-7",
    }
    made.self_evaluate(Partner.GROUP, sealed, "receipt-g", False, TRACE)
    (sent,) = published(made)
    assert sent == {
        "type": "jp.kyodo.evaluation.self_evaluation.sent.v1",
        "project_id": str(PROJECT),
        "partner": "group",
        "sent_at": "2027-04-10T09:00:00+09:00",
    }
    assert c.SelfEvaluationSent.model_validate(sent).sent_at == datetime(2027, 4, 10, 0, 0, tzinfo=UTC)
