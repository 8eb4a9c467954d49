"""The survey's refusals as people read them (Japanese, English beside it)."""

from __future__ import annotations

from kyodo_shared.web.messages import Message

# Rules naming one field of a questionnaire (`Refusal("invalid_survey", field=…, rule=…)`).
_QUESTIONNAIRE: dict[str, Message] = {
    "invalid_survey": Message(422, "調査票の内容が正しくありません", "The questionnaire is invalid"),
    "survey_closes_before_opening": Message(
        422, "回答の締切は受付開始より後にしてください", "The survey must close after it opens"
    ),
    "survey_section_repeated": Message(422, "同じ区分のキーが重複しています", "A section key is used twice"),
    "survey_question_repeated": Message(422, "同じ設問のキーが重複しています", "A question key is used twice"),
    "survey_section_unknown": Message(422, "設問の区分が調査票にありません", "The question's section does not exist"),
    "survey_options_needed": Message(
        422, "選択式の設問には選択肢を2つ以上指定してください", "A choice question needs two or more options"
    ),
    "survey_options_not_allowed": Message(
        422, "選択肢は選択式の設問にのみ指定できます", "Only choice questions have options"
    ),
    "survey_option_repeated": Message(422, "同じ選択肢のキーが重複しています", "An option key is used twice"),
    "survey_number_only": Message(
        422, "範囲と階級は数値の設問にのみ指定できます", "Only number questions have a range or bands"
    ),
    "survey_number_range": Message(
        422, "最大値は最小値以上にしてください", "The maximum must not be below the minimum"
    ),
    "survey_bands_ascending": Message(
        422, "階級の下限は小さい順に重複なく指定してください", "Band edges must be numbers in ascending order"
    ),
    "survey_number_invalid": Message(422, "数値で指定してください", "Give a number"),
    "survey_number_too_large": Message(
        422, "数値は絶対値が1兆未満になるよう指定してください", "A number must be smaller than 10^12 in absolute value"
    ),
    "survey_number_too_precise": Message(
        422, "数値の小数は6桁までにしてください", "A number has at most 6 decimal places"
    ),
    "survey_bands_need_min": Message(
        422, "階級のある数値の設問には最小値を指定してください", "A number question with bands needs a minimum"
    ),
    "survey_bands_below_min": Message(
        422,
        "最初の階級の下限は最小値以下にしてください",
        "The first band must start at or below the minimum (no answer may fall below it)",
    ),
    "survey_bands_outside_range": Message(
        422,
        "階級の下限は最小値より大きく最大値以下にしてください",
        "Band edges after the first must lie above the minimum and not above the maximum",
    ),
    "survey_reminder_repeated": Message(422, "督促の日数が重複しています", "A reminder day is given twice"),
    "survey_reminder_days": Message(
        422, "督促は締切の1日前から365日前までで指定してください", "A reminder is 1 to 365 days before the close"
    ),
    "survey_reminder_outside_window": Message(
        422,
        "督促は回答の受付期間内（受付開始より後）にしてください",
        "A reminder must fall inside the answer window (after the opening)",
    ),
    "crosstab_question": Message(
        422,
        "クロス集計には必須の単一選択または階級のある数値の設問を2つ指定してください",
        "A cross-tabulation pairs two different required single-choice or banded number questions",
    ),
    "crosstab_repeated": Message(422, "同じクロス集計が重複しています", "A cross-tabulation is chosen twice"),
}

# Rules naming one answered question (`Refusal("invalid_answer", field="answers.<key>", rule=…)`).
_ANSWERS: dict[str, Message] = {
    "invalid_answer": Message(422, "回答の内容が正しくありません", "The answer is invalid"),
    "answer_unknown_question": Message(422, "調査票にない設問です", "No such question in the questionnaire"),
    "answer_required": Message(422, "必須の設問に回答してください", "This question must be answered"),
    "answer_option_unknown": Message(422, "選択肢から選んでください", "Choose from the question's options"),
    "answer_option_repeated": Message(422, "同じ選択肢が重複しています", "An option is chosen twice"),
    "answer_number_invalid": Message(422, "数値で回答してください", "Answer with a number"),
    "answer_number_range": Message(422, "回答できる範囲外の数値です", "The number is out of the question's range"),
    "answer_number_too_large": Message(
        422, "絶対値が1兆未満の数値で回答してください", "Answer with a number smaller than 10^12 in absolute value"
    ),
    "answer_number_too_precise": Message(
        422, "小数は6桁までで回答してください", "Answer with at most 6 decimal places"
    ),
    "answer_date_invalid": Message(422, "日付（YYYY-MM-DD）で回答してください", "Answer with a date (YYYY-MM-DD)"),
    "answer_text_invalid": Message(
        422, "5000文字以内の文章で回答してください", "Answer with a text of at most 5000 characters"
    ),
}

MESSAGES: dict[str, Message] = {
    **_QUESTIONNAIRE,
    **_ANSWERS,
    "survey_not_found": Message(404, "実態調査が見つかりません", "Survey not found"),
    "survey_not_draft": Message(409, "下書きではありません（告知後は変更できません）", "The survey is not a draft"),
    "survey_already_open": Message(
        409, "回答の受付開始後は団体を招待できません", "Groups are invited before the survey opens"
    ),
    "survey_window_passed": Message(409, "回答の締切を過ぎています", "The survey's closing time has passed"),
    "survey_closed": Message(409, "締め切られたか中止された実態調査です", "The survey is closed or cancelled"),
    "survey_not_open": Message(
        409,
        "回答の受付期間外です",
        "The survey is not open for answers",
        "受付開始から締切までの間に回答してください。",
        "Answer between the opening and the close.",
    ),
    "survey_not_a_target": Message(
        403, "この実態調査の対象ではありません", "Your group is not a target of this survey"
    ),
    "survey_not_for_group": Message(
        403,
        "この団体の代表者・連絡担当者ではありません",
        "You do not act for this group",
        "団体の代表者または連絡担当者、または招待リンクでのみ回答できます。",
        "Only the group's representative or contacts, or the invitation's link, answer for it.",
    ),
    "survey_token_invalid": Message(
        403,
        "招待リンクが無効です",
        "The invitation link is not valid",
        "再発行された場合は新しいリンクを使ってください。",
        "If the link was reissued, use the new one.",
    ),
    "survey_restricted": Message(
        403,
        "回答・招待・下書きは市民活動センターの担当者と監査人のみが閲覧できます",
        "Only coordinators and auditors read answers, invitations and drafts",
    ),
    "survey_cancelled": Message(
        409,
        "中止された実態調査です",
        "The survey was cancelled",
        "中止された実態調査の集計結果は公表されません。",
        "A cancelled survey publishes no statistics.",
    ),
    "survey_statistics_not_published": Message(
        409,
        "集計結果はまだ公表されていません",
        "The statistics are not published yet",
        "集計結果は回答の締切後に公表されます。",
        "Statistics are published at the survey's close.",
    ),
    "invitation_not_found": Message(404, "招待が見つかりません", "Invitation not found"),
    "answer_not_found": Message(404, "回答が見つかりません", "Answer not found"),
    "survey_busy": Message(
        503,
        "処理が集中しています",
        "Too many changes at once",
        "少し待ってから再度お試しください。",
        "Please try again in a moment.",
        retry_after=2,
    ),
}
