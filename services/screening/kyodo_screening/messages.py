"""The screening service's refusals as people read them: status, Japanese title and its English (the web layer's
table). The domain raises `Refusal(code)`; nothing here is imported by it. A detail may name values the refusal
carries (criterion keys, dates, counts) — never text a caller wrote."""

from __future__ import annotations

from kyodo_shared.web.messages import Message

MESSAGES: dict[str, Message] = {
    "project_not_found": Message(404, "事業が見つかりません", "Project not found"),
    "round_not_found": Message(404, "選別の回が見つかりません", "Screening round not found"),
    "department_not_found": Message(
        404,
        "部署が見つかりません",
        "Department not found",
        "登録簿に登録された部署を指定してください。登録直後の場合は少し待ってから再度お試しください。",
        "Name a department of the registry; one registered a moment ago may take a few seconds to arrive here.",
    ),
    "not_department_staff": Message(403, "この部署の職員ではありません", "You are not on this department's staff"),
    "not_liaison": Message(
        403,
        "部署の連絡担当のみが自己点検に回答できます",
        "Only the department's liaison answers its self-check",
    ),
    "not_on_round_team": Message(
        403,
        "この回の庁内横断的チームのメンバーではありません",
        "You are not on this round's cross-department team",
        "チームは選別の開始日の登録簿のチームです。",
        "The team is the registry's team on the day the round opened.",
    ),
    "recused": Message(
        403,
        "利害関係があるためこの事業を評価できません",
        "Recused: you declared an interest",
        "この事業の部署または事業に記載された団体について利害関係を申告しています。",
        "You declared an interest in the project's department or in a group named in it.",
    ),
    "assess_first": Message(
        403,
        "自分の評価を提出するまで他のメンバーの評価は見られません",
        "Submit your own assessment before reading others'",
    ),
    "already_assessed": Message(409, "この事業は既に評価済みです", "You have already assessed this project"),
    "already_decided": Message(
        409,
        "この事業は既に決定済みです",
        "This project is already decided",
        "訂正する場合は、置き換える決定の ID を replaces に指定してください。",
        "To correct it, name the decision it replaces in `replaces`.",
    ),
    "replaces_not_current": Message(
        409, "置き換える決定が現在の決定ではありません", "`replaces` must name the current decision"
    ),
    "assessments_missing": Message(
        409,
        "評価が足りません",
        "Not enough assessments",
        "決定には{required}件以上の評価が必要です（現在{given}件）。",
        "A decision needs at least {required} assessments ({given} so far).",
    ),
    "assessment_from_other_department_missing": Message(
        409,
        "他部署のメンバーによる評価が必要です",
        "An assessment by a member from another department is required",
    ),
    "self_check_pending": Message(
        409,
        "部署の自己点検が未提出です",
        "The department's self-check is pending",
        "自己点検の提出または期限の経過を待ってから決定してください。",
        "Decide after the self-check is in or its deadline has passed.",
    ),
    "self_check_closed": Message(409, "自己点検の期限を過ぎています", "The self-check deadline has passed"),
    # The kernel names the state in the title ("… (state: closed)").
    "round_not_open": Message(409, "この回は受付中ではありません", "The round is not open"),
    "round_not_draft": Message(409, "開始後の回は変更できません", "A round cannot change once opened"),
    "round_team_insufficient": Message(
        409,
        "庁内横断的チームの人数が足りません",
        "The cross-department team is too small",
        "開始日のチームに2つ以上の部署から2人以上が必要です（現在{members}人・{departments}部署）。",
        "The team on the opening day needs two or more members from two or more departments "
        "({members} members, {departments} departments now).",
    ),
    "project_not_in_round": Message(
        409, "この事業はこの回の対象ではありません", "The project is not in this round's scope"
    ),
    "project_number_taken": Message(
        409, "この事業番号は既に登録されています", "The project number is already in the inventory"
    ),
    "project_number_immutable": Message(422, "事業番号は変更できません", "The project number cannot change"),
    "fiscal_year_invalid": Message(
        422, "年度が正しくありません", "Not a valid fiscal year", "{fiscal_year}年度", "FY{fiscal_year}"
    ),
    "fiscal_year_over": Message(
        409,
        "年度が終了しています",
        "The fiscal year is over",
        "{fiscal_year}年度は終了しています。",
        "FY{fiscal_year} has ended.",
    ),
    "deadline_outside_fiscal_year": Message(
        422,
        "期限が年度の範囲外です",
        "The deadline is outside the fiscal year",
        "{fiscal_year}年度（{first}〜{last}）の日時を指定してください。",
        "Give a time within FY{fiscal_year} ({first} to {last}).",
    ),
    "deadline_in_past": Message(422, "期限が過去の日時です", "The deadline is in the past"),
    "rescreen_date_not_future": Message(
        422, "再選別日は明日以降にしてください", "The re-screen date must be after today"
    ),
    "rescreen_date_required": Message(422, "要検討には再選別日が必要です", "needs_study requires a re-screen date"),
    "rescreen_date_only_when_needs_study": Message(
        422, "再選別日は要検討の場合のみ指定できます", "A re-screen date is only for needs_study"
    ),
    "forms_required": Message(
        422, "協働に適する場合は協働の形態を1つ以上選んでください", "A suitable decision names at least one form"
    ),
    "forms_only_when_suitable": Message(
        422, "協働の形態は協働に適する場合のみ指定できます", "Forms are only for a suitable decision"
    ),
    "form_repeated": Message(422, "協働の形態が重複しています", "A form is repeated"),
    "unknown_criterion": Message(
        422, "チェックリストにない項目です", "Not a criterion of the checklist", "項目: {key}", "Criterion: {key}"
    ),
    "criterion_repeated": Message(
        422, "同じ項目に複数回回答しています", "A criterion is answered twice", "項目: {key}", "Criterion: {key}"
    ),
    "criterion_unanswered": Message(
        422, "未回答の項目があります", "A criterion is unanswered", "項目: {key}", "Criterion: {key}"
    ),
    "csv_too_large": Message(
        413,
        "CSV ファイルが大きすぎます",
        "The CSV file is too large",
        "5MB・5,000行以内にしてください。",
        "At most 5 MB and 5,000 rows.",
    ),
    "csv_too_many_rows": Message(
        413,
        "CSV ファイルの行数が多すぎます",
        "The CSV file has too many rows",
        "5,000行以内にしてください。",
        "At most 5,000 rows.",
    ),
    "csv_undecodable": Message(
        422,
        "CSV ファイルの文字コードを判別できません",
        "The CSV file's encoding is not recognised",
        "UTF-8（BOM 付き可）または Shift_JIS（CP932）で保存してください。",
        "Save it as UTF-8 (with or without BOM) or Shift_JIS (CP932).",
    ),
    "csv_invalid": Message(
        422,
        "CSV ファイルに誤りがあります。何も登録していません",
        "The CSV file has errors; nothing was stored",
        "errors の各行・各列の理由を確認してください。",
        "See `errors` for each row and column.",
    ),
    "unsupported_media_type": Message(415, "text/csv で送信してください", "Send the file as text/csv"),
}
