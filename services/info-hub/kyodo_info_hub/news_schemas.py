"""Request and response bodies of the center's news and opinion exchange routes (strict: unknown fields are errors)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from kyodo_info_hub.exchange import Topic
from kyodo_info_hub.news import Category, News, NewsStatus
from kyodo_info_hub.news_attachments import MAX_BYTES, MEDIA_TYPES, Attachment
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.schemas import Strict

Title = Annotated[str, Field(min_length=1, max_length=200)]
Body = Annotated[str, Field(min_length=1, max_length=20000)]
Note = Annotated[str, Field(min_length=1, max_length=2000)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Texts(Strict):
    title_ja: Title
    title_en: Title | None = None
    body_ja: Body = Field(description="Plain text (a small Markdown subset may be used).")
    body_en: Body | None = None

    def texts(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("title_ja", "title_en", "body_ja", "body_en")}


class NewsIn(Texts):
    category: Category = Field(
        description="recruitment 募集, course 講座, grant 助成, collaboration 協働事業, center センターから."
    )


class AttachmentIn(Strict):
    filename: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^/\\\x00-\x1f]+$")]
    media_type: str = Field(description="application/pdf, image/png, image/jpeg, .docx, .xlsx, text/csv, text/plain.")
    content_base64: str = Field(min_length=1, max_length=MAX_BYTES * 4 // 3 + 4)

    @field_validator("media_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in MEDIA_TYPES:
            raise ValueError("unsupported media type")
        return value

    @field_validator("content_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            content = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not valid base64") from None
        if not content or len(content) > MAX_BYTES:
            raise ValueError(f"the file must hold 1 to {MAX_BYTES} bytes")
        return value

    def attachment(self) -> Attachment:
        return Attachment(self.filename, self.media_type, base64.b64decode(self.content_base64))


class ScheduleIn(Strict):
    publish_at: AwareDatetime = Field(description="When the timer publishes it (ISO 8601 with offset, in the future).")


class CorrectionIn(Texts):
    note_ja: Note = Field(description="What was corrected (訂正内容), shown with the revision.")
    note_en: Note | None = None


class WithdrawalIn(Strict):
    reason_ja: Note = Field(description="Why it is withdrawn (取下げの理由), shown in its place.")
    reason_en: Note | None = None


class AttachmentView(BaseModel):
    sha256: str
    filename: str
    media_type: str
    size: int
    url: str = Field(description="Relative to the API: downloadable by anyone once published.")


class RevisionView(BaseModel):
    revision: int
    title_ja: str
    title_en: str | None
    body_ja: str | None = Field(description="null once the item is withdrawn.")
    body_en: str | None
    note_ja: str | None = Field(description="What the correction changed (null for the publication itself).")
    note_en: str | None
    at: str


class NewsView(BaseModel):
    id: str
    version: int
    status: NewsStatus
    category: Category
    title_ja: str
    title_en: str | None
    body_ja: str | None = Field(description="null once withdrawn: the body is no longer shown.")
    body_en: str | None
    attachments: list[AttachmentView]
    publish_at: str | None = Field(description="The scheduled publication time (coordinators only see drafts).")
    published_at: str | None
    updated_at: str
    revision: int = Field(description="1 at publication, one more per correction (0 before publication).")
    revisions: list[RevisionView] = Field(description="Every published revision, with its note and time.")
    withdrawal: dict[str, Any] | None = Field(description="reason_ja, reason_en and at, once withdrawn.")


def attachment_view(news_id: str, a: dict[str, Any]) -> AttachmentView:
    return AttachmentView(**a, url=f"news/{news_id}/attachments/{a['sha256']}")


def news_view(n: News) -> NewsView:
    withdrawn = n.status is NewsStatus.WITHDRAWN
    texts = n.texts
    return NewsView(
        id=str(n.id),
        version=n.version,
        status=n.status,
        category=n.category,
        title_ja=texts["title_ja"],
        title_en=texts["title_en"],
        body_ja=None if withdrawn else texts["body_ja"],
        body_en=None if withdrawn else texts["body_en"],
        attachments=[] if withdrawn else [attachment_view(str(n.id), a) for a in n.attachments],
        publish_at=n.publish_at,
        published_at=n.published_at,
        updated_at=n.updated_at,
        revision=n.revision,
        revisions=[
            RevisionView(
                revision=r["revision"],
                title_ja=r["texts"]["title_ja"],
                title_en=r["texts"]["title_en"],
                body_ja=None if withdrawn else r["texts"]["body_ja"],
                body_en=None if withdrawn else r["texts"]["body_en"],
                note_ja=r["note_ja"],
                note_en=r["note_en"],
                at=r["at"],
            )
            for r in n.revisions
        ],
        withdrawal=n.withdrawal,
    )


class NewsSummary(BaseModel):
    id: str
    status: NewsStatus
    category: Category
    title_ja: str
    title_en: str | None
    body_ja: str | None
    body_en: str | None
    attachments: list[AttachmentView]
    publish_at: str | None
    published_at: str | None
    updated_at: str
    revision: int
    withdrawal: dict[str, Any] | None


class NewsPage(Page[NewsSummary]):
    pass


# --- opinion exchange -------------------------------------------------------------------------------------------


class TopicIn(Texts):
    opens_at: AwareDatetime = Field(description="The comment period opens (ISO 8601 with offset).")
    closes_at: AwareDatetime = Field(description="…and closes; opinions are published then.")


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
    version: int
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


def topic_view(t: Topic, opinions: list[dict[str, Any]]) -> TopicView:
    return TopicView(
        id=str(t.id),
        version=t.version,
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
