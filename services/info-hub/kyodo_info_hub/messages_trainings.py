"""Refusals of the center's trainings (see `messages.py`)."""

from __future__ import annotations

from kyodo_shared.web.messages import Message

# Rules naming one field of a training (`Refusal("invalid_training", field=…, rule=…)`).
_RULES: dict[str, Message] = {
    "invalid_training": Message(422, "研修会等の内容が正しくありません", "The training's details are invalid"),
    "ends_before_start": Message(422, "終了は開始より後にしてください", "The end must be after the start"),
    "place_or_online": Message(
        422,
        "会場またはオンラインのURLのどちらか一方を指定してください",
        "Give either a place or an online URL, not both",
    ),
    "online_url_https": Message(422, "オンラインのURLは https で指定してください", "The online URL must use https"),
    "capacity_positive": Message(422, "定員は1以上にしてください", "Capacity must be at least 1"),
    "audience_invalid": Message(
        422,
        "対象は groups・staff・citizens から重複なく1つ以上選んでください",
        "Choose one or more of groups, staff, citizens, each once",
    ),
    "registration_window": Message(
        422, "申込の締切は受付開始より後にしてください", "Registration must close after it opens"
    ),
    "registration_after_start": Message(
        422, "申込の締切は開始日時以前にしてください", "Registration must close at or before the start"
    ),
    "capacity_below_registered": Message(
        409, "定員を申込済みの人数より少なくはできません", "Capacity cannot go below the registrations holding a seat"
    ),
    "attendance_invalid": Message(422, "出席の記録が正しくありません", "The attendance record is invalid"),
    "attendance_duplicate": Message(422, "同じ申込が重複しています", "A registration is named twice"),
    "attendance_not_registered": Message(
        422, "参加が確定した申込のみ出席にできます", "Only registrations holding a seat can be marked present"
    ),
}

MESSAGES: dict[str, Message] = {
    **_RULES,
    "training_not_found": Message(404, "研修会・講座が見つかりません", "Training not found"),
    "training_started": Message(409, "既に開始しています", "The training has already started"),
    "training_not_started": Message(409, "まだ開始していません", "The training has not started yet"),
    "training_not_ended": Message(409, "まだ終了していません", "The meeting has not ended yet"),
    "training_not_draft": Message(409, "下書きではありません", "The training is not a draft"),
    "training_cancelled": Message(409, "中止された研修会等です", "The training was cancelled"),
    "training_not_announced": Message(409, "告知されていません", "The training is not announced"),
    "training_not_open": Message(409, "申込を受け付けていません", "The training does not take registrations"),
    "minutes_for_exchange_meetings": Message(
        409, "議事録は意見交換会についてのみ公表できます", "Minutes are published for exchange meetings only"
    ),
    "registration_closed": Message(
        409,
        "申込の受付期間外です",
        "Registration is not open now",
        "受付期間内に申し込んでください。",
        "Register between the opening and closing times.",
    ),
    "not_in_audience": Message(403, "この研修会等の対象ではありません", "You are not in this training's audience"),
    "already_registered": Message(409, "既に申し込まれています", "Already registered for this training"),
    "registration_not_found": Message(404, "申込が見つかりません", "Registration not found"),
    "registration_cancelled": Message(409, "この申込は取り消されています", "This registration was cancelled"),
    "training_busy": Message(
        503,
        "申込が集中しています",
        "Too many registrations at once",
        "少し待ってから再度お試しください。",
        "Please try again in a moment.",
        retry_after=2,
    ),
    "not_for_group": Message(
        403,
        "この団体の代表者・連絡担当者ではありません",
        "You do not act for this group",
        "登録団体の代表者または連絡担当者のみが団体として申し込めます。",
        "Only a registered group's representative or contacts register for it.",
    ),
    "registration_needs_group": Message(
        422, "団体として申し込む場合は group_id を指定してください", "Name the group you register for (group_id)"
    ),
    "too_many_registrations": Message(
        429,
        "申込が多すぎます",
        "Too many registrations",
        "しばらく待ってから再度お申し込みください。",
        "Please wait before registering again.",
    ),
    "registration_retention_unset": Message(
        503,
        "現在、市民の申込を受け付けられません",
        "Citizens' registrations are unavailable",
        "保存期間の設定がありません（運用者へ連絡してください）。",
        "No retention period is configured (tell the operator).",
    ),
}
