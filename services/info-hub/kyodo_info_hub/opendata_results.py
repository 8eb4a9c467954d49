"""The calls' published results as open data (選定結果): one row per proposal of each decision — its rank, group
(with the directory's name), exact and readable scores, criterion means, recusals, whether it passed and was
selected, its lottery key, and the decision's reasons and revealed seed — and the reviewers' points by label, one
row per proposal, reviewer label and criterion: everything needed to recompute a decision (`kyodo audit` does).

A proposal set aside at the deadline (不受理) is a row without rank or scores, with the reason. Group names come
from the public directory: a group no longer in it (dissolved; or an applicant never registered) has an empty name.
Only what `portal_calls.results` holds — what `/calls/{id}` already publishes — is exported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from kyodo_info_hub.opendata import Column, Dataset, read_in_batches, stream
from kyodo_shared.store.db import Database

_WITH_RESULTS = "results IS NOT NULL"


def _published(db: Database) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each call with results: its id, Japanese title and results, in the calls' order."""
    for call_id, rules, results in read_in_batches(
        db,
        select="call_id, rules, results",
        table="portal_calls",
        key=("call_id",),
        where=_WITH_RESULTS,
        batch_size=50,  # each row carries a whole results document: small batches keep memory small
    ):
        yield str(call_id), str(json.loads(str(rules))["title_ja"]), json.loads(str(results))


def group_names(db: Database, group_ids: Iterable[str]) -> dict[str, str]:
    """The directory's name of each group it holds, by id, read now; a group not in it (dissolved, or an applicant
    never registered) is absent from the answer. One reading for the open data, the API's call results and the
    portal's pages, so none names a group differently."""
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            f"SELECT group_id, name FROM directory_groups WHERE group_id IN ({marks})",  # noqa: S608
            ids,
        )
    return {str(r[0]): str(r[1]) for r in rows}


def _result_rows(db: Database) -> Iterator[Sequence[Any]]:
    for call_id, title, results in _published(db):
        proposals = sorted(results.get("proposals", []), key=lambda p: (p["rank"], p["proposal_id"]))
        set_aside = results.get("set_aside", [])
        names = group_names(db, (str(p["group_id"]) for p in [*proposals, *set_aside]))
        common = (results.get("reasons", ""), results.get("seed", ""))
        for p in proposals:
            means = [f"{k}={v}" for k, v in sorted(p.get("criterion_means", {}).items())]
            yield (
                call_id,
                title,
                p["proposal_id"],
                p["group_id"],
                names.get(str(p["group_id"])),
                p["rank"],
                p["score"],
                p["score_display"],
                means,
                p["recusals"],
                p["passes"],
                p["selected"],
                p["tie_broken"],
                p["lottery_key"],
                None,
                *common,
            )
        for s in sorted(set_aside, key=lambda s: str(s["proposal_id"])):
            gid = str(s["group_id"])
            none: tuple[Any, ...] = (None, None, None, [], None, None, None, None, None)
            yield (call_id, title, s["proposal_id"], gid, names.get(gid), *none, s["reason"], *common)


CALL_RESULTS = Dataset(
    name="call-results",
    title_ja="募集の選定結果",
    title_en="Calls' results: the ranking of proposals",
    description_ja="結果が公表された募集ごとの提案の順位、得点（正確な分数と表示用の値）、評価基準ごとの平均点、"
    "利害関係による回避の数、合否と選定、同点時の抽選キー、選定理由と抽選の種（公表後）。"
    "受付時に除外された提案は順位なしで理由を付けて掲載します。",
    description_en="Per call with published results, each proposal's rank, exact and readable score, criterion "
    "means, recusals, pass and selection, lottery key, with the decision's reasons and revealed seed; proposals set "
    "aside at the deadline are listed without a rank, with the reason.",
    columns=(
        Column("call_id", "uuid", "募集の識別子（calls を参照）", "The call's id (see calls)"),
        Column("call_title_ja", "string", "募集名", "The call's title"),
        Column("proposal_id", "uuid", "提案の識別子", "The proposal's id"),
        Column("group_id", "uuid", "提案した団体の識別子", "The proposing group's id"),
        Column(
            "group_name", "string", "団体名（団体一覧にない場合は空）", "Group name (empty if not in the directory)"
        ),
        Column("rank", "integer", "順位（除外された提案は空）", "Rank (empty for a proposal set aside)"),
        Column(
            "score",
            "string",
            "得点（正確な分数 n/d。文字列として読む。表計算には score_display）",
            "Score as an exact fraction n/d (read it as text; score_display for spreadsheets)",
        ),
        Column("score_display", "string", "得点（小数、表示・表計算用）", "Score as a decimal, for reading"),
        Column(
            "criterion_means",
            "string[]",
            "評価基準ごとの平均点（キー=分数、CSV では ; 区切り）",
            "Mean points per criterion (key=fraction, ;-separated in CSV)",
        ),
        Column("recusals", "integer", "利害関係により回避した委員の数", "Board members recused from this proposal"),
        Column("passes", "boolean", "合格点に達したか", "Whether it reached the passing score"),
        Column("selected", "boolean", "選定されたか", "Whether it was selected"),
        Column("tie_broken", "boolean", "同点を抽選等で決めたか", "Whether a tie was broken for it"),
        Column("lottery_key", "string", "抽選キー（SHA-256）", "Lottery key (SHA-256 of seed and content hash)"),
        Column(
            "set_aside_reason",
            "string",
            "受付時に除外された理由（団体の状態、または receipt_mismatch）",
            "Why it was set aside at the deadline (the group's standing, or receipt_mismatch)",
        ),
        Column("reasons", "string", "選定の理由", "The decision's reasons"),
        Column("seed", "string", "抽選の種（公表後、公告時の SHA-256 と照合可能）", "The revealed lottery seed"),
    ),
    rows=_result_rows,
    sources=(stream("proposals"), stream("registry")),
)


def _score_rows(db: Database) -> Iterator[Sequence[Any]]:
    for call_id, _title, results in _published(db):
        for p in sorted(results.get("proposals", []), key=lambda p: (p["rank"], p["proposal_id"])):
            for s in sorted(p.get("scores", []), key=lambda s: str(s["label"])):
                for key, points in sorted(s["points"].items()):
                    yield call_id, p["proposal_id"], s["label"], key, points


CALL_RESULT_SCORES = Dataset(
    name="call-result-scores",
    title_ja="募集の選定結果（委員ごとの採点）",
    title_en="Calls' results: each reviewer's points",
    description_ja="提案ごと・委員（提案ごとに無作為に付した記号）ごと・評価基準ごとの点数。得点の再計算に使えます。",
    description_en="Points per proposal, reviewer (a label shuffled per proposal) and criterion: enough to "
    "recompute every score.",
    columns=(
        Column("call_id", "uuid", "募集の識別子", "The call's id"),
        Column("proposal_id", "uuid", "提案の識別子（call-results を参照）", "The proposal's id (see call-results)"),
        Column("reviewer_label", "string", "委員の記号（提案ごとに無作為）", "Reviewer label, shuffled per proposal"),
        Column(
            "criterion_key", "string", "評価基準のキー（call-criteria を参照）", "Criterion key (see call-criteria)"
        ),
        Column("points", "integer", "点数", "Points"),
    ),
    rows=_score_rows,
    sources=(stream("proposals"),),
)
