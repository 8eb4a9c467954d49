"""The proposals service's refusals as people read them: status, Japanese title and its English (the web layer's table).

The domain raises `Refusal(code)`; nothing here is imported by it. Codes several services answer (`invalid_state`,
`conflict_of_interest`, `not_acting_for_group`, `group_not_found` …) are written once, in the kernel's table.
"""

from __future__ import annotations

from kyodo_shared.web.messages import Message

MESSAGES: dict[str, Message] = {
    "deadline_passed": Message(409, "締切を過ぎています", "The deadline has passed"),
    "review_before_deadline": Message(
        409,
        "締切前のため審査を開始できません",
        "The review cannot open before the deadline",
        "募集は {deadline}（日本時間）の締切で締め切られます。その後に審査を開始してください。",
        "The call closes at its deadline, {deadline} (Asia/Tokyo); open the review after that.",
    ),
    "board_below_quorum": Message(
        409, "審査会の委員数が定足数に足りません", "The review board has fewer members than the quorum"
    ),
    "not_amendable": Message(422, "変更できない項目が含まれています", "Only the published rules may be amended"),
    "extension_too_short": Message(
        409,
        "変更時は締切を所定の日数以上延長してください",
        "An amendment must extend the deadline by at least the required days",
    ),
    "call_not_open": Message(409, "この募集は受付中ではありません", "The call is not open for proposals"),
    "group_not_eligible": Message(
        409, "登録が有効な市民活動団体のみ提案できます", "Only registered groups in good standing may submit"
    ),
    "already_submitted": Message(409, "既に提案済みです。修正してください", "Already submitted: revise it instead"),
    "proposal_changed": Message(412, "提案が他の操作で更新されました", "The proposal has changed"),
    "proposal_not_found": Message(404, "提案が見つかりません", "Proposal not found"),
    "sealed_chain_mismatch": Message(
        409,
        "封印された提案の記録が締切時と一致しません",
        "The sealed proposals differ from what the close recorded",
        "締切時に記録された{recorded}件に対し、封印ストアには現在{now}件の記録があるか、内容が変わっています。"
        "審査は開始できません。運用担当者は kyodo audit verify proposals で確認してください。",
        "The close recorded {recorded} sealed events; the sealed store now holds {now}, or their content changed. "
        "The review cannot open: operators, run kyodo audit verify proposals.",
    ),
    "not_on_board": Message(403, "この募集の審査会委員ではありません", "Not on this call's review board"),
    "conflict_not_found": Message(404, "利害関係の申出が見つかりません", "Conflict not found"),
    "conflict_pinned": Message(409, "事務局が確定した利害関係は取り消せません", "A pinned conflict cannot be removed"),
    "conflict_after_scoring": Message(
        409,
        "採点済みの提案には利害関係を申し出られません",
        "You cannot declare a conflict on a proposal you have scored",
        "この提案はすでに採点しています。採点の後は他の委員の採点（委員長は決定の見込み）を見られるため、自ら申し出て"
        "採点を無効にすることはできません。利害関係がある場合は事務局に伝えてください。事務局が記録します。",
        "You have already scored this proposal. After scoring you read the other members' scores (the chair, the "
        "decision's ranking), so you cannot void your score by declaring a conflict yourself. If you have an "
        "interest in the proposing group, tell the coordinator, who records it.",
    ),
    "own_conflict_pinned": Message(
        409,
        "自分の利害関係は事務局として記録できません",
        "You cannot record your own conflict as the coordinator",
        "事務局が記録するのは他の委員の利害関係です。自分の利害関係は、採点の前に委員として申し出てください。"
        "採点の後であれば、別の事務局職員に伝えてください。何も記録していません。",
        "A coordinator records other members' conflicts. Declare your own as a member, before scoring; after "
        "scoring, tell another coordinator. Nothing was recorded.",
    ),
    "ranking_changed": Message(
        409,
        "確認の前に順位が変わりました",
        "The ranking changed before you confirmed it",
        "表示された順位の後に、採点または除斥が変わりました。新しい順位を確かめてから、もう一度確認してください。",
        "A score or a recusal changed after the ranking you read; read the new ranking, then confirm again.",
    ),
    "recused": Message(403, "利害関係により除斥されています", "You are recused from this proposal"),
    "score_final": Message(409, "提出済みの採点は変更できません", "Submitted scores are final"),
    "invalid_points": Message(
        422,
        "各基準の点数を満点以内の整数で入力してください",
        "Score every criterion within its maximum",
        "「{criterion_ja}」は0点から{max}点までの整数で採点してください。",
        "Score “{criterion_en}” with a whole number from 0 to {max}.",
    ),
    "not_a_call_criterion": Message(
        422,
        "この募集にない評価基準が含まれています",
        "A score names a criterion this call does not have",
        "募集要項の評価基準ごとに採点してください。",
        "Score each criterion of the call's published rules.",
    ),
    "already_on_board": Message(409, "既に審査会の委員です", "Already on the board"),
    "quorum_not_met": Message(
        409,
        "定足数を満たさない提案があります",
        "Some proposals lack the quorum of scorers",
        "採点者が定足数（{quorum}名）に満たない提案があります。補充できる委員は、協働事業審査会の現任委員のうち"
        "この募集の審査会にまだ加わっていない人に限られます（現在{eligible}名）。0名のときは、先に審査会へ"
        "委員を任命してください。",
        "Some proposals have fewer scorers than the quorum ({quorum}). A substitute must be a current member of "
        "the review board not yet on this call's board ({eligible} now eligible); with none, appoint a member to "
        "the review board first.",
    ),
    "not_the_confirmer": Message(
        403,
        "決定の確認は委員長（除斥時は副委員長、いずれも除斥のときは互選された委員長代理）が行います",
        "The chair confirms (if recused, the vice-chair; if both are, the acting chair the members elected)",
    ),
    # A rule that cannot be kept: `invalid_rules` names the field and the rule, whose message names the values.
    "invalid_rules": Message(
        422, "募集の規定をこのままでは適用できません", "The call's rules cannot be applied as written"
    ),
    "criterion_key_repeated": Message(
        422,
        "評価基準のキーが重複しています",
        "A criterion key is repeated",
        "評価基準のキー「{key}」が複数の基準に使われています。基準ごとに異なるキーを指定してください。",
        "The criterion key “{key}” is used by more than one criterion; give each criterion its own key.",
    ),
    "priority_unknown_criterion": Message(
        422,
        "優先順位に評価基準にないキーがあります",
        "The priority names a key that is not a criterion",
        "優先順位のキー「{key}」は評価基準にありません。評価基準のキーを指定してください。",
        "The priority key “{key}” names no criterion; list criterion keys only.",
    ),
    "priority_repeated": Message(
        422,
        "優先順位に同じキーが重複しています",
        "The priority repeats a key",
        "優先順位のキー「{key}」が2回以上あります。各基準は1回だけ指定してください。",
        "The priority lists “{key}” more than once; list each criterion at most once.",
    ),
    "priority_required": Message(
        422,
        "同点時の規定に優先順位が必要です",
        "The tie rule needs a priority",
        "同点時の扱い {tie_rule} では、評価基準の優先順位（priority）を1つ以上指定してください。",
        "The tie rule {tie_rule} needs a priority: list at least one criterion key.",
    ),
    "passing_score_unreachable": Message(
        422,
        "合格点が到達できる最高点を超えています",
        "The passing score is above the highest reachable score",
        "合格点 {passing_score} は、選んだ得点の算式で到達できる最高点 {maximum} を超えています。"
        "{maximum} 以下にしてください。",
        "The passing score {passing_score} is above {maximum}, the highest score the chosen formula can give; "
        "set it to {maximum} or less.",
    ),
    "deadline_in_past": Message(
        422,
        "締切が過去の日時です",
        "The deadline is in the past",
        "締切 {deadline}（日本時間）は現在 {now}（日本時間）より前です。これから先の日時を指定してください。",
        "The deadline {deadline} (Asia/Tokyo) is not after now, {now} (Asia/Tokyo); choose a time still to come.",
    ),
    "no_quorum_failure": Message(
        409, "定足数不足のときのみ委員を補充できます", "A substitute joins only when quorum fails"
    ),
    "no_confirmer": Message(
        409,
        "確認できる委員長・副委員長がいません（いずれも除斥）。除斥されていない委員の互選による委員長代理を登録してください",
        "Neither the chair nor the vice-chair can confirm (both recused or absent): record an acting chair elected by "
        "the members not recused",
    ),
    "committee_not_review_board": Message(
        422,
        "協働事業審査会を指定してください",
        "The committee must be the collaboration-project review board",
    ),
    "score_first": Message(403, "自分の採点を提出した後に閲覧できます", "Submit your own score first"),
    "results_not_published": Message(404, "結果は公表されていません", "Results are not published"),
    # A partner selection follows a screening decision (選別結果) as screening's events brought it here.
    "screening_decision_unknown": Message(
        409,
        "選別結果がまだ届いていません",
        "The screening decision has not reached proposals yet",
        "指定された選別結果は、まだこのサービスに届いていません。決定の直後であれば、少し待ってから同じ内容で"
        "再度お試しください。続く場合は選別結果の ID を確認してください。",
        "The screening decision named has not reached this service yet. If it was just decided, send the same "
        "request again shortly; if this persists, check the decision's id.",
        retry_after=5,
    ),
    "screening_decision_not_suitable": Message(
        422,
        "「協働に適する」と判断された選別結果ではありません",
        "The screening decision did not find the project suitable",
        "この選別結果の判断は「{outcome}」です。パートナー選定（プロポーザル方式）は「協働に適する」と判断された"
        "事業についてのみ行えます。",
        "This screening decision is “{outcome}”; a partner selection follows only a decision that found the "
        "project suitable.",
    ),
    "screening_decision_superseded": Message(
        422,
        "訂正された選別結果です",
        "The screening decision has been superseded",
        "この選別結果は選別結果 {replaced_by} により訂正されています。訂正後の選別結果を指定してください。",
        "This screening decision was corrected by decision {replaced_by}; name the correcting decision instead.",
    ),
    "screening_decision_not_applicable": Message(
        422,
        "選別結果に基づく募集はパートナー選定のみです",
        "Only a partner selection follows a screening decision",
        "提案制度（open_call）の募集は選別結果に基づきません。screening_decision_id を指定しないでください。",
        "An open call follows no screening decision: leave screening_decision_id out.",
    ),
    # The department that runs a call (担当部署), as the registry's events brought it here.
    "department_unknown": Message(
        409,
        "担当部署がまだ届いていません",
        "The department has not reached proposals yet",
        "指定された部署は、まだこのサービスに届いていません。登録の直後であれば、少し待ってから同じ内容で"
        "再度お試しください。続く場合は部署の ID を確認してください。",
        "The department named has not reached this service yet. If it was just registered, send the same request "
        "again shortly; if this persists, check the department's id.",
        retry_after=5,
    ),
    "department_not_the_projects": Message(
        422,
        "選別結果の事業の担当部署と異なります",
        "The department differs from the screened project's",
        "この募集が基づく選別結果の事業は部署 {department_id} の事業です。その部署を指定するか、"
        "department_id を省略してください（省略すると事業の部署になります）。",
        "The screening decision this call follows is about a project of department {department_id}: name that "
        "department, or leave department_id out to take it from the project.",
    ),
}

# The screening outcomes a refusal names, in both languages (the contract's `Outcome` values).
TERMS: dict[str, tuple[str, str]] = {
    "suitable": ("協働に適する", "suitable"),
    "not_suitable": ("協働に適さない", "not suitable"),
    "needs_study": ("要検討", "needs study"),
}
