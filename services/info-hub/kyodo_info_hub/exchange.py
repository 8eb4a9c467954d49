"""Opinion exchange (意見交換): a topic the center publishes with a comment period, on which registered groups submit
one written opinion each (replaceable until the close, sealed until then), published with each group's name when
the period closes; then the city's written answer to each opinion.

No I/O here: ids, times, the groups' names and who acts for which group come in from the application.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyodo_shared.domain.refusals import Refusal


class GroupNameMissing(LookupError):
    """The close cannot name a group (the directory lacks it and the submission recorded none): the close waits
    (its timer fails and is retried) rather than publish an opinion without its group's name for ever."""


class TopicStatus(StrEnum):
    DRAFT = "draft"  # 下書き
    PUBLISHED = "published"  # 公開中 (the period ahead, open, or past and not yet closed by the timer)
    CLOSED = "closed"  # 締切 (opinions public)


def instant(text: str, field: str) -> float:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise Refusal("exchange_time_needs_offset", field=field, rule="exchange_time_needs_offset")
    return moment.timestamp()


class Topic(Aggregate):
    """One topic of opinion exchange and its comment period (意見募集期間)."""

    class Drafted(Aggregate.Created):
        topic_id: UUID
        texts: dict[str, Any]
        opens_at: str
        closes_at: str
        drafted_at: str
        trace: dict[str, str]

    @event(Drafted)
    def __init__(
        self,
        topic_id: UUID,
        texts: dict[str, Any],
        opens_at: str,
        closes_at: str,
        drafted_at: str,
        trace: dict[str, str],
    ) -> None:
        self.texts = dict(texts)
        self.opens_at, self.closes_at, self.drafted_at = opens_at, closes_at, drafted_at
        self.status = TopicStatus.DRAFT
        self.published_at: str | None = None
        self.closed_at: str | None = None
        # Sealed until the close: by group id, {group_id, opinion_ja, opinion_en, submitted_by, submitted_at}.
        self.opinions: dict[str, dict[str, Any]] = {}
        # Published at the close: the opinions with each group's name, in the order groups first submitted.
        self.published_opinions: list[dict[str, Any]] = []
        # The city's answers, by group id: {answer_ja, answer_en, answered_at}.
        self.answers: dict[str, dict[str, Any]] = {}
        # How many submissions were stored (replacements included): the version less these is what the public sees,
        # so that nobody but the center can count the sealed submissions by watching the version.
        self.submissions = 0

    @property
    def public_version(self) -> int:
        """The version counting only what the public sees change (drafting, publication, the close, answers)."""
        return self.version - self.submissions

    @staticmethod
    def create_id(topic_id: UUID, *args: Any, **kwargs: Any) -> UUID:
        return topic_id

    @staticmethod
    def check_period(opens_at: str, closes_at: str) -> None:
        if instant(opens_at, "opens_at") >= instant(closes_at, "closes_at"):
            raise Refusal("exchange_period_invalid", field="closes_at", rule="exchange_period_invalid")

    # --- the center -----------------------------------------------------------------------------------------

    class Revised(Aggregate.Event):
        texts: dict[str, Any]
        opens_at: str
        closes_at: str
        trace: dict[str, str]

    def revise(self, texts: dict[str, Any], opens_at: str, closes_at: str, trace: dict[str, str]) -> None:
        if self.status is not TopicStatus.DRAFT:
            raise Refusal("exchange_topic_not_draft", state=self.status.value)
        self.check_period(opens_at, closes_at)
        self._revised(texts, opens_at, closes_at, trace)

    @event(Revised)
    def _revised(self, texts: dict[str, Any], opens_at: str, closes_at: str, trace: dict[str, str]) -> None:
        self.texts, self.opens_at, self.closes_at = dict(texts), opens_at, closes_at

    class Published(Aggregate.Event):
        published_at: str
        # What went out (the contract carries it): the texts and the period.
        texts: dict[str, Any]
        opens_at: str
        closes_at: str
        trace: dict[str, str]

    def publish(self, now: str, trace: dict[str, str]) -> None:
        """Out for comment: the period must not be over already."""
        if self.status is not TopicStatus.DRAFT:
            raise Refusal("exchange_topic_not_draft", state=self.status.value)
        if instant(self.closes_at, "closes_at") <= instant(now, "now"):
            raise Refusal("exchange_period_over", field="closes_at", rule="exchange_period_over")
        self._published(now, dict(self.texts), self.opens_at, self.closes_at, trace)

    @event(Published)
    def _published(
        self, published_at: str, texts: dict[str, Any], opens_at: str, closes_at: str, trace: dict[str, str]
    ) -> None:
        self.status, self.published_at = TopicStatus.PUBLISHED, published_at

    # --- the groups -----------------------------------------------------------------------------------------

    class OpinionSubmitted(Aggregate.Event):
        group_id: str
        opinion_ja: str
        opinion_en: str | None
        submitted_by: str
        submitted_at: str
        trace: dict[str, str]
        # The group's name in the directory at submission (absent from events stored before it was recorded): the
        # close falls back on it when the directory no longer has the group.
        group_name: str | None = None

    def submit_opinion(
        self,
        group_id: str,
        opinion_ja: str,
        opinion_en: str | None,
        by: str,
        now: str,
        trace: dict[str, str],
        group_name: str | None = None,
    ) -> None:
        """One opinion per group, during the period; a later one replaces the group's earlier one."""
        if self.status is not TopicStatus.PUBLISHED:
            raise Refusal("exchange_period_not_open", state=self.status.value)
        moment = instant(now, "now")
        if moment < instant(self.opens_at, "opens_at"):
            raise Refusal("exchange_period_not_open", state="upcoming")
        if moment >= instant(self.closes_at, "closes_at"):
            raise Refusal("exchange_period_not_open", state="over")
        if not opinion_ja.strip():
            raise Refusal("exchange_opinion_required", field="opinion_ja", rule="exchange_opinion_required")
        self._opinion_submitted(group_id, opinion_ja, opinion_en or None, by, now, trace, group_name or None)

    @event(OpinionSubmitted)
    def _opinion_submitted(
        self,
        group_id: str,
        opinion_ja: str,
        opinion_en: str | None,
        submitted_by: str,
        submitted_at: str,
        trace: dict[str, str],
        group_name: str | None = None,
    ) -> None:
        self.opinions[group_id] = {
            "group_id": group_id,
            "opinion_ja": opinion_ja,
            "opinion_en": opinion_en,
            "submitted_by": submitted_by,
            "submitted_at": submitted_at,
            "group_name": group_name,
        }
        self.submissions += 1

    # --- the close and the answers --------------------------------------------------------------------------

    class Closed(Aggregate.Event):
        closed_at: str
        opinions: list[dict[str, Any]]

    def close(self, closes_at: str, now: str, names: dict[str, str]) -> bool:
        """The timer at the period's end: the opinions become public with each group's name as the directory
        had it (`names`, by group id), else as it was when the group submitted. Only the timer of the period in
        force closes it; returns whether it did. A group named nowhere raises `GroupNameMissing` (nothing closes)."""
        if self.status is not TopicStatus.PUBLISHED or self.closes_at != closes_at:
            return False
        named = {g: names.get(g) or o.get("group_name") for g, o in self.opinions.items()}
        missing = sorted(g for g, name in named.items() if not name)
        if missing:
            raise GroupNameMissing(", ".join(missing))
        opinions = [
            {
                "group_id": o["group_id"],
                "group_name": named[o["group_id"]],
                "opinion_ja": o["opinion_ja"],
                "opinion_en": o["opinion_en"],
                "submitted_at": o["submitted_at"],
            }
            for o in self.opinions.values()
        ]
        self._closed(now, opinions)
        return True

    @event(Closed)
    def _closed(self, closed_at: str, opinions: list[dict[str, Any]]) -> None:
        self.status, self.closed_at = TopicStatus.CLOSED, closed_at
        self.published_opinions = [dict(o) for o in opinions]

    class Answered(Aggregate.Event):
        group_id: str
        answer_ja: str
        answer_en: str | None
        answered_by: str
        answered_at: str
        trace: dict[str, str]

    def answer(
        self, group_id: str, answer_ja: str, answer_en: str | None, by: str, now: str, trace: dict[str, str]
    ) -> None:
        """The city's written answer to a group's opinion (市の考え方), after the close, once per opinion."""
        if self.status is not TopicStatus.CLOSED:
            raise Refusal("exchange_topic_not_closed", state=self.status.value)
        if not any(o["group_id"] == group_id for o in self.published_opinions):
            raise Refusal("exchange_opinion_not_found")
        if group_id in self.answers:
            raise Refusal("exchange_already_answered")
        if not answer_ja.strip():
            raise Refusal("exchange_answer_required", field="answer_ja", rule="exchange_answer_required")
        self._answered(group_id, answer_ja, answer_en or None, by, now, trace)

    @event(Answered)
    def _answered(
        self,
        group_id: str,
        answer_ja: str,
        answer_en: str | None,
        answered_by: str,
        answered_at: str,
        trace: dict[str, str],
    ) -> None:
        self.answers[group_id] = {"answer_ja": answer_ja, "answer_en": answer_en, "answered_at": answered_at}
