"""The auditor's findings in Japanese and English, by code (codes are stable; the wording may improve)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "call_not_found": (
        "募集の公開イベントがありません",
        "no published call in the history",
    ),
    "spec_invalid": (
        "公開された審査基準を読めません: {problem}",
        "the published rules cannot be read: {problem}",
    ),
    "review_not_found": (
        "審査開始のイベントがありません",
        "the review was never opened",
    ),
    "not_decided": (
        "決定のイベントがありません",
        "no decision in the history",
    ),
    "decided_twice": (
        "決定が {times} 回記録されています",
        "the decision is recorded {times} times",
    ),
    "results_not_published": (
        "結果が公表されておらず、抽選のシードが開示されていません",
        "the results are not published, so the lottery seed is not revealed",
    ),
    "seed_malformed": (
        "開示されたシードが 16 進数ではありません",
        "the revealed seed is not hex",
    ),
    "seed_mismatch": (
        "開示されたシードが公表済みのコミットメント {commitment} と一致しません",
        "the revealed seed does not match the published commitment {commitment}",
    ),
    "counted_malformed": (
        "集計対象の記録 {value} を読めません",
        "a counted score entry {value} cannot be read",
    ),
    "counted_twice": (
        "委員 {member} の提案 {proposal} への採点が二重に集計されています",
        "member {member}'s score of proposal {proposal} is counted twice",
    ),
    "counted_score_missing": (
        "集計された委員 {member} の提案 {proposal} への採点が履歴にありません",
        "member {member}'s counted score of proposal {proposal} is not in the history",
    ),
    "counted_and_voided": (
        "委員 {member} の提案 {proposal} への採点が集計と無効の両方にあります",
        "member {member}'s score of proposal {proposal} is both counted and voided",
    ),
    "proposal_unknown": (
        "集計された提案 {proposal} は審査対象にありません",
        "counted proposal {proposal} is not among the reviewed proposals",
    ),
    "score_duplicated": (
        "委員 {member} が提案 {proposal} を {times} 回採点しています (採点は確定後変更できません)",
        "member {member} scored proposal {proposal} {times} times (submitted scores are final)",
    ),
    "score_unaccounted": (
        "委員 {member} の提案 {proposal} への採点が集計にも無効にも含まれていません",
        "member {member}'s score of proposal {proposal} is neither counted nor voided",
    ),
    "conflict_counted": (
        "利益相反が申告されたままの委員 {member} の提案 {proposal} への採点が集計されています",
        "member {member}'s score of proposal {proposal} is counted despite a standing conflict",
    ),
    "not_on_board": (
        "審査委員でない {member} の提案 {proposal} への採点が集計されています",
        "a score of proposal {proposal} by {member}, who is not on the board, is counted",
    ),
    "points_invalid": (
        "委員 {member} の提案 {proposal} への採点が基準どおりではありません: {problem}",
        "member {member}'s score of proposal {proposal} does not follow the criteria: {problem}",
    ),
    "quorum_not_met": (
        "提案 {proposal} の有効な採点者は {scorers} 人で、定足数 {quorum} 人に達していません",
        "proposal {proposal} has {scorers} counted scorers, below the quorum of {quorum}",
    ),
    "ranking_malformed": (
        "決定された順位を読めません: {problem}",
        "the decided ranking cannot be read: {problem}",
    ),
    "ranking_entries_mismatch": (
        "順位の対象が再計算と異なります (再計算のみ: {only_recomputed}、決定のみ: {only_decided})",
        "the ranked proposals differ (only recomputed: {only_recomputed}; only decided: {only_decided})",
    ),
    "ranking_order_mismatch": (
        "順位が再計算と異なります",
        "the order differs from the recomputed ranking",
    ),
    "ranking_mismatch": (
        "提案 {proposal} の {field} が再計算 ({recomputed}) と異なります (決定: {decided})",
        "proposal {proposal}: {field} differs from the recomputed value ({recomputed}; decided: {decided})",
    ),
    "receipt_malformed": (
        "提案 {proposal} の受領証を読めません: {reason}",
        "proposal {proposal}'s receipt cannot be read: {reason}",
    ),
    "receipt_signature_invalid": (
        "提案 {proposal} の受領証の署名を確認できません: {reason}",
        "proposal {proposal}'s receipt signature does not verify: {reason}",
    ),
    "receipt_mismatch": (
        "提案 {proposal} の受領証 ({receipt}) が提案 ({entry}) と一致しません",
        "proposal {proposal}'s receipt ({receipt}) does not agree with the entry ({entry})",
    ),
    "content_mismatch": (
        "提案 {proposal} の内容が受領証と一致しません",
        "proposal {proposal}'s content does not match its receipt",
    ),
    "entry_hash_mismatch": (
        "提案 {proposal} の内容ハッシュまたはソルトが受領証と異なります",
        "proposal {proposal}'s content hash or salt differs from its receipt",
    ),
}
