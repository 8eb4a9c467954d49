"""Contracts published by info-hub for the civic activity center's coordination window (総合的な窓口).

A case's problem, who raised it and a citizen's contact never leave info-hub: the contracts carry only the case's
opaque id, the departments' ids (as the registry publishes them), the deadline and the outcome. The month's figures
are counts and medians without personal data (公表).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_contracts.base import Contract, ContractModel


class Outcome(StrEnum):
    RESOLVED = "resolved"  # 解決
    REFERRED = "referred"  # 他機関へ紹介
    NOT_FEASIBLE = "not_feasible"  # 対応困難


class CaseRouted(Contract):
    event_name: ClassVar[str] = "info_hub.case.routed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "The center routed a case of the coordination window to departments, each to acknowledge it by the "
        "deadline (案件の取次)."
    )

    case_id: UUID = Field(description="The case's opaque id.")
    department_ids: list[UUID] = Field(min_length=1, description="The departments routed to by this routing.")
    acknowledge_by: datetime = Field(description="Each must acknowledge before this moment (Asia/Tokyo midnight).")
    routed_at: datetime


class CaseAcknowledgementOverdue(Contract):
    event_name: ClassVar[str] = "info_hub.case.acknowledgement_overdue"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A routed department did not acknowledge a case by its deadline (受付確認の遅延)."

    case_id: UUID
    department_id: UUID
    acknowledge_by: datetime
    recorded_at: datetime


class CaseClosed(Contract):
    event_name: ClassVar[str] = "info_hub.case.closed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The center closed a case with its outcome (案件の終了: 解決・紹介・対応困難)."

    case_id: UUID
    outcome: Outcome
    closed_at: datetime


class FieldCount(ContractModel):
    field: str = Field(
        description="A field of activity (活動分野) the directory's registered groups use, as the directory writes it "
        "(compared Japanese-normalized), named by at least 3 of the month's cases; or その他 (other): the cases "
        "naming any other field, each counted once. A raiser's own wording is never published."
    )
    count: int = Field(ge=0)


class UrgencyCounts(ContractModel):
    low: int = Field(ge=0)
    normal: int = Field(ge=0)
    high: int = Field(ge=0)


class OutcomeCounts(ContractModel):
    resolved: int = Field(ge=0)
    referred: int = Field(ge=0)
    not_feasible: int = Field(ge=0)


class MonthlyFigures(Contract):
    event_name: ClassVar[str] = "info_hub.cases.monthly_figures"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "The coordination window's figures of a month, without personal data (総合的な窓口の月次公表): cases "
        "received by field of activity, routed, acknowledged and closed, and median hours."
    )

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The Tokyo calendar month (YYYY-MM).")
    received: int = Field(ge=0, description="Cases raised in the month.")
    received_by_field: list[FieldCount] = Field(
        description="Each field counted once per case, most frequent first; その他 (other) last."
    )
    received_by_urgency: UrgencyCounts
    routed: int = Field(ge=0, description="Cases first routed in the month.")
    acknowledgements_overdue: int = Field(ge=0, description="Overdue acknowledgements recorded in the month.")
    acknowledged: int = Field(
        ge=0, description="Departments' acknowledgements recorded in the month (a case per department routed to)."
    )
    median_hours_to_acknowledgement: float | None = Field(
        description="From each department's own routing to its acknowledgement, over the acknowledgements recorded "
        "in the month (hours, one decimal; null when none)."
    )
    closed: int = Field(ge=0, description="Cases closed in the month.")
    closed_by_outcome: OutcomeCounts
    median_hours_to_resolution: float | None = Field(
        description="From raising to closing, over the cases resolved in the month (hours, one decimal; null when "
        "none)."
    )
    published_at: datetime


PUBLISHED: tuple[type[Contract], ...] = (CaseRouted, CaseAcknowledgementOverdue, CaseClosed, MonthlyFigures)
