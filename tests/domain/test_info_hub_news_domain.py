"""The center's news (お知らせ) and opinion exchange topics (意見交換), held pure: drafts, attachments, scheduled and
immediate publication, corrections with their notes, withdrawal; a comment period, sealed opinions replaced until
the close, the close publishing them with the groups' names, and the city's answers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kyodo_info_hub.exchange import Topic, TopicStatus
from kyodo_info_hub.news import MAX_ATTACHMENTS, News, NewsStatus, texts_of
from kyodo_shared.domain.refusals import Refusal

T0 = "2027-04-01T09:00:00+09:00"
T1 = "2027-04-02T09:00:00+09:00"
T2 = "2027-04-03T09:00:00+09:00"
T3 = "2027-04-04T09:00:00+09:00"
TRACE = {"correlation_id": "c", "causation_id": "k", "actor": "coord-1"}
G1, G2 = str(uuid.uuid4()), str(uuid.uuid4())


def texts(title: str = "ボランティア募集", body: str = "本文") -> dict[str, Any]:
    return texts_of(title, None, body, None)


def file(n: int) -> dict[str, Any]:
    return {"sha256": f"{n:064x}", "filename": f"f{n}.pdf", "media_type": "application/pdf", "size": 10 + n}


def drafted() -> News:
    return News(uuid.uuid4(), "recruitment", texts(), T0, TRACE)


def refused(code: str, call: Any, *args: Any) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args)
    assert caught.value.code == code
    return caught.value


def test_a_draft_holds_its_category_texts_and_nothing_public() -> None:
    news = drafted()
    assert (news.status, news.category.value, news.revision, news.updated_at) == (
        NewsStatus.DRAFT,
        "recruitment",
        0,
        T0,
    )
    assert news.texts == {"title_ja": "ボランティア募集", "title_en": None, "body_ja": "本文", "body_en": None}


def test_japanese_title_and_body_are_required_english_is_optional() -> None:
    assert refused("news_title_required", texts_of, " ", None, "本文", None).data["field"] == "title_ja"
    assert refused("news_body_required", texts_of, "題", "Title", "", "Body").data["field"] == "body_ja"
    assert texts_of("題", "", "本文", "")["title_en"] is None


def test_attachments_are_added_once_each_up_to_the_limit_and_removed_by_hash() -> None:
    news = drafted()
    for n in range(MAX_ATTACHMENTS):
        news.add_attachment(file(n), TRACE)
    refused("news_attachment_exists", news.add_attachment, file(0), TRACE)
    refused("news_attachments_full", news.add_attachment, file(99), TRACE)
    news.remove_attachment(file(3)["sha256"], TRACE)
    assert len(news.attachments) == MAX_ATTACHMENTS - 1
    refused("news_attachment_not_found", news.remove_attachment, file(3)["sha256"], TRACE)


def test_a_scheduled_item_is_published_by_its_own_timer_only() -> None:
    news = drafted()
    refused("news_publish_at_past", news.schedule, T0, T0, TRACE)
    news.schedule(T2, T0, TRACE)
    news.schedule(T3, T0, TRACE)  # rescheduled: the first timer finds nothing
    assert not news.publish_due(T2, T2)
    assert news.status is NewsStatus.SCHEDULED
    assert news.publish_due(T3, T3)
    assert (news.status, news.published_at, news.revision) == (NewsStatus.PUBLISHED, T3, 1)
    assert not news.publish_due(T3, T3), "a timer fired twice publishes once"
    published: list[Any] = [e for e in news.collect_events() if isinstance(e, News.Published)]
    assert [(e.scheduled, e.category, e.texts["title_ja"]) for e in published] == [
        (True, "recruitment", "ボランティア募集")
    ]


def test_an_unscheduled_item_is_a_draft_again_and_its_timer_does_nothing() -> None:
    news = drafted()
    news.schedule(T2, T0, TRACE)
    news.unschedule(TRACE)
    assert (news.status, news.publish_at) == (NewsStatus.DRAFT, None)
    assert not news.publish_due(T2, T2)
    refused("news_not_scheduled", news.unschedule, TRACE)


def test_a_time_without_offset_is_refused_naming_the_field() -> None:
    news = drafted()
    assert refused("news_time_needs_offset", news.schedule, "2027-04-03T09:00:00", T0, TRACE).data["field"] == (
        "publish_at"
    )


def test_a_published_item_is_no_draft_it_is_corrected_with_a_note_and_every_revision_stays() -> None:
    news = drafted()
    news.add_attachment(file(1), TRACE)
    news.publish(T1, TRACE)
    refused("news_already_published", news.revise, "grant", texts(), TRACE)
    refused("news_already_published", news.add_attachment, file(2), TRACE)
    refused("news_already_published", news.publish, T1, TRACE)
    refused("news_correction_unchanged", news.correct, texts(), "なし", None, T2, TRACE)
    refused("news_note_required", news.correct, texts(body="訂正後"), " ", None, T2, TRACE)
    news.correct(texts(body="訂正後"), "日時を訂正しました", "Corrected the date", T2, TRACE)
    news.correct(texts(body="再訂正"), "会場を訂正しました", None, T3, TRACE)
    assert news.revision == 3
    assert [(r["revision"], r["texts"]["body_ja"], r["note_ja"], r["at"]) for r in news.revisions] == [
        (1, "本文", None, T1),
        (2, "訂正後", "日時を訂正しました", T2),
        (3, "再訂正", "会場を訂正しました", T3),
    ]
    assert news.updated_at == T3


def test_withdrawal_needs_a_reason_and_ends_corrections() -> None:
    news = drafted()
    refused("news_not_published", news.withdraw, "理由", None, T1, TRACE)
    news.publish(T1, TRACE)
    assert refused("news_reason_required", news.withdraw, "", None, T2, TRACE).data["field"] == "reason_ja"
    news.withdraw("募集を終了しました", None, T2, TRACE)
    assert (news.status, news.withdrawal, news.updated_at) == (
        NewsStatus.WITHDRAWN,
        {"reason_ja": "募集を終了しました", "reason_en": None, "at": T2},
        T2,
    )
    assert refused("news_not_published", news.correct, texts(body="x"), "n", None, T3, TRACE).data["state"] == (
        "withdrawn"
    )


# --- opinion exchange -------------------------------------------------------------------------------------------


def topic() -> Topic:
    t = {"title_ja": "協働推進について", "title_en": None, "body_ja": "ご意見を", "body_en": None}
    return Topic(uuid.uuid4(), t, T1, T3, T0, TRACE)


def test_a_period_must_close_after_it_opens_and_not_be_over_at_publication() -> None:
    assert refused("exchange_period_invalid", Topic.check_period, T2, T2).data["field"] == "closes_at"
    draft = topic()
    refused("exchange_period_over", draft.publish, T3, TRACE)
    draft.publish(T0, TRACE)
    refused("exchange_topic_not_draft", draft.publish, T0, TRACE)
    refused("exchange_topic_not_draft", draft.revise, draft.texts, T1, T3, TRACE)


def test_opinions_are_taken_only_in_the_period_and_a_groups_later_one_replaces_its_first() -> None:
    t = topic()
    refused("exchange_period_not_open", t.submit_opinion, G1, "意見", None, "rep-1", T1, TRACE)
    t.publish(T0, TRACE)
    assert refused("exchange_period_not_open", t.submit_opinion, G1, "意見", None, "rep-1", T0, TRACE).data == {
        "state": "upcoming"
    }
    t.submit_opinion(G1, "最初の意見", None, "rep-1", T1, TRACE)
    t.submit_opinion(G2, "別の団体", "Another", "rep-2", T1, TRACE)
    t.submit_opinion(G1, "差し替えた意見", None, "contact-1", T2, TRACE)
    assert t.opinions[G1]["opinion_ja"] == "差し替えた意見"
    assert t.opinions[G1]["submitted_by"] == "contact-1"
    assert refused("exchange_period_not_open", t.submit_opinion, G1, "遅い", None, "rep-1", T3, TRACE).data == {
        "state": "over"
    }


def test_the_close_publishes_each_opinion_with_its_groups_name_and_the_answers_follow_once_each() -> None:
    t = topic()
    t.publish(T0, TRACE)
    t.submit_opinion(G1, "意見A", None, "rep-1", T1, TRACE)
    t.submit_opinion(G2, "意見B", None, "rep-2", T2, TRACE)
    refused("exchange_topic_not_closed", t.answer, G1, "回答", None, "coord-1", T2, TRACE)
    assert not t.close("2027-05-01T00:00:00+09:00", T3, {}), "a timer of another period closes nothing"
    assert t.close(T3, T3, {G1: "みどりの会", G2: "ひかりの会"})
    assert not t.close(T3, T3, {}), "closed once"
    assert t.status is TopicStatus.CLOSED
    assert [(o["group_name"], o["opinion_ja"], o["submitted_at"]) for o in t.published_opinions] == [
        ("みどりの会", "意見A", T1),
        ("ひかりの会", "意見B", T2),
    ]
    assert all("submitted_by" not in o for o in t.published_opinions), "who wrote it stays sealed"
    t.answer(G1, "市の考え方", None, "staff-1", T3, TRACE)
    refused("exchange_already_answered", t.answer, G1, "again", None, "staff-1", T3, TRACE)
    refused("exchange_opinion_not_found", t.answer, str(uuid.uuid4()), "回答", None, "staff-1", T3, TRACE)
    assert t.answers == {G1: {"answer_ja": "市の考え方", "answer_en": None, "answered_at": T3}}
