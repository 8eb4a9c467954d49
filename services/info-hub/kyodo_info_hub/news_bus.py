"""The center's news and opinion exchange on the bus: the outbound map of their events, what the audit API shows of
each, and the aggregates' published type names (merged in `bus_center.py`).

Drafts are the center's work until published: internal, and their bodies restricted to coordinators and auditors
(the audit API itself answers auditors only, so in practice auditors read them there; the policy also says what the
center may see should it ever read the history). A group's opinion is sealed until the comment period closes: it
leaves only inside `opinions_published`, and its submission shows to auditors only (not even the center reads who
wrote it through the history). The city's answer is public, but who answered (a staff member's sub) and the trace
are the center's and auditors', as a case's are (`cases_bus.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyodo_contracts import Contract
from kyodo_contracts import info_hub_news as c
from kyodo_info_hub.exchange import Topic
from kyodo_info_hub.news import News
from kyodo_shared.audit.visibility import EventPolicy, restricted
from kyodo_shared.bus.mapping import OutboundMap, ToContracts, events_of
from kyodo_shared.web.auth import Role

_news, _topic = events_of(News), events_of(Topic)


def _published(e: Any) -> Sequence[Contract]:
    t = e.texts
    return [
        c.NewsPublished(
            news_id=e.originator_id,
            category=c.NewsCategory(e.category),
            title_ja=t["title_ja"],
            title_en=t["title_en"],
            body_ja=t["body_ja"],
            body_en=t["body_en"],
            attachments=[c.NewsAttachment.produce(a) for a in e.attachments],
            published_at=e.published_at,
            scheduled=e.scheduled,
        )
    ]


def _topic_published(e: Any) -> Sequence[Contract]:
    t = e.texts
    return [
        c.TopicPublished(
            topic_id=e.originator_id,
            title_ja=t["title_ja"],
            title_en=t["title_en"],
            body_ja=t["body_ja"],
            body_en=t["body_en"],
            opens_at=e.opens_at,
            closes_at=e.closes_at,
            published_at=e.published_at,
        )
    ]


def _corrected(e: Any) -> Sequence[Contract]:
    t = e.texts
    return [
        c.NewsCorrected(
            news_id=e.originator_id,
            revision=e.revision,
            title_ja=t["title_ja"],
            title_en=t["title_en"],
            body_ja=t["body_ja"],
            body_en=t["body_en"],
            note_ja=e.note_ja,
            note_en=e.note_en,
            corrected_at=e.corrected_at,
        )
    ]


def _opinions(e: Any) -> Sequence[Contract]:
    return [
        c.OpinionsPublished(
            topic_id=e.originator_id,
            closed_at=e.closed_at,
            opinions=[c.PublishedOpinion.produce(o) for o in e.opinions],
        )
    ]


_MAPPED: dict[type[Any], ToContracts] = {
    _news.Published: _published,
    _news.Corrected: _corrected,
    _news.Withdrawn: lambda e: [
        c.NewsWithdrawn(
            news_id=e.originator_id, reason_ja=e.reason_ja, reason_en=e.reason_en, withdrawn_at=e.withdrawn_at
        )
    ],
    _topic.Published: _topic_published,
    _topic.Closed: _opinions,
    _topic.Answered: lambda e: [
        c.OpinionAnswered(
            topic_id=e.originator_id,
            group_id=e.group_id,
            answer_ja=e.answer_ja,
            answer_en=e.answer_en,
            answered_at=e.answered_at,
        )
    ],
}

OUTBOUND = OutboundMap(
    _MAPPED,
    internal={
        # The center's drafts: nothing leaves until published.
        _news.Drafted,
        _news.Revised,
        _news.AttachmentAdded,
        _news.AttachmentRemoved,
        _news.Scheduled,
        _news.Unscheduled,
        _topic.Drafted,
        _topic.Revised,
        # Sealed until the close; the opinions leave inside `opinions_published`.
        _topic.OpinionSubmitted,
    },
)

# The center's work before publication: coordinators and auditors.
CENTER_DRAFT = EventPolicy(event=restricted(Role.COORDINATOR, Role.AUDITOR))
# A group's opinion before the close (and who submitted it): auditors only.
SEALED_OPINION = EventPolicy(event=restricted(Role.AUDITOR))
# The answer is public; who gave it (a staff member's sub) and the trace are the center's and auditors'.
_CENTER = restricted(Role.COORDINATOR, Role.AUDITOR)
ANSWER = EventPolicy(fields={"answered_by": _CENTER, "trace": _CENTER})

_NEWS = "kyodo_info_hub.news:News"
_TOPIC = "kyodo_info_hub.exchange:Topic"

VISIBILITY: dict[str, EventPolicy] = {
    **{
        f"{_NEWS}.{n}": CENTER_DRAFT
        for n in ("Drafted", "Revised", "AttachmentAdded", "AttachmentRemoved", "Scheduled", "Unscheduled")
    },
    **{f"{_NEWS}.{n}": EventPolicy() for n in ("Published", "Corrected", "Withdrawn")},
    f"{_TOPIC}.Drafted": CENTER_DRAFT,
    f"{_TOPIC}.Revised": CENTER_DRAFT,
    f"{_TOPIC}.Published": EventPolicy(),
    f"{_TOPIC}.OpinionSubmitted": SEALED_OPINION,
    f"{_TOPIC}.Closed": EventPolicy(),
    f"{_TOPIC}.Answered": ANSWER,
}
AGGREGATES: dict[str, str] = {_NEWS: "info-hub.News", _TOPIC: "info-hub.Topic"}
