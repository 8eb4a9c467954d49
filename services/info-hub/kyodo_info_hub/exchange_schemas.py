"""Request and response bodies of the opinion exchange (意見交換) routes (strict: unknown fields are errors)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kyodo_info_hub.exchange import Topic
from kyodo_info_hub.news_schemas import Body, Moment, Texts
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.schemas import Strict


class TopicIn(Texts):
    opens_at: Moment = Field(description="The comment period opens (ISO 8601 with offset).")
    closes_at: Moment = Field(description="…and closes; opinions are published then.")


class OpinionIn(Strict):
    opinion_ja: Body
    opinion_en: Body | None = None


class AnswerIn(Strict):
    answer_ja: Body = Field(description="The city's written answer (市の考え方).")
    answer_en: Body | None = None


class OpinionView(BaseModel):
    group_id: str
    group_name: str | None = Field(description="The group's name, published at the close (null before).")
    opinion_ja: str
    opinion_en: str | None
    submitted_at: str
    answer: dict[str, Any] | None = Field(description="answer_ja, answer_en, answered_at: after the close.")


class TopicView(BaseModel):
    id: str
    version: int = Field(
        description="The center sees the live version (its ETag, for If-Match); anyone else a version that counts "
        "only public changes, so the sealed submissions cannot be counted by watching it."
    )
    status: str = Field(description="draft, published or closed.")
    title_ja: str
    title_en: str | None
    body_ja: str
    body_en: str | None
    opens_at: str
    closes_at: str
    published_at: str | None
    closed_at: str | None
    opinions: list[OpinionView] = Field(
        description="After the close: every group's opinion with its name and the answer. Before: sealed — the "
        "center sees all, a group's people their own group's, anyone else none."
    )


def topic_view(t: Topic, opinions: list[dict[str, Any]], *, live: bool) -> TopicView:
    """`live`: for the center (the live version); anyone else sees the public one."""
    return TopicView(
        id=str(t.id),
        version=t.version if live else t.public_version,
        status=t.status.value,
        title_ja=t.texts["title_ja"],
        title_en=t.texts["title_en"],
        body_ja=t.texts["body_ja"],
        body_en=t.texts["body_en"],
        opens_at=t.opens_at,
        closes_at=t.closes_at,
        published_at=t.published_at,
        closed_at=t.closed_at,
        opinions=[OpinionView.model_validate(o) for o in opinions],
    )


class TopicSummary(BaseModel):
    id: str
    status: str
    title_ja: str
    title_en: str | None
    opens_at: str
    closes_at: str
    published_at: str | None
    closed_at: str | None
    opinions: int = Field(description="How many groups gave an opinion (0 until the close).")
    answers: int


class TopicPage(Page[TopicSummary]):
    pass
