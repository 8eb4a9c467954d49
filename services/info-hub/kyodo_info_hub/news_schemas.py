"""Request and response bodies of the center's news and opinion exchange routes (strict: unknown fields are errors)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, field_validator, model_validator

from kyodo_info_hub.news import Category, News, NewsStatus
from kyodo_info_hub.news_attachments import (
    MAX_BYTES,
    MEDIA_TYPES,
    Attachment,
    content_matches,
    extension_matches,
)
from kyodo_shared.web.pagination import Page
from kyodo_shared.web.problems import rule_error
from kyodo_shared.web.schemas import Strict

Title = Annotated[str, Field(min_length=1, max_length=200)]
Body = Annotated[str, Field(min_length=1, max_length=20000)]
Note = Annotated[str, Field(min_length=1, max_length=2000)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
# Times the center sets: from 2000 to five years ahead (a time near year 9999 could not even be turned into Tokyo's).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=5 * 366)


def _in_range(value: datetime) -> datetime:
    if value < EARLIEST or value > datetime.now(UTC) + AHEAD:
        raise rule_error(
            "time_out_of_range",
            "日時は2000年以降、現在から5年以内にしてください",
            "The time must be from 2000 and at most five years ahead",
        )
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]


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
    filename: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[^/\\\x00-\x1f]+$",
        description="Its extension must match the type (.pdf .png .jpg/.jpeg .docx .xlsx .csv .txt).",
    )
    media_type: str = Field(description="application/pdf, image/png, image/jpeg, .docx, .xlsx, text/csv, text/plain.")
    content_base64: str = Field(
        min_length=1,
        max_length=MAX_BYTES * 4 // 3 + 4,
        description="The file (at most 5 MB); its content must be of the declared type (checked, not trusted).",
    )

    @field_validator("media_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in MEDIA_TYPES:
            raise rule_error(
                "news_attachment_type",
                "添付できる形式は PDF・PNG・JPEG・Word・Excel・CSV・テキストです",
                "Files may be PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), CSV or plain text",
            )
        return value

    @field_validator("content_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            content = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise rule_error("news_attachment_base64", "ファイルの内容が base64 ではありません", "Not base64") from None
        if not content or len(content) > MAX_BYTES:
            raise rule_error(
                "news_attachment_size",
                "ファイルは1バイト以上5MBまでです",
                f"The file must hold 1 to {MAX_BYTES} bytes",
            )
        return value

    @model_validator(mode="after")
    def _is_what_it_says(self) -> AttachmentIn:
        if not extension_matches(self.filename, self.media_type):
            raise rule_error(
                "news_attachment_extension",
                "ファイル名の拡張子が形式と一致しません",
                "The file name's extension does not match its type",
                "filename",
            )
        if not content_matches(self.media_type, base64.b64decode(self.content_base64)):
            raise rule_error(
                "news_attachment_type_mismatch",
                "ファイルの内容が指定された形式と一致しません（マクロ付きの文書は添付できません）",
                "The file's content is not of its declared type (documents with macros are refused)",
                "content_base64",
            )
        return self

    def attachment(self) -> Attachment:
        return Attachment(self.filename, self.media_type, base64.b64decode(self.content_base64))


class ScheduleIn(Strict):
    publish_at: Moment = Field(description="When the timer publishes it (ISO 8601 with offset, in the future).")


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
