"""The evaluation service's refusals as people read them: status, Japanese title and its English (the web layer's
table). The domain raises `Refusal(code)`; nothing here is imported by it. A detail may name values the refusal
carries (keys, units, counts) — never text a caller wrote."""

from __future__ import annotations

from kyodo_shared.web.messages import Message

_PROJECTS: dict[str, Message] = {
    "project_not_found": Message(404, "協働事業が見つかりません", "Collaboration project not found"),
    "project_exists": Message(409, "この協働事業は既にあります", "This collaboration project exists already"),
    "coordinator_only": Message(
        403, "市民活動センターの担当者のみが行えます", "Only the center's coordinators may do this"
    ),
    "not_a_partner": Message(
        403,
        "この協働事業の当事者ではありません",
        "You do not act for a partner of this project",
        "団体の代表者・連絡担当者、または部署の連絡担当のみが行えます。",
        "Only the group's representative or contacts, or the department's liaison, may do this.",
    ),
    "representative_only": Message(
        403, "協定の確認は団体の代表者が行います", "The group's representative confirms the agreement"
    ),
    "name_own_partner": Message(
        403,
        "自分の団体または部署を指定してください",
        "Name your own group or department",
        "group_id または department_id に、自分が関わる団体・部署を指定してください。",
        "Give group_id or department_id of a group or department you act for.",
    ),
    "screening_decision_not_found": Message(
        404,
        "選別の決定が見つかりません",
        "Screening decision not found",
        "決定の直後の場合は少し待ってから再度お試しください。",
        "A decision made a moment ago may take a few seconds to arrive here.",
        retry_after=5,
    ),
    "screening_decision_superseded": Message(422, "この決定は訂正されています", "This decision was corrected"),
    "screening_not_suitable": Message(
        409, "協働に適するとされた事業ではありません", "The decision did not find the project suitable"
    ),
    "form_needs_call": Message(
        422,
        "この形態は提案の募集を経て始めます",
        "This form starts through a call for proposals",
        "募集によらずに始められるのは共催・後援・情報交換です。",
        "Only co_hosting, endorsement and information_exchange start without a call.",
    ),
    "form_not_decided": Message(422, "決定で示された協働の形態ではありません", "Not a form the decision named"),
    "group_not_registered": Message(422, "登録された団体ではありません", "Not a registered group"),
    "adoption_not_found": Message(404, "採択が見つかりません", "Adoption not found"),
    "adoption_names_department": Message(
        409,
        "この採択は担当部署を示しています",
        "This adoption names its department",
        "協働事業は自動的に作られます。",
        "Its project is created by itself.",
    ),
    "department_not_found": Message(
        422,
        "登録簿の部署ではありません",
        "Not a department of the registry",
        "登録直後の場合は少し待ってから再度お試しください。",
        "A department registered a moment ago may take a few seconds to arrive here.",
    ),
}

_AGREEMENT: dict[str, Message] = {
    "criteria_fixed": Message(
        409, "協定の締結後は評価項目を変更できません", "The criteria are fixed once the agreement is concluded"
    ),
    "no_draft": Message(409, "確認する協定案がありません", "There is no draft to confirm"),
    "agreement_version_mismatch": Message(
        409,
        "開いた後に協定案が差し替えられました",
        "The draft was replaced after you opened it",
        "新しい協定案を読み直し、そのハッシュ値の版を確認してください。",
        "Read the new draft and confirm the version with its hash.",
    ),
    "draft_outdated": Message(
        409,
        "この協定案は現在の状況に合わなくなりました。作り直してください",
        "This draft no longer fits: draft it again",
        "協定案の作成後に報告・期限・期間が変わりました（理由：{cause}）。",
        "Reports, due dates or the period changed since it was drafted (cause: {cause}).",
    ),
    "already_confirmed": Message(409, "この版は既に確認済みです", "Your side already confirmed this version"),
    "amendment_reason_required": Message(422, "変更の理由が必要です", "An amendment needs its reason"),
    "period_start_fixed": Message(422, "変更で開始日は動かせません", "An amendment cannot move the start"),
    "period_over": Message(422, "事業期間が既に終わっています", "The period is already over"),
    "report_dates_fixed": Message(
        422,
        "期限を過ぎた報告日・報告済みの報告日は変更できません",
        "Report dates already due or reported on cannot change",
        "最初の{kept}件の報告日はそのままにしてください。",
        "Keep the first {kept} report dates as they are.",
    ),
    "indicator_fixed": Message(
        422,
        "報告済みの指標の単位・種類は変更・削除できません",
        "An indicator already reported on keeps its unit and type",
        "指標 {key} は報告済みです。",
        "Indicator {key} has been reported on.",
    ),
    "budget_does_not_add_up": Message(
        422,
        "予算の内訳が合計と一致しません",
        "The budget's shares do not add up",
        "市と団体の負担額の和が総額です。",
        "city_yen + group_yen must equal total_yen.",
    ),
    "period_reversed": Message(422, "終了日が開始日より前です", "The period ends before it starts"),
    "report_date_outside_period": Message(422, "報告日が期間外です", "A report date is outside the period"),
    "report_dates_not_ascending": Message(422, "報告日は昇順で重複なく", "Report dates must ascend, without repeats"),
    "indicators_required": Message(422, "指標が必要です", "At least one indicator is needed"),
    "indicator_repeated": Message(422, "指標が重複しています", "An indicator is repeated"),
    "unknown_indicator": Message(422, "協定にない指標です", "Not an indicator of the agreement"),
    "indicator_unreported": Message(
        422,
        "報告されていない指標があります",
        "An indicator is not reported",
        "指標 {key} の値がありません。",
        "Indicator {key} has no value.",
    ),
    "wrong_unit": Message(
        422,
        "単位が指標と異なります",
        "The unit is not the indicator's",
        "この指標の単位は {unit} です。",
        "This indicator is reported in {unit}.",
    ),
    "value_not_whole": Message(
        422,
        "0以上の整数で入力してください",
        "Give a whole number ≥ 0",
        "件数・金額の指標です：小数や負の数は使えません。",
        "This indicator counts things or yen: no fractions or negative numbers.",
    ),
    "value_not_decimal": Message(422, "数値（小数は6桁まで）で入力してください", "Give a decimal number (≤ 6 places)"),
    "percent_out_of_range": Message(422, "割合は0から100です", "A percentage is from 0 to 100"),
}

_PROGRESS: dict[str, Message] = {
    "agreement_not_concluded": Message(409, "協定が締結されていません", "The agreement is not concluded yet"),
    "project_ended": Message(
        409,
        "事業期間は終了しています",
        "The project's period is over",
        "終了後は中間報告ではなく自己評価を提出してください。",
        "After the end, submit the self-evaluation instead of an interim report.",
    ),
    "report_not_scheduled": Message(422, "協定にない報告回です", "No report of that number is scheduled"),
    "report_already_filed": Message(409, "この回の報告は提出済みです", "This report is already filed"),
    "project_not_ended": Message(409, "事業はまだ終了していません", "The project has not ended yet"),
    "self_evaluation_closed": Message(409, "自己評価の受付は終了しました", "Self-evaluations are closed"),
    "already_self_evaluated": Message(409, "自己評価は提出済みです", "Your self-evaluation is already in"),
    "self_evaluation_sealed": Message(
        403,
        "双方の自己評価が揃うか期限を過ぎるまで、相手方の自己評価は見られません",
        "The other partner's self-evaluation is sealed until both are in or the deadline passes",
    ),
    "self_evaluation_not_found": Message(404, "自己評価がありません", "No self-evaluation"),
    "criterion_unrated": Message(
        422,
        "評価されていない項目があります",
        "A criterion is not rated",
        "項目 {key} の評価がありません。",
        "Criterion {key} has no rating.",
    ),
    "criterion_repeated": Message(422, "評価項目が重複しています", "A criterion is repeated"),
    "unknown_criterion": Message(422, "評価項目にありません", "Not an evaluation criterion"),
}

_COMMITTEE: dict[str, Message] = {
    "not_evaluating": Message(409, "委員会評価の段階ではありません", "The project is not at the committee's stage"),
    "not_evaluation_committee": Message(
        422, "協働事業評価委員会ではありません", "Not an evaluation committee of the registry"
    ),
    "committee_too_small": Message(422, "本日の委員が2人未満です", "The committee has fewer than two members today"),
    "no_quorum_failure": Message(
        409,
        "定足数は満たされています（補充できません）",
        "The quorum can be met: no substitute may join",
        "補充は、回避していない委員が定足数{quorum}に満たないとき（現在{eligible}人）に限られます。",
        "A substitute joins only when fewer members than the quorum ({quorum}) are not recused ({eligible} now).",
    ),
    "substitute_recused": Message(
        422, "この委員は利害関係により回避となります", "This member would be recused (a declared interest)"
    ),
    "conflict_fixed": Message(
        409,
        "この利益相反により委員が補充されたため取り消せません",
        "A substitute joined because of this conflict: it stays",
    ),
    "already_on_committee": Message(409, "既にこの評価の委員です", "Already on this evaluation's committee"),
    "not_a_committee_member": Message(
        422, "本日の評価委員会の委員ではありません", "Not a member of the evaluation committee today"
    ),
    "quorum_above_members": Message(
        422,
        "定足数が委員数を超えています",
        "The quorum exceeds the members",
        "委員は{members}人です。",
        "The committee has {members} members.",
    ),
    "committee_already_open": Message(409, "委員会は既に評価を始めています", "The committee already took it up"),
    "committee_not_open": Message(404, "委員会はまだ評価を始めていません", "The committee has not taken it up"),
    "not_on_committee": Message(403, "この評価の委員ではありません", "You are not on this evaluation's committee"),
    "recused": Message(
        403,
        "利害関係があるためこの事業を評価できません",
        "Recused: you have an interest in this project",
        "事業の団体または部署について利害関係を申告しているか、この事業について利益相反を申し出ています。",
        "You declared an interest in the project's group or department, or a conflict with this project.",
    ),
    "score_final": Message(409, "評価は提出済みです（変更できません）", "Your score is final"),
    "score_first": Message(
        403, "自分の評価を提出するまで他の委員の評価は見られません", "Submit your own score before reading others'"
    ),
    "scores_after_report": Message(
        403,
        "評価結果の公表まで、事務局は委員の評点とコメントを見られません",
        "Until the report is published, the center does not read the members' points or comments",
        "評価済みの委員とその人数は委員会のページで見られます。",
        "Who has scored, and how many, are shown on the committee's page.",
    ),
    "auditor_holds_committee_role": Message(
        403,
        "委員の役割を持つアカウントでは、監査として評点を読めません",
        "An account that also holds a committee role cannot read scores as an auditor",
        "監査には、審査会・評価委員会の委員の役割を持たない別のアカウントを使ってください。",
        "Audit with a separate account that holds no reviewer or evaluator role.",
    ),
    "points_out_of_range": Message(422, "評点は1から5です", "Points are from 1 to 5"),
    "conflict_pinned": Message(
        409,
        "事務局が記録した利益相反は本人が取り消し・変更できません",
        "A conflict a coordinator recorded cannot be removed or replaced by the member",
    ),
    "conflict_not_found": Message(404, "利益相反の申出がありません", "No conflict declared"),
    "conflict_after_scoring": Message(
        409,
        "評価の提出後は自ら利益相反を申し出られません",
        "You cannot declare a conflict after giving your score",
        "この事業はすでに評価しています。評価の後は他の委員の評点を見られるため、自ら申し出て評価を無効にすることは"
        "できません。利益相反がある場合は事務局に伝えてください。事務局が記録します。",
        "You have already scored this project. After scoring you read the other members' scores, so you cannot void "
        "your score by declaring a conflict yourself. If you have a conflict, tell the coordinator, who records it.",
    ),
    "pin_own_conflict": Message(
        409,
        "自分自身の利益相反は事務局として記録できません",
        "A coordinator cannot record a conflict of their own",
        "委員として申し出るか（評価の前に限ります）、別の事務局担当者に記録を依頼してください。",
        "Declare it as a member (before scoring only), or ask another coordinator to record it.",
    ),
    "no_confirmer": Message(
        409,
        "提言を確定できる委員長がいません",
        "Nobody can confirm the recommendation",
        "委員長・副委員長とも回避の場合、回避していない委員の互選による委員長代理を登録簿に記録してください。",
        "With the chair and vice-chair recused, the members not recused elect an acting chair (recorded in the "
        "registry for matter evaluation:project:<id>).",
    ),
    "not_the_confirmer": Message(
        403, "提言を確定するのは委員長（または代理）です", "Only the presiding member confirms"
    ),
    "quorum_not_met": Message(
        409,
        "定足数に達していません",
        "The quorum is not met",
        "回避していない委員の評価が{quorum}件必要です（現在{counted}件）。",
        "{quorum} counted evaluations are needed ({counted} so far).",
    ),
    "already_recommended": Message(409, "提言は確定済みです", "The recommendation is already confirmed"),
    "report_not_published": Message(404, "評価結果はまだ公表されていません", "The report is not published yet"),
}

MESSAGES: dict[str, Message] = {**_PROJECTS, **_AGREEMENT, **_PROGRESS, **_COMMITTEE}
