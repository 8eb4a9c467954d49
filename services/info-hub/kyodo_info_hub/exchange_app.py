"""Opinion exchange (意見交換) as use cases (a mixin of `InfoHubApplication`, on `app_base.InfoHubBase`): the center
drafts and publishes a topic with its comment period; a registered group's representative or contact submits the
group's opinion (sealed until the close); the timer `info_hub.exchange.close` publishes the opinions with the
groups' names; the center or city staff answer each.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import structlog
from eventsourcing.persistence import IntegrityError

from kyodo_info_hub.app_base import InfoHubBase
from kyodo_info_hub.exchange import Topic, TopicStatus
from kyodo_shared.domain.actors import Actor, Principal, Role
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.domain.refusals import Expected, Refusal
from kyodo_shared.tasks.timers import Action, Timer

log = structlog.get_logger(__name__)

CLOSE_TIMER = "info_hub.exchange.close"
# Groups submit to one topic at once: a lost race is tried again on the new version, after a short random pause
# that grows with each loss (so the losers of one race do not all meet again in the next).
ATTEMPTS = 12
PAUSE_SECONDS = 0.005


def topic_texts(title_ja: str, title_en: str | None, body_ja: str, body_en: str | None) -> dict[str, Any]:
    if not title_ja.strip():
        raise Refusal("exchange_title_required", field="title_ja", rule="exchange_title_required")
    if not body_ja.strip():
        raise Refusal("exchange_body_required", field="body_ja", rule="exchange_body_required")
    return {"title_ja": title_ja, "title_en": title_en or None, "body_ja": body_ja, "body_en": body_en or None}


def _tokyo(moment: datetime) -> str:
    return moment.astimezone(TOKYO).isoformat()


class ExchangeCommands(InfoHubBase):
    def exchange_timer_actions(self) -> dict[str, Action]:
        """The durable timers of this part and what each does when due."""
        return {CLOSE_TIMER: self._close_timer}

    def _topic(self, actor: Actor, expected: Expected, topic_id: UUID) -> Topic:
        self._coordinator(actor)
        return self._load(topic_id, Topic, "exchange_topic_not_found", expected)

    # --- the center -----------------------------------------------------------------------------------------

    def draft_topic(self, actor: Actor, texts: dict[str, Any], opens_at: datetime, closes_at: datetime) -> Topic:
        self._coordinator(actor)
        opens, closes = _tokyo(opens_at), _tokyo(closes_at)
        Topic.check_period(opens, closes)
        topic = Topic(uuid4(), topic_texts(**texts), opens, closes, self.now().isoformat(), actor.trace_dict())
        self.save(topic)
        return topic

    def revise_topic(
        self,
        actor: Actor,
        expected: Expected,
        topic_id: UUID,
        texts: dict[str, Any],
        opens_at: datetime,
        closes_at: datetime,
    ) -> Topic:
        topic = self._topic(actor, expected, topic_id)
        topic.revise(topic_texts(**texts), _tokyo(opens_at), _tokyo(closes_at), actor.trace_dict())
        self.save(topic)
        return topic

    def publish_topic(self, actor: Actor, expected: Expected, topic_id: UUID) -> Topic:
        topic = self._topic(actor, expected, topic_id)
        topic.publish(self.now().isoformat(), actor.trace_dict())
        # The period is fixed once published: its end is the timer that publishes the opinions.
        closes = datetime.fromisoformat(topic.closes_at)
        self.timers.schedule(CLOSE_TIMER, str(topic.id), closes, {"closes_at": topic.closes_at})
        self.save(topic)
        return topic

    # --- the groups -----------------------------------------------------------------------------------------

    def submit_opinion(
        self, actor: Actor, topic_id: UUID, group_id: UUID, opinion_ja: str, opinion_en: str | None
    ) -> Topic:
        """The group's opinion (one per group, replaceable until the close); only by a registered group's
        representative or contact. No If-Match: each group writes only its own opinion."""
        gid = str(group_id)
        if not actor.has(Role.GROUP) or not self.people.acts_for(actor.sub, gid, registered_only=True):
            raise Refusal("not_acting_for_group")

        # The group's name as the directory has it now: the close falls back on it should the directory lack it then.
        card = self.people.group(gid)
        name = card.name if card else None

        def submit(topic: Topic) -> None:
            topic.submit_opinion(
                gid, opinion_ja, opinion_en, actor.sub, self.now().isoformat(), actor.trace_dict(), name
            )

        return self._retried(topic_id, submit, public_only=True)

    def _retried(self, topic_id: UUID, change: Callable[[Topic], None], *, public_only: bool) -> Topic:
        for attempt in range(ATTEMPTS):
            topic = self._get(topic_id, Topic, "exchange_topic_not_found")
            if public_only and topic.status is TopicStatus.DRAFT:
                raise Refusal("exchange_topic_not_found")
            change(topic)
            try:
                self.save(topic)
            except IntegrityError:
                log.info("exchange_topic_race_retried", topic_id=str(topic_id), attempt=attempt + 1)
                time.sleep(random.uniform(0, min(PAUSE_SECONDS * 2**attempt, 0.2)))
                continue
            return topic
        raise Refusal("busy")

    def _close_timer(self, timer: Timer) -> None:
        """Publishes the opinions with the groups' names. A submission saved between the load and the save is taken
        in on a new try (a short loop, as `_retried`); a group named nowhere raises, so the timer is retried and
        shown failing rather than publishing an opinion without its group's name."""
        for attempt in range(ATTEMPTS):
            topic = self._find(UUID(timer.aggregate_id), Topic)
            if topic is None:
                return
            names: dict[str, str] = {}
            for gid in topic.opinions:
                card = self.people.group(gid)
                if card is not None and card.name:
                    names[gid] = card.name
            if not topic.close(str(timer.payload["closes_at"]), self.now().isoformat(), names):
                return
            try:
                self.save(topic)
            except IntegrityError:
                log.info("exchange_close_race_retried", topic_id=str(topic.id), attempt=attempt + 1)
                time.sleep(random.uniform(0, min(PAUSE_SECONDS * 2**attempt, 0.2)))
                continue
            log.info("exchange_topic_closed", topic_id=str(topic.id), opinions=len(topic.published_opinions))
            return
        raise RuntimeError(f"topic {timer.aggregate_id} could not be closed: every try lost a race")

    def answer_opinion(
        self, actor: Actor, topic_id: UUID, group_id: UUID, answer_ja: str, answer_en: str | None
    ) -> Topic:
        """The city's written answer (市の考え方) to a group's published opinion: the center or city staff."""
        if not (actor.has(Role.COORDINATOR) or actor.has(Role.STAFF)):
            raise Refusal("exchange_answer_by_city")

        def answer(topic: Topic) -> None:
            topic.answer(str(group_id), answer_ja, answer_en, actor.sub, self.now().isoformat(), actor.trace_dict())

        return self._retried(topic_id, answer, public_only=True)

    # --- reads ----------------------------------------------------------------------------------------------

    def read_topic(self, principal: Principal | None, topic_id: UUID) -> Topic:
        topic = self._get(topic_id, Topic, "exchange_topic_not_found")
        if topic.status is TopicStatus.DRAFT and not (principal is not None and principal.has(Role.COORDINATOR)):
            raise Refusal("exchange_topic_not_found")
        return topic

    def topic_statuses(self, principal: Principal | None, status: TopicStatus | None) -> list[str]:
        """Which statuses a list shows: published and closed ones by default; drafts to coordinators only."""
        if status is None:
            return [TopicStatus.PUBLISHED.value, TopicStatus.CLOSED.value]
        if status is TopicStatus.DRAFT and not (principal is not None and principal.has(Role.COORDINATOR)):
            raise Refusal("coordinator_only")
        return [status.value]

    def visible_opinions(self, principal: Principal | None, topic: Topic) -> list[dict[str, Any]]:
        """After the close: every opinion with its group's name and the city's answer. Before: sealed — the center
        reads them all, a group's people read their own group's, nobody else any."""
        coordinator = principal is not None and principal.has(Role.COORDINATOR)
        sealed = topic.status is not TopicStatus.CLOSED and principal is not None and not coordinator
        groups = set(self.people.groups_of(principal.sub)) if sealed and principal is not None else set()
        return self._visible(principal, coordinator, groups, topic)

    def opinions_shown(self, principal: Principal | None) -> Callable[[Topic], list[dict[str, Any]]]:
        """`visible_opinions` with the caller's groups read now: a command reads them before its save and shows the
        topic it saved, so its answer needs nothing from the store after the commit (a store lost then would answer
        503 for an opinion that was written, and a client retrying a 503 trusts that nothing was)."""
        coordinator = principal is not None and principal.has(Role.COORDINATOR)
        groups = set() if principal is None or coordinator else set(self.people.groups_of(principal.sub))
        return lambda topic: self._visible(principal, coordinator, groups, topic)

    @staticmethod
    def _visible(
        principal: Principal | None, coordinator: bool, groups: set[str], topic: Topic
    ) -> list[dict[str, Any]]:
        if topic.status is TopicStatus.CLOSED:
            return [{**o, "answer": topic.answers.get(o["group_id"])} for o in topic.published_opinions]
        if principal is None:
            return []
        own = set(topic.opinions) if coordinator else groups & set(topic.opinions)
        return [
            {k: v for k, v in topic.opinions[g].items() if k not in ("submitted_by", "group_name")}
            | {"group_name": None, "answer": None}
            for g in sorted(own)
        ]
