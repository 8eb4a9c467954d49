"""The center's news (お知らせ) as use cases (a mixin of `InfoHubApplication`, on `app_base.InfoHubBase`): only the
center's coordinators write; anyone reads what is published; the durable timer `info_hub.news.publish` publishes a
scheduled item at its time.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import structlog
from eventsourcing.persistence import IntegrityError

from kyodo_info_hub.app_base import InfoHubBase
from kyodo_info_hub.news import Category, News, NewsStatus, texts_of
from kyodo_info_hub.news_attachments import Attachment, AttachmentStore
from kyodo_shared.domain.actors import Actor, Principal, Role
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal
from kyodo_shared.tasks.timers import Action, Timer, timer_id_for

log = structlog.get_logger(__name__)

PUBLISH_TIMER = "info_hub.news.publish"
# How many times the timer reads the item again after losing a race to a coordinator's change.
TIMER_ATTEMPTS = 5
# What anyone may read; drafts and scheduled items are the center's until they are out.
PUBLIC_STATUSES = (NewsStatus.PUBLISHED.value, NewsStatus.WITHDRAWN.value)


def is_coordinator(principal: Principal | None) -> bool:
    return principal is not None and principal.has(Role.COORDINATOR)


class NewsCommands(InfoHubBase):
    def news_timer_actions(self) -> dict[str, Action]:
        """The durable timers of this part and what each does when due."""
        return {PUBLISH_TIMER: self._publish_timer}

    @property
    def attachments(self) -> AttachmentStore:
        # The bytes live in info-hub's own database (`hub_news_attachments`).
        return AttachmentStore(self.db)

    def _news(self, actor: Actor, expected: Expected, news_id: UUID) -> News:
        self._coordinator(actor)
        return self._load(news_id, News, "news_not_found", expected)

    # --- the draft ------------------------------------------------------------------------------------------

    def draft_news(self, actor: Actor, category: Category, texts: dict[str, Any]) -> News:
        self._coordinator(actor)
        news = News(uuid4(), category.value, texts_of(**texts), self.now().isoformat(), actor.trace_dict())
        self.save(news)
        return news

    def revise_news(
        self, actor: Actor, expected: Expected, news_id: UUID, category: Category, texts: dict[str, Any]
    ) -> News:
        news = self._news(actor, expected, news_id)
        news.revise(category.value, texts_of(**texts), actor.trace_dict())
        self.save(news)
        return news

    def attach(self, actor: Actor, expected: Expected, news_id: UUID, attachment: Attachment) -> News:
        news = self._news(actor, expected, news_id)
        reference = attachment.reference()
        news.add_attachment(reference, actor.trace_dict())
        # The bytes first: a reference saved is never without them (bytes refused afterwards stay unreferenced).
        self.attachments.put(attachment, self.clock())
        self.save(news)
        return news

    def detach(self, actor: Actor, expected: Expected, news_id: UUID, sha256: str) -> News:
        news = self._news(actor, expected, news_id)
        news.remove_attachment(sha256, actor.trace_dict())
        self.save(news)
        return news

    # --- publication ----------------------------------------------------------------------------------------

    def schedule_news(self, actor: Actor, expected: Expected, news_id: UUID, publish_at: datetime) -> News:
        news = self._news(actor, expected, news_id)
        earlier = news.publish_at
        at = publish_at.astimezone(TOKYO)
        news.schedule(at.isoformat(), self.now().isoformat(), actor.trace_dict())
        # The timer names the time it publishes at: rescheduled or unscheduled since, it finds nothing to do.
        self.timers.schedule(PUBLISH_TIMER, str(news.id), at, {"publish_at": at.isoformat()})
        self.save(news)
        self._cancel_publication(news, earlier)
        return news

    def unschedule_news(self, actor: Actor, expected: Expected, news_id: UUID) -> News:
        news = self._news(actor, expected, news_id)
        earlier = news.publish_at
        news.unschedule(actor.trace_dict())
        self.save(news)
        self._cancel_publication(news, earlier)
        return news

    def publish_news(self, actor: Actor, expected: Expected, news_id: UUID) -> News:
        news = self._news(actor, expected, news_id)
        earlier = news.publish_at
        news.publish(self.now().isoformat(), actor.trace_dict())
        self.save(news)
        self._cancel_publication(news, earlier)
        return news

    def _cancel_publication(self, news: News, publish_at: str | None) -> None:
        """After the save: the timer of a time no longer scheduled is cancelled (were this lost, the timer would
        still find nothing to do: it names its time). Only tidying, after the command's commit: a store lost by then
        must not answer 503 for a command that was written (a client retrying a 503 trusts that nothing was)."""
        if publish_at is not None and (news.status is not NewsStatus.SCHEDULED or publish_at != news.publish_at):
            try:
                self.timers.cancel(timer_id_for(PUBLISH_TIMER, str(news.id), datetime.fromisoformat(publish_at)))
            except Exception as exc:  # noqa: BLE001 - the timer left finds nothing to do when due
                log.warning("news_publish_timer_not_cancelled", news_id=str(news.id), error=type(exc).__name__)

    def _publish_timer(self, timer: Timer) -> None:
        """Publishes at the time it names; a change saved between the load and the save (the coordinator's) is read
        again at once, a few times, rather than waiting for the kernel's retry."""
        for attempt in range(TIMER_ATTEMPTS):
            news = self._find(UUID(timer.aggregate_id), News)
            if news is None or not news.publish_due(str(timer.payload["publish_at"]), self.now().isoformat()):
                return
            try:
                self.save(news)
            except IntegrityError:
                log.info("news_publish_race_retried", news_id=str(news.id), attempt=attempt + 1)
                time.sleep(0.01 * (attempt + 1))
                continue
            log.info("news_published_by_timer", news_id=str(news.id), publish_at=timer.payload["publish_at"])
            return
        raise RuntimeError(f"news {timer.aggregate_id} could not be published: every try lost a race")

    # --- after publication ----------------------------------------------------------------------------------

    def correct_news(
        self,
        actor: Actor,
        expected: Expected,
        news_id: UUID,
        texts: dict[str, Any],
        note_ja: str,
        note_en: str | None,
    ) -> News:
        news = self._news(actor, expected, news_id)
        news.correct(texts_of(**texts), note_ja, note_en, self.now().isoformat(), actor.trace_dict())
        self.save(news)
        return news

    def withdraw_news(
        self, actor: Actor, expected: Expected, news_id: UUID, reason_ja: str, reason_en: str | None
    ) -> News:
        news = self._news(actor, expected, news_id)
        news.withdraw(reason_ja, reason_en, self.now().isoformat(), actor.trace_dict())
        self.save(news)
        return news

    # --- reads ----------------------------------------------------------------------------------------------

    def read_news(self, principal: Principal | None, news_id: UUID) -> News:
        """Published and withdrawn items to anyone; drafts and scheduled ones to coordinators only (to anyone
        else, as if they did not exist)."""
        news = self._get(news_id, News, "news_not_found")
        if news.status.value not in PUBLIC_STATUSES and not is_coordinator(principal):
            raise Refusal("news_not_found")
        return news

    def news_attachment(
        self, principal: Principal | None, news_id: UUID, sha256: str
    ) -> tuple[dict[str, Any], bytes, bool]:
        """A file of a published item to anyone (not once withdrawn); of any item to coordinators. The flag: whether
        the item is published (what anyone may read, so a shared cache may keep it a short while)."""
        news = self.read_news(principal, news_id)
        reference = news.attachment(sha256)
        if reference is None or (news.status is not NewsStatus.PUBLISHED and not is_coordinator(principal)):
            raise Refusal("news_attachment_not_found")
        content = self.attachments.get(sha256)
        if content is None:
            raise Refusal("news_attachment_not_found")
        return reference, content, news.status is NewsStatus.PUBLISHED

    def news_statuses(self, principal: Principal | None, status: NewsStatus | None) -> list[str]:
        """Which statuses a list shows: published ones by default; drafts, scheduled and withdrawn ones named."""
        if status is None:
            return [NewsStatus.PUBLISHED.value]
        if status.value not in PUBLIC_STATUSES and not is_coordinator(principal):
            raise Refusal("coordinator_only")
        return [status.value]
