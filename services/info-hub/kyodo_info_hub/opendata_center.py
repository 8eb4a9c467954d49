"""Open data of the civic activity center (市民活動センター): its trainings as an event list, the coordination
window's monthly figures, and the published evaluation reports — each read from info-hub's read models, never a
person's data (no registrant, no raiser, no member's evaluation: only what the center already publishes).

**Trainings (`trainings`)** follow the layout of the municipal standard dataset 「イベント一覧」 of the
推奨データセット, now published as the 自治体標準オープンデータセット (デジタル庁,
https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test), in its edition of 32 items:
都道府県コード又は市区町村コード, NO, 都道府県名, 市区町村名, イベント名, イベント名_カナ, イベント名_英語, 開始日,
終了日, 開始時間, 終了時間, 開始日時特記事項, 説明, 料金(基本), 料金(詳細), 連絡先名称, 連絡先電話番号,
連絡先内線番号, 主催者, 場所名称, 住所, 方書, 緯度, 経度, アクセス方法, 駐車場情報, 定員, 参加申込終了日,
参加申込終了時間, 参加申込方法, URL, 備考 — the layout municipal portals publish (e.g. 浜松市's 2026 event list) and
readers parse (converters of it to the IMI core vocabulary's イベント型, FIWARE mappings). Its edition number
(第n版) could not be read from the sources at hand, so none is claimed: the dataset names the layout by its items,
and its `standard` and description say the edition is unconfirmed. Not followed: the later GIF-aligned items
(全国地方公共団体コード, ID, 地方公共団体名, 所在地_連結表記, …), which the current 自治体標準オープンデータセット uses
for other datasets (fire hydrants, waste sorting, food licences as municipalities publish them) but whose event
list could not be found item by item (searched again for the review: no published header of it), and the base
registry catalogue's 51-item event data (名称, 開始時刻, 日時備考, …; registry-catalog.registries.digital.go.jp,
group g1-000304). The standard's items come first, in its order, with
its item names as CSV headers (`Column.header`); items the center does not keep are present and empty
(イベント名_カナ, 料金, 電話番号, 住所, 方書, 緯度・経度, アクセス方法, 駐車場情報). The portal's own columns follow
(種別, 状態, 対象者, オンライン開催, 開始日時, 終了日時, 更新日時). Only announced and cancelled trainings (a
cancelled one says 中止 and why in 開始日時特記事項); never a draft, a registrant or an online link
(`opendata_center_events`).

**Coordination figures (`coordination-figures`)**: the published monthly figures in long form — one row per month,
measure and category (a field of activity already reduced to the directory's labels in cells of three or more, else
その他, by `cases_figures`), so months with different fields share one header.

**Evaluation reports (`evaluation-reports`)**: one row per published report: the project, group and department,
the recommendation, the overall mean (exact fraction and decimal), recusals and reasons; and
(`evaluation-criterion-means`) each report's mean per criterion — never a member's evaluation, comment or
self-evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from kyodo_info_hub import cases_index
from kyodo_info_hub.opendata import Column, Dataset, fraction_value, projection, read_in_batches, stream
from kyodo_info_hub.opendata_center_events import STANDARD_EVENTS, publisher_of, trainings
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database

__all__ = ["CRITERION_MEANS", "FIGURES", "REPORTS", "STANDARD_EVENTS", "datasets"]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(TOKYO)


# --- the coordination window's monthly figures ---------------------------------------------------------------

MEASURES_JA = {
    "received": "受付件数",
    "received_by_field": "分野別受付件数",
    "received_by_urgency": "緊急度別受付件数",
    "routed": "部署へつないだ件数",
    "acknowledgements_overdue": "受理期限の超過",
    "acknowledged": "部署の受理件数",
    "median_hours_to_acknowledgement": "受理までの時間（中央値・時間）",
    "closed": "終結件数",
    "closed_by_outcome": "結果別終結件数",
    "median_hours_to_resolution": "解決までの時間（中央値・時間）",
}
CATEGORY_JA = {
    "low": "低", "normal": "中", "high": "高",
    "resolved": "解決", "referred": "他機関へ紹介", "not_feasible": "対応困難",
}  # fmt: skip


def figure_rows(month: str, published_at: str, body: dict[str, Any]) -> Iterator[list[Any]]:
    """A month's published figures as rows: (month, published_at, measure, measure_ja, category, category_ja,
    value); a breakdown gives one row per category, in the figures' order."""
    at = _at(published_at)
    for measure, label in MEASURES_JA.items():
        value = body.get(measure)
        if measure == "received_by_field":
            for cell in value or []:
                yield [month, at, measure, label, cell["field"], cell["field"], cell["count"]]
        elif isinstance(value, dict):
            for category, count in value.items():
                yield [month, at, measure, label, category, CATEGORY_JA.get(category, category), count]
        else:
            yield [month, at, measure, label, None, None, None if value is None else Decimal(str(value))]


def _figures_rows(db: Database) -> Iterator[Sequence[Any]]:
    for month, published_at, body in read_in_batches(
        db, select="month, published_at, body", table="hub_case_figures", key=("month",)
    ):
        yield from figure_rows(str(month), str(published_at), json.loads(str(body)))


FIGURES = Dataset(
    name="coordination-figures",
    title_ja="総合的な窓口の月次集計",
    title_en="The coordination window's monthly figures",
    description_ja="市民活動センターの総合的な窓口が毎月公表する件数と所要時間（個人や相談内容を含まない集計）。",
    description_en="The counts and times the coordination window publishes each month (no person, no problem text).",
    columns=(
        Column("month", "string", "対象月（YYYY-MM、日本時間）", "Month (YYYY-MM, Asia/Tokyo)"),
        Column("published_at", "datetime", "公表日時", "When the month's figures were published"),
        Column("measure", "string", "指標: " + "、".join(MEASURES_JA), "Measure (see measure_ja)"),
        Column("measure_ja", "string", "指標の名称", "The measure's name in Japanese"),
        Column("category", "string", "内訳（分野・緊急度・結果）。内訳のない指標は空", "Breakdown category, if any"),
        Column("category_ja", "string", "内訳の名称", "The category's name in Japanese"),
        Column("value", "number", "件数、または時間（中央値、該当なしは空）", "Count, or hours (median; empty: none)"),
    ),
    rows=_figures_rows,
    sources=(projection(cases_index.NAME),),
)


# --- evaluation reports ------------------------------------------------------------------------------------

RECOMMENDATION_JA = {"expand": "継続・拡充", "improve": "改善して継続", "independent": "自主事業化", "end": "終了"}


def mean_value(fraction: str) -> Decimal:
    """An exact fraction 'n/d' to two decimal places, half up."""
    return fraction_value(fraction)


def _report_rows(db: Database) -> Iterator[Sequence[Any]]:
    for row in read_in_batches(
        db,
        select="r.project_id, p.title_ja, p.source, r.group_id, g.name, r.department_id, h.name_ja, h.name_en, "
        "r.call_id, r.proposal_id, r.screening_decision_id, r.agreement_version, r.recommendation, r.overall_mean, "
        "r.published_at, r.body",
        table="evaluation_reports r LEFT JOIN evaluation_projects p ON p.project_id = r.project_id "
        "LEFT JOIN directory_groups g ON g.group_id = r.group_id "
        "LEFT JOIN hub_departments h ON h.department_id = r.department_id",
        # The project's id: a report's publication time moves when the next one replaces it (the read model keeps a
        # project's latest report), and a moving key could skip or repeat a row while a large export streams.
        key=("r.project_id",),
    ):
        body = json.loads(str(row[15]))
        recommendation, mean = str(row[12]), str(row[13])
        yield [
            *row[:12], recommendation, RECOMMENDATION_JA.get(recommendation, recommendation), mean, mean_value(mean),
            int(body.get("recusals", 0)), body.get("reasons_ja"), body.get("reasons_en"), _at(str(row[14])),
        ]  # fmt: skip


REPORTS = Dataset(
    name="evaluation-reports",
    title_ja="協働事業の評価結果",
    title_en="Evaluation reports of collaboration projects",
    description_ja="公表された協働事業の評価結果（事業・団体・部署、提言、総合平均、理由）。委員個人の評価は含まない。"
    "各事業の最新の評価結果を1行とし、事業の識別子順に並べる。",
    description_en="Published evaluation reports: project, group, department, recommendation, mean and reasons; each "
    "project's latest report, one row each, in the order of the projects' ids.",
    columns=(
        Column("project_id", "uuid", "協働事業の識別子", "The project's id"),
        Column("title_ja", "string", "事業名", "Project title"),
        Column("source", "string", "adoption（提案の採択）、screening（事業の選別）", "adoption or screening"),
        Column("group_id", "uuid", "団体の識別子", "The group's id"),
        Column("group_name", "string", "団体名（登録団体一覧にない場合は空）", "Group name, if in the directory"),
        Column("department_id", "uuid", "部署の識別子", "The department's id"),
        Column("department_name_ja", "string", "部署名", "Department name"),
        Column("department_name_en", "string", "部署名（英語）", "Department name in English"),
        Column("call_id", "uuid", "採択された募集の識別子", "The call whose proposal it was"),
        Column("proposal_id", "uuid", "提案の識別子", "The adopted proposal"),
        Column("screening_decision_id", "uuid", "選別結果の識別子", "The screening decision it follows"),
        Column("agreement_version", "integer", "評価の対象となった協定の版", "The agreement's version evaluated"),
        Column("recommendation", "string", "expand、improve、independent、end", "The committee's recommendation"),
        Column("recommendation_ja", "string", "提言（継続・拡充、改善して継続、自主事業化、終了）", "In Japanese"),
        Column(
            "overall_mean",
            "string",
            "総合平均（厳密な分数 n/d。文字列として読む。計算には overall_mean_value）",
            "Overall mean, an exact fraction n/d (read it as text; compute with overall_mean_value)",
        ),
        Column("overall_mean_value", "number", "総合平均（小数第2位、四捨五入）", "Overall mean, 2 dp half up"),
        Column("recusals", "integer", "利害関係により回避した委員の数", "Committee members recused"),
        Column("reasons_ja", "string", "提言の理由", "Reasons"),
        Column("reasons_en", "string", "提言の理由（英語）", "Reasons in English"),
        Column("published_at", "datetime", "公表日時", "Published at"),
    ),
    rows=_report_rows,
    sources=(stream("evaluation"), stream("registry")),
)


def criterion_rows(project_id: str, published_at: str, body: dict[str, Any]) -> Iterator[list[Any]]:
    """A report's mean per criterion, in its criteria's order (a criterion no counted member rated has no mean)."""
    means: dict[str, str] = body.get("criterion_means", {})
    at = _at(published_at)
    for criterion in body.get("criteria", []):
        mean = means.get(criterion["key"])
        value = mean_value(mean) if mean else None
        yield [project_id, criterion["key"], criterion["name_ja"], criterion.get("name_en"), mean, value, at]


def _criterion_rows(db: Database) -> Iterator[Sequence[Any]]:
    for project_id, published_at, body in read_in_batches(
        db, select="project_id, published_at, body", table="evaluation_reports", key=("project_id",)
    ):
        yield from criterion_rows(str(project_id), str(published_at), json.loads(str(body)))


CRITERION_MEANS = Dataset(
    name="evaluation-criterion-means",
    title_ja="協働事業の評価結果（評価項目別の平均）",
    title_en="Evaluation reports: the mean of each criterion",
    description_ja="公表された評価結果の評価項目ごとの平均（委員の評価の平均のみ。個々の委員の点数・コメントは含まない）。",
    description_en="Each published report's mean per evaluation criterion (no member's points or comments).",
    columns=(
        Column(
            "project_id",
            "uuid",
            "協働事業の識別子（evaluation-reports を参照）",
            "The project (see evaluation-reports)",
        ),
        Column("criterion", "string", "評価項目のキー", "The criterion's key"),
        Column("criterion_ja", "string", "評価項目", "The criterion"),
        Column("criterion_en", "string", "評価項目（英語）", "The criterion in English"),
        Column(
            "mean",
            "string",
            "平均（厳密な分数 n/d。文字列として読む。計算には mean_value）",
            "Mean, an exact fraction n/d (read it as text; compute with mean_value)",
        ),
        Column("mean_value", "number", "平均（小数第2位、四捨五入）", "Mean, 2 dp half up"),
        Column("published_at", "datetime", "公表日時", "Published at"),
    ),
    rows=_criterion_rows,
    sources=(stream("evaluation"),),
)


def datasets(settings: InfoHubSettings) -> tuple[Dataset, ...]:
    """The center's datasets; the event list names the municipality and the portal from the settings."""
    return (trainings(publisher_of(settings)), FIGURES, REPORTS, CRITERION_MEANS)
