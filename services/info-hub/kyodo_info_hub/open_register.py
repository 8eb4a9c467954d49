"""The screening register as open data (オープンデータ): every current decision in one JSON document, with a data
dictionary describing each field in Japanese and English.

Not paged: a city screens some hundreds of projects a year, and one document read in one transaction is one
consistent state of the register (a correction never appears beside the decision it replaced). Records keep a
stable order (decision time, then id: new decisions come at the end) and a stable field order (the models').
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kyodo_info_hub.api_register import AnswerView, AssessmentView, ChecklistItemView, ProjectView, RegisterReads
from kyodo_info_hub.register import RegisterDetail, Round
from kyodo_shared.web.routes import service_router

DATASET = "screening-register"


class DictionaryField(BaseModel):
    field: str = Field(description="The field's path in a record (`a.b`: inside an object, `a[].b`: in a list).")
    type: str
    description_ja: str
    description_en: str


# Each field of a record, in the records' order; tests/api/test_info_hub_screening.py checks that it covers them all.
DICTIONARY: tuple[DictionaryField, ...] = tuple(
    DictionaryField(field=f, type=t, description_ja=ja, description_en=en)
    for f, t, ja, en in (
        ("decision_id", "uuid", "選別結果の識別子", "The decision's id"),
        ("round_id", "uuid", "選別（回）の識別子（rounds[] を参照）", "The round's id (see rounds[])"),
        ("fiscal_year", "integer", "年度（4月〜翌3月）", "Fiscal year (April to March)"),
        ("department_id", "uuid", "事業を所管する部署の識別子", "The id of the department owning the project"),
        ("department_name_ja", "string|null", "部署名（未登録の場合は null）", "Department name in Japanese, if known"),
        ("department_name_en", "string|null", "部署名（英語）", "Department name in English, if given"),
        ("project_id", "uuid", "事業の識別子", "The project's id"),
        ("project_number", "string", "事業番号", "Project number, unique per department and fiscal year"),
        ("project_title", "string", "事業名", "Project title"),
        (
            "outcome",
            "string",
            "選別結果: suitable（協働に適する）、not_suitable（協働に適さない）、needs_study（要検討）",
            "Outcome: suitable, not_suitable or needs_study",
        ),
        (
            "forms",
            "string[]",
            "協働の形態: commission（委託）、subsidy（補助）、co_hosting（共催）、endorsement（後援）、"
            "cooperation（事業協力）、committee（実行委員会・協議会）、information_exchange（情報提供・情報交換）、"
            "policy_participation（政策立案への参画）",
            "Forms of collaboration (one or more when suitable)",
        ),
        ("reasons_ja", "string", "選別の理由", "Reasons for the decision, in Japanese"),
        ("reasons_en", "string|null", "選別の理由（英語）", "Reasons in English, if given"),
        ("rescreen_on", "date|null", "要検討の場合、再選別を行う日", "For needs_study: the day it is screened again"),
        (
            "rescreen",
            "string|null",
            "再選別日の到来: reopened_in_round（同じ回で再選別）、next_round（次回の選別へ）",
            "Once that day came: reopened_in_round or next_round",
        ),
        ("replaces", "uuid|null", "この結果が訂正した以前の選別結果", "The earlier decision this one corrects"),
        ("decided_at", "datetime", "選別日時（日本時間）", "When it was decided (Asia/Tokyo)"),
        ("project", "object", "選別時の事業の内容", "The project as it was decided"),
        ("project.project_id", "uuid", "事業の識別子（project_id と同じ）", "The project's id (as project_id)"),
        ("project.department_id", "uuid", "所管部署の識別子", "The department owning the project"),
        ("project.fiscal_year", "integer", "事業の年度", "The project's fiscal year"),
        ("project.project_number", "string", "事業番号", "Project number"),
        ("project.title", "string", "事業名", "Project title"),
        ("project.purpose", "string", "目的", "Purpose"),
        ("project.legal_basis", "string", "根拠法令（なければ空）", "Legal basis (empty when none)"),
        ("project.budget_yen", "integer", "予算額（円）", "Budget, whole yen"),
        ("project.beneficiaries", "string", "対象者", "Beneficiaries"),
        ("project.delivery", "string", "実施方法", "Current way of delivery"),
        ("project.period", "string", "期間", "Period"),
        ("project.contact_section", "string", "担当（課・係）", "The section to contact"),
        ("project.group_ids", "uuid[]", "事業に関わる市民活動団体", "Civic activity groups named in the project"),
        ("self_check", "object[]", "所管部署による自己点検", "The department's self-check (empty if none)"),
        ("self_check[].key", "string", "チェック項目（rounds[].checklist を参照）", "Checklist item (see rounds[])"),
        ("self_check[].rating", "string", "yes（該当する）、partly（一部該当）、no（該当しない）", "yes, partly or no"),
        ("self_check[].reason", "string", "理由", "Reason"),
        ("assessments", "object[]", "横断チームの評価（委員名は伏せ、記号で表示）", "The team's assessments, by label"),
        ("assessments[].label", "string", "選別ごとに無作為に付した記号", "A label shuffled per decision"),
        (
            "assessments[].from_owner_department",
            "boolean",
            "評価者が所管部署の職員か",
            "Whether the member comes from the project's department",
        ),
        ("assessments[].answers", "object[]", "各項目の評価（self_check と同じ形）", "Answers, shaped as self_check"),
        ("recusals", "integer", "利害関係により回避した委員の数", "Team members recused (declared interests)"),
    )
)


class OpenRecord(BaseModel):
    decision_id: str
    round_id: str
    fiscal_year: int
    department_id: str
    department_name_ja: str | None
    department_name_en: str | None
    project_id: str
    project_number: str
    project_title: str
    outcome: str
    forms: list[str]
    reasons_ja: str
    reasons_en: str | None
    rescreen_on: str | None
    rescreen: str | None
    replaces: str | None
    decided_at: str
    project: ProjectView
    self_check: list[AnswerView]
    assessments: list[AssessmentView]
    recusals: int


class OpenRound(BaseModel):
    round_id: str
    fiscal_year: int
    title_ja: str
    title_en: str | None
    checklist: list[ChecklistItemView]


class OpenRegister(BaseModel):
    dataset: str = DATASET
    title_ja: str = "事業の選別の結果"
    title_en: str = "Screening register: city projects screened for collaboration with civic groups"
    count: int = Field(description="How many records (current decisions).")
    data_dictionary: list[DictionaryField]
    rounds: list[OpenRound] = Field(description="The rounds of the records, with their checklists.")
    records: list[OpenRecord]


class OpenDictionary(BaseModel):
    dataset: str = DATASET
    fields: list[DictionaryField]


def open_record(detail: RegisterDetail) -> OpenRecord:
    values: dict[str, Any] = {**vars(detail.entry), **{k: v for k, v in vars(detail).items() if k != "entry"}}
    return OpenRecord.model_validate(values)


def open_round(found: Round) -> OpenRound:
    return OpenRound.model_validate(vars(found))


open_data = service_router(prefix="/open-data", tags=["open data"])


@open_data.get(
    f"/{DATASET}.json",
    response_model=OpenRegister,
    summary="The screening register as open data (事業の選別の結果): every current decision, with its dictionary",
)
def screening_register(reads: RegisterReads) -> Any:
    details, rounds = reads.current()
    return OpenRegister(
        count=len(details),
        data_dictionary=list(DICTIONARY),
        rounds=[open_round(r) for r in rounds],
        records=[open_record(d) for d in details],
    )


@open_data.get(
    f"/{DATASET}/dictionary",
    response_model=OpenDictionary,
    summary="The screening register's data dictionary (項目定義): each field in Japanese and English",
)
def screening_register_dictionary() -> Any:
    return OpenDictionary(fields=list(DICTIONARY))


routers = [open_data]
