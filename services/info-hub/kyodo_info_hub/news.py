"""The center's news (お知らせ): a draft, revised and given attachments by the center's coordinators, published at
once or at a scheduled time (the application's durable timer), corrected with a visible revision note, and
withdrawn with a reason (it stays readable as withdrawn, its body no longer shown).

No I/O here: ids, times and the attachments' hashes come in from the application.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_shared.domain.refusals import Refusal

# At most this many files on one news item.
MAX_ATTACHMENTS = 10
TEXT_KEYS = ("title_ja", "title_en", "body_ja", "body_en")


class Category(StrEnum):
    RECRUITMENT = "recruitment"  # 募集
    COURSE = "course"  # 講座
    GRANT = "grant"  # 助成
    COLLABORATION = "collaboration"  # 協働事業
    CENTER = "center"  # センターから


class NewsStatus(StrEnum):
    DRAFT = "draft"  # 下書き
    SCHEDULED = "scheduled"  # 公開予約
    PUBLISHED = "published"  # 公開中
    WITHDRAWN = "withdrawn"  # 取下げ


def texts_of(title_ja: str, title_en: str | None, body_ja: str, body_en: str | None) -> dict[str, str | None]:
    """A news item's texts: Japanese required, English optional."""
    if not title_ja.strip():
        raise Refusal("news_title_required", field="title_ja", rule="news_title_required")
    if not body_ja.strip():
        raise Refusal("news_body_required", field="body_ja", rule="news_body_required")
    return {"title_ja": title_ja, "title_en": title_en or None, "body_ja": body_ja, "body_en": body_en or None}


class News(Aggregate):
    """One news item of the center."""

    class Drafted(Aggregate.Created):
        news_id: UUID
        category: str
        texts: dict[str, Any]
        drafted_at: str
        trace: dict[str, str]

    @event(Drafted)
    def __init__(
        self, news_id: UUID, category: str, texts: dict[str, Any], drafted_at: str, trace: dict[str, str]
    ) -> None:
        self.category = Category(category)
        self.texts = dict(texts)
        self.drafted_at = drafted_at
        self.status = NewsStatus.DRAFT
        self.attachments: list[dict[str, Any]] = []
        self.publish_at: str | None = None
        self.published_at: str | None = None
        # The published texts, one entry per revision: {revision, texts, note_ja, note_en, at}; the first is the
        # publication itself (no note).
        self.revisions: list[dict[str, Any]] = []
        self.withdrawal: dict[str, Any] | None = None

    @staticmethod
    def create_id(news_id: UUID, *args: Any, **kwargs: Any) -> UUID:
        return news_id

    @property
    def revision(self) -> int:
        return len(self.revisions)

    @property
    def updated_at(self) -> str:
        """The last public change: the withdrawal, else the last revision, else the draft's time."""
        if self.withdrawal is not None:
            return str(self.withdrawal["at"])
        if self.revisions:
            return str(self.revisions[-1]["at"])
        return self.drafted_at

    def _unpublished(self) -> None:
        if self.status not in (NewsStatus.DRAFT, NewsStatus.SCHEDULED):
            raise Refusal("news_already_published", state=self.status.value)

    # --- the draft ------------------------------------------------------------------------------------------

    class Revised(Aggregate.Event):
        category: str
        texts: dict[str, Any]
        trace: dict[str, str]

    def revise(self, category: str, texts: dict[str, Any], trace: dict[str, str]) -> None:
        """A draft (or one scheduled, not yet out) gets new texts or another category."""
        self._unpublished()
        self._revised(category, texts, trace)

    @event(Revised)
    def _revised(self, category: str, texts: dict[str, Any], trace: dict[str, str]) -> None:
        self.category, self.texts = Category(category), dict(texts)

    class AttachmentAdded(Aggregate.Event):
        attachment: dict[str, Any]
        trace: dict[str, str]

    def add_attachment(self, attachment: dict[str, Any], trace: dict[str, str]) -> None:
        """A file stored by its content hash: {sha256, filename, media_type, size}."""
        self._unpublished()
        if any(a["sha256"] == attachment["sha256"] for a in self.attachments):
            raise Refusal("news_attachment_exists")
        if len(self.attachments) >= MAX_ATTACHMENTS:
            raise Refusal("news_attachments_full", limit=str(MAX_ATTACHMENTS))
        self._attachment_added(attachment, trace)

    @event(AttachmentAdded)
    def _attachment_added(self, attachment: dict[str, Any], trace: dict[str, str]) -> None:
        self.attachments.append(dict(attachment))

    class AttachmentRemoved(Aggregate.Event):
        sha256: str
        trace: dict[str, str]

    def remove_attachment(self, sha256: str, trace: dict[str, str]) -> None:
        self._unpublished()
        if self.attachment(sha256) is None:
            raise Refusal("news_attachment_not_found")
        self._attachment_removed(sha256, trace)

    @event(AttachmentRemoved)
    def _attachment_removed(self, sha256: str, trace: dict[str, str]) -> None:
        self.attachments = [a for a in self.attachments if a["sha256"] != sha256]

    def attachment(self, sha256: str) -> dict[str, Any] | None:
        return next((a for a in self.attachments if a["sha256"] == sha256), None)

    # --- publication ----------------------------------------------------------------------------------------

    class Scheduled(Aggregate.Event):
        publish_at: str
        trace: dict[str, str]

    def schedule(self, publish_at: str, now: str, trace: dict[str, str]) -> None:
        """Published by the timer at `publish_at` (ISO 8601 with offset, later than now); a new time replaces the
        one scheduled (the old timer then finds nothing to do)."""
        self._unpublished()
        if _instant(publish_at) <= _instant(now):
            raise Refusal("news_publish_at_past", field="publish_at", rule="news_publish_at_past")
        self._scheduled(publish_at, trace)

    @event(Scheduled)
    def _scheduled(self, publish_at: str, trace: dict[str, str]) -> None:
        self.status, self.publish_at = NewsStatus.SCHEDULED, publish_at

    class Unscheduled(Aggregate.Event):
        trace: dict[str, str]

    def unschedule(self, trace: dict[str, str]) -> None:
        if self.status is not NewsStatus.SCHEDULED:
            raise Refusal("news_not_scheduled", state=self.status.value)
        self._unscheduled(trace)

    @event(Unscheduled)
    def _unscheduled(self, trace: dict[str, str]) -> None:
        self.status, self.publish_at = NewsStatus.DRAFT, None

    class Published(Aggregate.Event):
        published_at: str
        scheduled: bool
        # What went out (the contract carries it): the category, texts and attachments at that moment.
        category: str
        texts: dict[str, Any]
        attachments: list[dict[str, Any]]
        trace: dict[str, str]

    def publish(self, at: str, trace: dict[str, str]) -> None:
        """Out at once (a draft, or one scheduled, ahead of its time)."""
        self._unpublished()
        self._published(at, False, self.category.value, dict(self.texts), [dict(a) for a in self.attachments], trace)

    def publish_due(self, publish_at: str, at: str) -> bool:
        """The timer: publishes only if still scheduled for that time (unscheduled, rescheduled or published since:
        nothing to do). Returns whether it published."""
        if self.status is not NewsStatus.SCHEDULED or self.publish_at != publish_at:
            return False
        self._published(at, True, self.category.value, dict(self.texts), [dict(a) for a in self.attachments], {})
        return True

    @event(Published)
    def _published(
        self,
        published_at: str,
        scheduled: bool,
        category: str,
        texts: dict[str, Any],
        attachments: list[dict[str, Any]],
        trace: dict[str, str],
    ) -> None:
        self.status, self.published_at = NewsStatus.PUBLISHED, published_at
        first = {"revision": 1, "texts": dict(texts), "note_ja": None, "note_en": None, "at": published_at}
        self.revisions.append(first)

    # --- after publication ----------------------------------------------------------------------------------

    class Corrected(Aggregate.Event):
        revision: int
        texts: dict[str, Any]
        note_ja: str
        note_en: str | None
        corrected_at: str
        trace: dict[str, str]

    def correct(self, texts: dict[str, Any], note_ja: str, note_en: str | None, at: str, trace: dict[str, str]) -> None:
        """New texts for a published item, with the note saying what changed (訂正); every revision stays shown."""
        if self.status is not NewsStatus.PUBLISHED:
            raise Refusal("news_not_published", state=self.status.value)
        if not note_ja.strip():
            raise Refusal("news_note_required", field="note_ja", rule="news_note_required")
        if texts == self.texts:
            raise Refusal("news_correction_unchanged")
        self._corrected(self.revision + 1, texts, note_ja, note_en or None, at, trace)

    @event(Corrected)
    def _corrected(
        self,
        revision: int,
        texts: dict[str, Any],
        note_ja: str,
        note_en: str | None,
        corrected_at: str,
        trace: dict[str, str],
    ) -> None:
        self.texts = dict(texts)
        self.revisions.append(
            {"revision": revision, "texts": dict(texts), "note_ja": note_ja, "note_en": note_en, "at": corrected_at}
        )

    class Withdrawn(Aggregate.Event):
        reason_ja: str
        reason_en: str | None
        withdrawn_at: str
        trace: dict[str, str]

    def withdraw(self, reason_ja: str, reason_en: str | None, at: str, trace: dict[str, str]) -> None:
        """Taken back (取下げ): it stays readable as withdrawn, with the reason; its body is no longer shown."""
        if self.status is not NewsStatus.PUBLISHED:
            raise Refusal("news_not_published", state=self.status.value)
        if not reason_ja.strip():
            raise Refusal("news_reason_required", field="reason_ja", rule="news_reason_required")
        self._withdrawn(reason_ja, reason_en or None, at, trace)

    @event(Withdrawn)
    def _withdrawn(self, reason_ja: str, reason_en: str | None, withdrawn_at: str, trace: dict[str, str]) -> None:
        self.status = NewsStatus.WITHDRAWN
        self.withdrawal = {"reason_ja": reason_ja, "reason_en": reason_en, "at": withdrawn_at}


def _instant(text: str) -> float:
    """An ISO 8601 time with its offset, as a comparable instant (the domain compares, never reads a clock)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise Refusal("news_time_needs_offset", field="publish_at", rule="news_time_needs_offset")
    return moment.timestamp()
