"""The evaluation recompute's findings and notes in Japanese and English, by code (codes are stable; the wording may
improve). A finding is a problem in the history; a note says what could not be checked and why, and is no problem.
"""

from __future__ import annotations

from typing import Any

from kyodo_recompute.checks import Finding, Note

__all__ = ["EVALUATION_MESSAGES", "EVALUATION_NOTES", "WHERE", "ev_finding", "ev_note"]

# Where a stated value was read: the restricted decision, or the published report.
WHERE = {"decision": "推薦の決定", "report": "公表された評価報告書"}

EVALUATION_MESSAGES: dict[str, tuple[str, str]] = {
    "substitute_already_member": (
        "補充された {member} は既に委員でした",
        "the substitute {member} was a member already",
    ),
    "substitute_after_recommendation": (
        "{member} の補充が推薦の後に記録されています",
        "the substitute {member} joined after the recommendation",
    ),
    "substitute_not_needed": (
        "{member} の補充時、回避していない委員は {eligible} 名で定足数 {quorum} を満たしていました",
        "when {member} was added, {eligible} members were not recused: the quorum {quorum} could be met",
    ),
    "substitute_recusal_withdrawn": (
        "{member} の補充の理由となった回避 ({withdrawn}) が推薦の時点で解かれています",
        "recusals the substitute {member} was added for ({withdrawn}) no longer stood at the recommendation",
    ),
    "project_not_found": ("事業 {project} の作成イベントがありません", "no project {project} in the history"),
    "committee_not_opened": ("評価委員会がこの事業を取り上げていません", "the committee never took up the project"),
    "not_recommended": ("推薦のイベントがありません", "no recommendation in the history"),
    "recommended_twice": ("推薦が {times} 回記録されています", "the recommendation is recorded {times} times"),
    "report_not_published": ("評価報告書が公表されていません", "the evaluation report was not published"),
    "report_published_twice": ("評価報告書が {times} 回公表されています", "the report is published {times} times"),
    "opened_malformed": (
        "評価委員会の開始イベントを読めません: {problem}",
        "the committee's opening is unreadable: {problem}",
    ),
    "counted_malformed": ("集計対象の記録 {value} を読めません", "a counted entry {value} cannot be read"),
    "counted_twice": ("委員 {member} の評価が二重に集計されています", "member {member}'s evaluation is counted twice"),
    "voided_malformed": ("無効とされた評価の記録 {value} を読めません", "a voided entry {value} cannot be read"),
    "voided_twice": ("委員 {member} の評価が二重に無効とされています", "member {member}'s evaluation is voided twice"),
    "voided_reason_unknown": (
        "委員 {member} の評価の無効理由 {reason} は利害関係 (interest) でも利益相反 (conflict) でもありません",
        "member {member}'s evaluation is voided for {reason}, neither interest nor conflict",
    ),
    "counted_not_scored": (
        "集計された委員 {member} の評価が履歴にありません",
        "member {member} is counted but gave no evaluation in the history",
    ),
    "voided_not_scored": (
        "無効とされた委員 {member} の評価が履歴にありません",
        "member {member} is voided but gave no evaluation in the history",
    ),
    "counted_and_voided": (
        "委員 {member} の評価が集計と無効の両方にあります",
        "member {member}'s evaluation is both counted and voided",
    ),
    "score_unaccounted": (
        "委員 {member} の評価が集計にも無効にもありません",
        "member {member}'s evaluation is neither counted nor voided",
    ),
    "score_duplicated": (
        "委員 {member} の評価が {times} 回記録されています",
        "member {member} evaluated {times} times",
    ),
    "not_on_committee": (
        "{member} は開始時の評価委員会の委員ではありません",
        "{member} was not on the committee when it took up the project",
    ),
    "conflict_counted": (
        "推薦時に利益相反の申告が残っていた委員 {member} の評価が集計されています",
        "member {member} had a conflict standing at the recommendation, yet is counted",
    ),
    "conflict_void_reason": (
        "推薦時に利益相反の申告が残っていた委員 {member} の評価の無効理由が {reason} になっています (conflict のはず)",
        "member {member} had a conflict standing at the recommendation, yet is voided for {reason}, not conflict",
    ),
    "conflict_void_without_conflict": (
        "委員 {member} の評価が利益相反を理由に無効とされていますが、推薦時に利益相反の申告はありません",
        "member {member} is voided for a conflict, but none stood at the recommendation",
    ),
    "recused_malformed": (
        "回避した委員の一覧 {value} を読めません",
        "the list of recused members {value} cannot be read",
    ),
    "conflict_not_recused": (
        "推薦時に利益相反の申告が残っていた委員 {member} が回避者の一覧にありません",
        "member {member} had a conflict standing at the recommendation, but is not listed as recused",
    ),
    "recused_counted": ("回避した委員 {member} の評価が集計されています", "recused member {member} is counted"),
    "voided_not_recused": (
        "評価が無効とされた委員 {member} が回避者の一覧にありません",
        "member {member}'s evaluation is voided, but the member is not listed as recused",
    ),
    "quorum_not_met": (
        "集計された評価は {counted} 件で、定足数 {quorum} に届きません",
        "{counted} evaluation(s) counted, short of the quorum of {quorum}",
    ),
    "points_invalid": (
        "委員 {member} の評価の点数が正しくありません ({problem})。再計算から除外しました",
        "member {member}'s points are invalid ({problem}) and were left out of the recompute",
    ),
    "criterion_means_keys": (
        "{where_ja}の基準別平均の基準 {stated} が評価基準 {criteria} と一致しません",
        "the {where}'s criterion means name {stated}, not the criteria {criteria}",
    ),
    "criterion_mean_mismatch": (
        "{where_ja}の基準 {criterion} の平均 {stated} は、再計算の {recomputed} と一致しません",
        "the {where}'s mean for criterion {criterion} is {stated}; recomputed {recomputed}",
    ),
    "overall_mean_mismatch": (
        "{where_ja}の総合平均 {stated} は、再計算の {recomputed} と一致しません",
        "the {where}'s overall mean is {stated}; recomputed {recomputed}",
    ),
    "labels_malformed": ("ラベルの対応表を読めません: {problem}", "the labels cannot be read: {problem}"),
    "labels_not_counted": (
        "ラベルと集計された委員が一対一に対応しません (ラベルのみ: {only_labelled}、集計のみ: {only_counted}、"
        "重複: {repeated})",
        "labels and counted members are not one to one (labelled only: {only_labelled}, counted only: "
        "{only_counted}, labelled twice: {repeated})",
    ),
    "report_labels_mismatch": (
        "評価報告書のラベル付き評価がラベルの対応表と一致しません (報告書のみ: {only_report}、対応表のみ: "
        "{only_labels}、重複: {repeated})",
        "the report's labelled evaluations do not match the labels (report only: {only_report}, labels only: "
        "{only_labels}, listed twice: {repeated})",
    ),
    "labelled_points_mismatch": (
        "評価報告書のラベル {label} の点数が、委員 {member} の記録された評価と一致しません",
        "the report's points under label {label} are not member {member}'s recorded points",
    ),
    "recusals_mismatch": (
        "評価報告書の回避者数 {stated} は、回避者の一覧の {recused} 名と一致しません",
        "the report counts {stated} recusal(s); the decision lists {recused} recused member(s)",
    ),
    "report_differs": (
        "評価報告書の {field} ({report}) が推薦の決定 ({decision}) と異なります",
        "the report's {field} ({report}) differs from the decision's ({decision})",
    ),
    "confirmer_role_mismatch": (
        "確定者は {expected} のはずですが、{stated} と記録されています (委員長・副委員長の回避に基づく)",
        "the confirmer should be the {expected} (given who is recused), but {stated} is recorded",
    ),
    "confirmer_sub_mismatch": (
        "{role} は {expected} ですが、確定者は {stated} と記録されています",
        "the {role} is {expected}, but the confirmer is recorded as {stated}",
    ),
    "acting_chair_missing": (
        "委員長代理が確定したと記録されていますが、委員長代理の選出が記録されていません",
        "confirmed by an acting chair, but no acting chair is recorded",
    ),
    "acting_chair_unexpected": (
        "{stated} が確定したのに委員長代理が記録されています",
        "an acting chair is recorded although the {stated} confirmed",
    ),
    "acting_chair_ineligible": (
        "委員長代理またはその選出者 {member} が委員でないか、回避しています",
        "acting chair or elector {member} is not on the committee, or is recused",
    ),
    "acting_chair_minority": (
        "委員長代理の選出者 {electors} 名は、回避していない委員 {eligible} 名の過半数ではありません",
        "the acting chair's {electors} elector(s) are no majority of the {eligible} member(s) not recused",
    ),
    "project_not_reported": ("事業が推薦を記録していません", "the project did not record the recommendation"),
    "project_reported_twice": ("事業が推薦を {times} 回記録しています", "the project recorded it {times} times"),
    "project_reported_mismatch": (
        "事業に記録された推薦 {project_value} は推薦の決定 {decision_value} と異なります",
        "the project records the recommendation {project_value}; the decision says {decision_value}",
    ),
}

EVALUATION_NOTES: dict[str, tuple[str, str]] = {
    "substitutes": ("補充された委員: {substitutes}", "substitute members: {substitutes}"),
    "interests_from_registry": (
        "利害関係による回避 ({recused_count} 名: {recused}) と無効 ({voided_count} 件: {voided}) は、推薦の決定が"
        "登録サービスから取得したとおりです。登録サービスの履歴は別サービスのストアにあり、ここでは読んでいません",
        "recusals by a declared interest ({recused_count}: {recused}) and interest voids ({voided_count}: {voided}) "
        "are as the decision took them from the registry; the registry's history is another service's store and is "
        "not read here",
    ),
    "acting_chair_from_registry": (
        "委員長代理 {acting} の選出 (互選) は登録サービスの履歴にあり、ここでは読んでいません",
        "acting chair {acting}'s election is in the registry's history (another service's store), not read here",
    ),
}


def ev_finding(code: str, member_sub: str | None = None, **detail: Any) -> Finding:
    ja, en = EVALUATION_MESSAGES[code]
    values = {"member": member_sub, **detail}
    if "where" in detail:
        values["where_ja"] = WHERE.get(str(detail["where"]), str(detail["where"]))
    return Finding(code, ja.format(**values), en.format(**values), None, member_sub, detail)


def ev_note(code: str, **detail: Any) -> Note:
    ja, en = EVALUATION_NOTES[code]
    return Note(code, ja.format(**detail), en.format(**detail), detail)
