"""Refusals of the center's news (お知らせ) and opinion exchange (意見交換) (see `messages.py`)."""

from __future__ import annotations

from kyodo_shared.web.messages import Message

_NEWS: dict[str, Message] = {
    "news_not_found": Message(404, "お知らせが見つかりません", "News item not found"),
    "news_title_required": Message(422, "タイトル（日本語）を入力してください", "A Japanese title is required"),
    "news_body_required": Message(422, "本文（日本語）を入力してください", "A Japanese body is required"),
    "news_already_published": Message(
        409,
        "公開済みのお知らせは下書きとして変更できません",
        "A published news item is no longer a draft",
        "公開後の変更は訂正（訂正内容の記載が必要）または取下げで行います。",
        "After publication, correct it (with a note) or withdraw it.",
    ),
    "news_attachment_exists": Message(409, "同じファイルが既に添付されています", "The same file is attached already"),
    "news_attachments_full": Message(
        409, "添付できるファイルは{limit}件までです", "At most {limit} files may be attached"
    ),
    "news_attachment_not_found": Message(404, "添付ファイルが見つかりません", "Attachment not found"),
    "news_publish_at_past": Message(
        422, "公開日時は現在より後にしてください", "The publication time must be in the future"
    ),
    "news_time_needs_offset": Message(
        422,
        "日時にはタイムゾーン（例: +09:00）を付けてください",
        "Times need their offset (e.g. +09:00)",
    ),
    "news_not_scheduled": Message(409, "公開予約されていません", "The news item is not scheduled"),
    "news_not_published": Message(409, "公開中のお知らせではありません", "The news item is not published"),
    "news_note_required": Message(
        422, "訂正内容（日本語）を入力してください", "A Japanese note on what was corrected is required"
    ),
    "news_correction_unchanged": Message(422, "訂正後の内容が現在と同じです", "The correction changes nothing"),
    "news_reason_required": Message(422, "取下げの理由（日本語）を入力してください", "A Japanese reason is required"),
}

_EXCHANGE: dict[str, Message] = {
    "exchange_topic_not_found": Message(404, "意見交換のテーマが見つかりません", "Opinion exchange topic not found"),
    "exchange_title_required": Message(422, "タイトル（日本語）を入力してください", "A Japanese title is required"),
    "exchange_body_required": Message(422, "本文（日本語）を入力してください", "A Japanese body is required"),
    "exchange_time_needs_offset": Message(
        422,
        "日時にはタイムゾーン（例: +09:00）を付けてください",
        "Times need their offset (e.g. +09:00)",
    ),
    "exchange_period_invalid": Message(
        422, "意見募集の終了は開始より後にしてください", "The comment period must close after it opens"
    ),
    "exchange_period_over": Message(422, "意見募集期間が既に終わっています", "The comment period is over already"),
    "exchange_topic_not_draft": Message(409, "下書きのテーマではありません", "The topic is no longer a draft"),
    "exchange_period_not_open": Message(
        409,
        "意見募集期間外です",
        "The comment period is not open",
        "意見は募集期間中に提出できます（期間中は何度でも差し替えられます）。",
        "Opinions are submitted during the period (and may be replaced until it closes).",
    ),
    "exchange_opinion_required": Message(422, "意見（日本語）を入力してください", "A Japanese opinion is required"),
    "exchange_topic_not_closed": Message(
        409, "意見募集期間の終了後に回答します", "Answers come after the comment period closes"
    ),
    "exchange_opinion_not_found": Message(
        404, "この団体の意見は提出されていません", "This group submitted no opinion on the topic"
    ),
    "exchange_already_answered": Message(409, "この意見には回答済みです", "This opinion has been answered already"),
    "exchange_answer_required": Message(422, "回答（日本語）を入力してください", "A Japanese answer is required"),
    "exchange_answer_by_city": Message(
        403,
        "回答は市民活動センターまたは市の職員が行います",
        "The center or city staff answer opinions",
    ),
}

MESSAGES: dict[str, Message] = {**_NEWS, **_EXCHANGE}
