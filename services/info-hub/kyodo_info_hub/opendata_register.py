"""The screening register (事業の選別の結果) as a flat dataset: one row per current decision (a corrected decision
gives way to its correction, as in the register), with its round, department, the project as it was decided, the
outcome, forms and reasons. The structured document `open_register` serves at `/open-data/screening-register.json`
stays as it is; this is the same register flattened for spreadsheets (no self-check or assessment answers: those
are lists of lists, read them in the JSON document).

No standard layout of the 自治体標準オープンデータセット covers a screening register: the columns are the portal's
own, documented by the data dictionary. Rows come in decision time order, then by id (new decisions at the end).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from kyodo_info_hub.opendata import Column, Dataset, count_rows, read_in_batches, stream
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database

OUTCOME_JA = {"suitable": "協働に適する", "not_suitable": "協働に適さない", "needs_study": "要検討"}
FORM_JA = {
    "commission": "委託",
    "subsidy": "補助",
    "co_hosting": "共催",
    "endorsement": "後援",
    "cooperation": "事業協力",
    "committee": "実行委員会・協議会",
    "information_exchange": "情報提供・情報交換",
    "policy_participation": "政策立案への参画",
}
_TABLE = (
    "screening_decisions d LEFT JOIN hub_departments h ON h.department_id = d.department_id "
    "LEFT JOIN screening_rounds r ON r.round_id = d.round_id"
)
_CURRENT = "d.superseded_by IS NULL"


def register_row(row: Sequence[Any]) -> list[Any]:
    """A decision's flat row from (decision_id, round_id, round title ja, en, fiscal_year, department_id, name ja,
    en, project_id, project_number, project_title, outcome, forms JSON, reasons_ja, reasons_en, rescreen_on,
    rescreen, replaces, decided_at, body JSON)."""
    (
        decision_id, round_id, round_ja, round_en, fiscal_year, department_id, department_ja, department_en,
        project_id, number, title, outcome, forms, reasons_ja, reasons_en, rescreen_on, rescreen, replaces,
        decided_at, body,
    ) = row  # fmt: skip
    published = json.loads(str(body))
    project: dict[str, Any] = published.get("project", {})
    kinds = [str(f) for f in json.loads(str(forms))]
    return [
        decision_id, round_id, round_ja, round_en, int(fiscal_year), department_id, department_ja, department_en,
        project_id, number, title, project.get("purpose"), project.get("legal_basis") or None,
        project.get("budget_yen"), project.get("beneficiaries"), project.get("delivery"), project.get("period"),
        project.get("contact_section"), outcome, OUTCOME_JA.get(str(outcome), outcome), kinds,
        [FORM_JA.get(f, f) for f in kinds], reasons_ja, reasons_en,
        date.fromisoformat(str(rescreen_on)) if rescreen_on else None, rescreen, replaces,
        datetime.fromisoformat(str(decided_at)).astimezone(TOKYO), int(published.get("recusals", 0)),
    ]  # fmt: skip


def _rows(db: Database) -> Iterator[Sequence[Any]]:
    for row in read_in_batches(
        db,
        select="d.decision_id, d.round_id, r.title_ja, r.title_en, d.fiscal_year, d.department_id, h.name_ja, "
        "h.name_en, d.project_id, d.project_number, d.project_title, d.outcome, d.forms, d.reasons_ja, d.reasons_en, "
        "d.rescreen_on, d.rescreen, d.replaces, d.decided_at, d.body",
        table=_TABLE,
        key=("d.decided_at", "d.decision_id"),
        where=_CURRENT,
    ):
        yield register_row(row)


def _count(db: Database) -> int:
    return count_rows(db, table="screening_decisions d", where=_CURRENT)


REGISTER = Dataset(
    name="screening-register",
    title_ja="事業の選別の結果（一覧表）",
    title_en="Screening register (flat table)",
    description_ja="市の事業を一つずつ市民活動団体との協働に適するか選別した結果。現在有効な選別結果を1行ずつ。"
    "自己点検・評価の内容は構造化JSON（/open-data/screening-register.json）を参照。",
    description_en="Each city project screened for collaboration with civic groups: one row per current decision. "
    "Self-checks and assessments are in the structured document /open-data/screening-register.json.",
    columns=(
        Column("decision_id", "uuid", "選別結果の識別子", "The decision's id"),
        Column("round_id", "uuid", "選別（回）の識別子", "The round's id"),
        Column("round_title_ja", "string", "選別（回）の名称", "The round's title"),
        Column("round_title_en", "string", "選別（回）の名称（英語）", "The round's title in English"),
        Column("fiscal_year", "integer", "年度（4月〜翌3月）", "Fiscal year (April to March)"),
        Column("department_id", "uuid", "所管部署の識別子", "The department owning the project"),
        Column("department_name_ja", "string", "部署名（未登録の場合は空）", "Department name, if known"),
        Column("department_name_en", "string", "部署名（英語）", "Department name in English"),
        Column("project_id", "uuid", "事業の識別子", "The project's id"),
        Column("project_number", "string", "事業番号", "Project number"),
        Column("project_title", "string", "事業名", "Project title"),
        Column("purpose", "string", "目的", "Purpose"),
        Column("legal_basis", "string", "根拠法令（なければ空）", "Legal basis (empty when none)"),
        Column("budget_yen", "integer", "予算額（円）", "Budget, whole yen"),
        Column("beneficiaries", "string", "対象者", "Beneficiaries"),
        Column("delivery", "string", "実施方法", "Current way of delivery"),
        Column("period", "string", "期間", "Period"),
        Column("contact_section", "string", "担当（課・係）", "The section to contact"),
        Column("outcome", "string", "suitable、not_suitable、needs_study", "Outcome"),
        Column("outcome_ja", "string", "選別結果（協働に適する・協働に適さない・要検討）", "Outcome in Japanese"),
        Column("forms", "string[]", "協働の形態（; 区切り）: " + "、".join(FORM_JA), "Forms of collaboration"),
        Column("forms_ja", "string[]", "協働の形態（日本語、; 区切り）", "Forms in Japanese"),
        Column("reasons_ja", "string", "選別の理由", "Reasons"),
        Column("reasons_en", "string", "選別の理由（英語）", "Reasons in English"),
        Column("rescreen_on", "date", "要検討の場合、再選別を行う日", "For needs_study: when it is screened again"),
        Column("rescreen", "string", "再選別日の到来: reopened_in_round、next_round", "Once that day came"),
        Column("replaces", "uuid", "この結果が訂正した以前の選別結果", "The earlier decision this one corrects"),
        Column("decided_at", "datetime", "選別日時", "When it was decided"),
        Column("recusals", "integer", "利害関係により回避した委員の数", "Team members recused"),
    ),
    rows=_rows,
    sources=(stream("screening"), stream("registry")),
    count=_count,
)


def datasets(settings: InfoHubSettings) -> tuple[Dataset, ...]:
    return (REGISTER,)
