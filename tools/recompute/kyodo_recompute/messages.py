"""The auditor's findings and notes in Japanese and English, by code (codes are stable; the wording may improve).

A finding is a problem in the history; a note says what could not be checked and why, and is no problem.
"""

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
    "sealed_chain_mismatch": (
        "封印ストアには現在この募集の封印イベントが {recomputed_count} 件 (ヘッド {recomputed_short}…) ありますが、"
        "{ended_by} の記録は {recorded_count} 件 (ヘッド {recorded_short}…) です",
        "the sealed store now holds {recomputed_count} of the call's sealed events (head {recomputed_short}…); "
        "{ended_by} recorded {recorded_count} (head {recorded_short}…)",
    ),
    "sealed_chain_malformed": (
        "{ended_by} に記録された封印チェーンを読めません: {problem}",
        "the sealed chain {ended_by} recorded cannot be read: {problem}",
    ),
    "sealed_chain_missing": (
        "{ended_by} に封印チェーンが記録されていません (このサービスには封印ストアがあり、公開ストアに受付ゲートの"
        "イベントがないため、封印ストア導入前の募集ではありません)",
        "{ended_by} records no sealed chain, though the service keeps a sealed store and the public store holds no "
        "gate events (so this is no call from before the sealed store)",
    ),
    "sealed_store_missing": (
        "{ended_by} に封印チェーンが記録されていますが、このサービスには封印ストアがありません",
        "{ended_by} records a sealed chain, but the service has no sealed store",
    ),
    "set_aside_unpublished": (
        "審査開始時に審査から除外された提案が {count} 件ありますが、結果に除外の一覧がありません",
        "{count} proposal(s) were kept from the board when the review opened, but the results list none as set aside",
    ),
    "set_aside_mismatch": (
        "除外された提案の公表が審査開始時の記録と一致しません（記録のみ: {only_opened} / 公表のみ: {only_published}）",
        "the proposals published as set aside differ from those kept back when the review opened (recorded only: "
        "{only_opened}; published only: {only_published})",
    ),
    "set_aside_ranked": (
        "提案 {proposal} は除外として公表され、同時に審査の対象にもなっています",
        "proposal {proposal} is published as set aside and was also given to the board",
    ),
    "revealed_not_sealed": (
        "審査開始時に開示された提案 {proposal} は、{ended_by} に記録された封印済みの提案に含まれていません",
        "proposal {proposal}, revealed when the review opened, is not among the sealed aggregates {ended_by} recorded",
    ),
}

NOTES: dict[str, tuple[str, str]] = {
    "sealed_chain_legacy": (
        "{ended_by} は封印チェーンを記録するようになる前のイベントです (封印ストア導入前の募集: 封印イベントは公開"
        "チェーンにあり、`kyodo audit verify` が検証します)。封印チェーンと開示された提案の照合は行いません",
        "{ended_by} was stored before closes recorded a sealed chain (a call from before the sealed store: its sealed "
        "events are in the public chain, which `kyodo audit verify` checks); no sealed chain or revealed proposal is "
        "checked against it",
    ),
    "sealed_chain_null": (
        "{ended_by} は封印チェーンを記録していません (sealed_chain: null)。受付ゲートがサービス自身のストアで開かれた"
        "封印ストア導入前の募集はそう記録し、封印鍵なしではどの募集がそれかを判別できないため、問題とはしません。"
        "封印チェーンと開示された提案の照合は行いません",
        "{ended_by} records no sealed chain (sealed_chain: null). A call whose gate was opened in the service's own "
        "store, before the sealed store existed, records none, and without the sealing key the auditor cannot tell "
        "which calls those are, so this is noted, not reported as a problem; no sealed chain or revealed proposal is "
        "checked against it",
    ),
    "sealed_store_not_read": (
        "封印ストアを読んでいないため、{ended_by} に記録された封印チェーン ({recorded_count} 件) は再計算していません",
        "the sealed store was not read, so the sealed chain {ended_by} recorded ({recorded_count} events) was not "
        "recomputed",
    ),
}
