"""Contracts published by info-hub for the civic activity center's news (お知らせ) and opinion exchange
topics (意見交換).

Everything here is public text the center published: news items with their corrections and withdrawals, topics
out for comment, the groups' opinions once the comment period closed (named by the group's id and its name in the
directory: groups, not people), and the city's answers. No person appears, not even by `sub`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_contracts.base import Contract, ContractModel


class NewsCategory(StrEnum):
    RECRUITMENT = "recruitment"  # 募集
    COURSE = "course"  # 講座
    GRANT = "grant"  # 助成
    COLLABORATION = "collaboration"  # 協働事業
    CENTER = "center"  # センターから


class NewsAttachment(ContractModel):
    sha256: str = Field(
        description="SHA-256 of the file's bytes (hex): downloadable at /news/{id}/attachments/{sha256}."
    )
    filename: str
    media_type: str
    size: int = Field(description="Bytes.")


class NewsPublished(Contract):
    event_name: ClassVar[str] = "info_hub.news.published"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The center published a news item (お知らせ), at once or at its scheduled time."

    news_id: UUID
    category: NewsCategory
    title_ja: str
    title_en: str | None = None
    body_ja: str = Field(description="Plain text (a small Markdown subset may appear).")
    body_en: str | None = None
    attachments: list[NewsAttachment]
    published_at: datetime = Field(description="ISO 8601 with offset (Asia/Tokyo).")
    scheduled: bool = Field(description="Whether the scheduled publication's timer published it.")


class NewsCorrected(Contract):
    event_name: ClassVar[str] = "info_hub.news.corrected"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A published news item was corrected (訂正): its new texts, the revision number and the note saying what "
        "changed; earlier revisions stay shown."
    )

    news_id: UUID
    revision: int = Field(description="2 for the first correction (1 is the publication).")
    title_ja: str
    title_en: str | None = None
    body_ja: str
    body_en: str | None = None
    note_ja: str = Field(description="What was corrected (訂正内容).")
    note_en: str | None = None
    corrected_at: datetime


class NewsWithdrawn(Contract):
    event_name: ClassVar[str] = "info_hub.news.withdrawn"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A published news item was withdrawn (取下げ) with its reason; it stays listed as withdrawn, without its body."
    )

    news_id: UUID
    reason_ja: str
    reason_en: str | None = None
    withdrawn_at: datetime


class TopicPublished(Contract):
    event_name: ClassVar[str] = "info_hub.exchange.topic_published"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "The center published a topic for opinion exchange (意見交換) with its comment period; registered groups "
        "may submit one written opinion each until it closes."
    )

    topic_id: UUID
    title_ja: str
    title_en: str | None = None
    body_ja: str
    body_en: str | None = None
    opens_at: datetime
    closes_at: datetime
    published_at: datetime


class PublishedOpinion(ContractModel):
    group_id: UUID
    group_name: str = Field(description="The group's name in the directory at the close (団体名).")
    opinion_ja: str
    opinion_en: str | None = None
    submitted_at: datetime = Field(description="When the group's last version was submitted.")


class OpinionsPublished(Contract):
    event_name: ClassVar[str] = "info_hub.exchange.opinions_published"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A topic's comment period closed: the groups' opinions, sealed until now, are public with each group's "
        "name (提出された意見の公表)."
    )

    topic_id: UUID
    closed_at: datetime
    opinions: list[PublishedOpinion]


class OpinionAnswered(Contract):
    event_name: ClassVar[str] = "info_hub.exchange.answered"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The city's written answer (市の考え方) to a group's published opinion on a topic."

    topic_id: UUID
    group_id: UUID
    answer_ja: str
    answer_en: str | None = None
    answered_at: datetime


PUBLISHED: tuple[type[Contract], ...] = (
    NewsPublished,
    NewsCorrected,
    NewsWithdrawn,
    TopicPublished,
    OpinionsPublished,
    OpinionAnswered,
)
