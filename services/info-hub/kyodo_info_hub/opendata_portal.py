"""The portal's own datasets: the public group directory, the calls for proposals with their criteria, and the
calls' results (the ranking with group names, exact and readable scores, each reviewer's points by label, recusals,
reasons and the revealed lottery seed) — exactly what `/groups` and `/calls` publish, flattened into tables.

No standard layout applies (the 自治体標準オープンデータセット define none for these); the columns are documented
by each dataset's dictionary. Exports are ordered by a key that never changes (a group's registration, a call's id),
so a new row comes in its place and `read_in_batches` never skips or repeats one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from kyodo_info_hub.opendata import Column, Dataset, count_rows, fraction_value, read_in_batches, stream
from kyodo_info_hub.opendata_results import CALL_RESULT_SCORES, CALL_RESULTS
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.store.db import Database, Row

CALL_COLUMNS = "call_id, status, status_reason, deadline, rules, amendments, results, published_at"


def _when(text: object) -> datetime | None:
    return datetime.fromisoformat(str(text)) if text else None


def _day(text: object) -> date | None:
    return date.fromisoformat(str(text)) if text else None


def _group_rows(db: Database) -> Iterator[Sequence[Any]]:
    for row in read_in_batches(
        db,
        select="group_id, name, purpose, fields_of_activity, area, founded, members_count, website, status, "
        "status_reason, renewal_due, registered_at",
        table="directory_groups",
        key=("registered_at", "group_id"),
    ):
        gid, name, purpose, fields, area, founded, members, website, status, reason, due, registered = row
        yield (
            gid,
            name,
            purpose,
            list(json.loads(str(fields))),
            area,
            _day(founded),
            members,
            website,
            status,
            reason,
            _day(due),
            _when(registered),
        )


GROUPS = Dataset(
    name="groups",
    title_ja="市民活動団体一覧",
    title_en="Civic activity groups registered with the city",
    description_ja="市に登録された市民活動団体の公開情報（団体一覧と同じ内容）。更新切れ・登録停止の団体も状態を付けて"
    "掲載し、解散した団体は掲載しません。",
    description_en="The public profile of every registered group, as the directory shows it; lapsed and suspended "
    "groups stay, marked; dissolved groups are removed.",
    columns=(
        Column("group_id", "uuid", "団体の識別子", "The group's id"),
        Column("name", "string", "団体名", "Name"),
        Column("purpose", "string", "活動の目的", "Purpose"),
        Column(
            "fields_of_activity", "string[]", "活動分野（CSV では ; 区切り）", "Fields of activity (;-separated in CSV)"
        ),
        Column("area", "string", "活動地域", "Area of activity"),
        Column("founded", "date", "設立年月日（不明の場合は空）", "Founded on (empty if not given)"),
        Column("members_count", "integer", "会員数（不明の場合は空）", "Number of members (empty if not given)"),
        Column("website", "uri", "ウェブサイト", "Website"),
        Column(
            "status",
            "string",
            "状態: registered（登録）、lapsed（更新切れ）、suspended（登録停止）",
            "Status: registered, lapsed or suspended",
        ),
        Column("status_reason", "string", "登録停止の理由", "Why it is suspended"),
        Column("renewal_due", "date", "登録の更新期限", "When its registration must be renewed"),
        Column("registered_at", "datetime", "登録日時（日本時間）", "When it was registered (Asia/Tokyo)"),
    ),
    rows=_group_rows,
    sources=(stream("registry"),),
    count=lambda db: count_rows(db, table="directory_groups"),
)


def _calls(db: Database, where: str = "") -> Iterator[Row]:
    return read_in_batches(db, select=CALL_COLUMNS, table="portal_calls", key=("call_id",), where=where)


def _call_rows(db: Database) -> Iterator[Sequence[Any]]:
    for call_id, status, reason, deadline, rules_text, amendments_text, results, published_at in _calls(db):
        rules, amendments = json.loads(str(rules_text)), json.loads(str(amendments_text))
        yield (
            call_id,
            status,
            reason,
            rules["kind"],
            rules["title_ja"],
            rules.get("title_en"),
            rules["description_ja"],
            rules.get("description_en"),
            rules.get("department_id"),
            rules.get("screening_decision_id"),
            _when(published_at),
            _when(deadline),
            rules["formula"],
            rules["passing_score"],
            fraction_value(rules["passing_score"]),
            rules["select"],
            rules["tie_rule"],
            list(rules.get("priority", [])),
            rules["quorum"],
            rules["minimum_extension_days"],
            len(amendments),
            [str(a.get("reason", "")) for a in amendments],
            results is not None,
        )


CALLS = Dataset(
    name="calls",
    title_ja="協働事業の募集一覧",
    title_en="Calls for proposals",
    description_ja="公告された募集（プロポーザル方式・提案制度）と審査の規則、締切、状態。評価基準は call-criteria、"
    "結果は call-results を参照。",
    description_en="Every published call (partner selection or open call): its rules, deadline and status. Criteria "
    "are in call-criteria, results in call-results.",
    columns=(
        Column("call_id", "uuid", "募集の識別子", "The call's id"),
        Column(
            "status",
            "string",
            "状態: open（募集中）、closed（締切）、results_published（結果公表）、cancelled（中止）",
            "Status: open, closed, results_published or cancelled",
        ),
        Column("status_reason", "string", "中止の理由", "Why it was cancelled"),
        Column("kind", "string", "種別: partner_selection（プロポーザル方式）、open_call（提案制度）", "Kind of call"),
        Column("title_ja", "string", "募集名", "Title in Japanese"),
        Column("title_en", "string", "募集名（英語）", "Title in English, if given"),
        Column("description_ja", "string", "募集の内容", "Description in Japanese"),
        Column("description_en", "string", "募集の内容（英語）", "Description in English, if given"),
        Column("department_id", "uuid", "担当部署の識別子", "The department running the call"),
        Column("screening_decision_id", "uuid", "もとになった選別結果の識別子", "The screening decision it follows"),
        Column("published_at", "datetime", "公告日時（日本時間）", "When it was published (Asia/Tokyo)"),
        Column("deadline", "datetime", "提案の締切（日本時間）", "Submission deadline (Asia/Tokyo)"),
        Column(
            "formula",
            "string",
            "得点の計算式: weighted_sum_of_means（重み付き平均点の合計）、percent_of_maximum（満点に対する百分率）",
            "Scoring formula",
        ),
        Column(
            "passing_score",
            "string",
            "合格点（正確な分数 n/d。文字列として読む。計算には passing_score_value）",
            "Passing score, an exact fraction n/d (read it as text; compute with passing_score_value)",
        ),
        Column("passing_score_value", "number", "合格点（小数第2位、四捨五入）", "Passing score, 2 dp half up"),
        Column("select_count", "integer", "選定する提案の上限数", "How many proposals are selected at most"),
        Column(
            "tie_rule",
            "string",
            "同点の扱い: lottery（抽選）、criteria_priority_then_lottery（優先基準、次に抽選）",
            "How ties are broken",
        ),
        Column("priority", "string[]", "同点時に優先する評価基準（順に）", "Criterion keys in priority order"),
        Column("quorum", "integer", "各提案に必要な採点委員数", "Eligible scorers each proposal needs"),
        Column(
            "minimum_extension_days", "integer", "変更時に延長する最低日数", "Days a change extends the deadline by"
        ),
        Column("amendments", "integer", "募集内容の変更の回数", "How many times the call was amended"),
        Column("amendment_reasons", "string[]", "変更の理由（順に）", "The amendments' reasons, in order"),
        Column("results_published", "boolean", "結果が公表されているか", "Whether its results are published"),
    ),
    rows=_call_rows,
    sources=(stream("proposals"),),
    count=lambda db: count_rows(db, table="portal_calls"),
)


def _criteria_rows(db: Database) -> Iterator[Sequence[Any]]:
    for call in _calls(db):
        rules = json.loads(str(call[4]))
        priority = list(rules.get("priority", []))
        for c in rules["criteria"]:
            rank = priority.index(c["key"]) + 1 if c["key"] in priority else None
            yield call[0], c["key"], c["name_ja"], c.get("name_en"), c["weight"], c["max_points"], rank


CALL_CRITERIA = Dataset(
    name="call-criteria",
    title_ja="募集の評価基準",
    title_en="Calls' evaluation criteria",
    description_ja="各募集の評価基準（重み、満点、同点時の優先順位）。",
    description_en="Each call's criteria: weight, maximum points and priority for ties.",
    columns=(
        Column("call_id", "uuid", "募集の識別子（calls を参照）", "The call's id (see calls)"),
        Column("criterion_key", "string", "評価基準のキー", "The criterion's key"),
        Column("name_ja", "string", "評価基準名", "Name in Japanese"),
        Column("name_en", "string", "評価基準名（英語）", "Name in English, if given"),
        Column("weight", "integer", "重み", "Weight"),
        Column("max_points", "integer", "満点", "Maximum points"),
        Column("priority_rank", "integer", "同点時の優先順位（なければ空）", "Priority for ties (empty if none)"),
    ),
    rows=_criteria_rows,
    sources=(stream("proposals"),),
)


def datasets(settings: InfoHubSettings) -> tuple[Dataset, ...]:
    """The portal's datasets (their rows read no settings)."""
    return (GROUPS, CALLS, CALL_CRITERIA, CALL_RESULTS, CALL_RESULT_SCORES)
