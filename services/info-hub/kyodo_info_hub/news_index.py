"""The center's news and opinion exchange topics: query tables projected from info-hub's own events (`hub_news`,
`hub_topics`). Lists and the Atom feed read these; commands never decide from them (they are eventually
consistent); a single item is read from its aggregate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kyodo_info_hub import exchange, news
from kyodo_info_hub.exchange import Topic, TopicStatus
from kyodo_info_hub.news import News, NewsStatus
from kyodo_shared.store.db import Database, Row, Tx
from kyodo_shared.tasks.projection import ProjectionHandler

NAME = "info_hub_news_index"
_MODULES = (news.__name__, exchange.__name__)


def _epoch(text: str | None) -> float | None:
    return datetime.fromisoformat(text).timestamp() if text else None


def project(app: Any, events: Sequence[Any]) -> Callable[[Tx], None]:
    """A row per news item and topic the events touched, read at its current version; other parts' events pass."""
    ids = {e.originator_id for e in events if type(e).__module__ in _MODULES}
    statements: list[tuple[str, tuple[Any, ...]]] = []
    for aggregate_id in ids:
        aggregate = app.repository.get(aggregate_id)
        if isinstance(aggregate, News):
            statements.append(_news_row(aggregate))
        elif isinstance(aggregate, Topic):
            statements.append(_topic_row(aggregate))

    def write(tx: Tx) -> None:
        for sql, values in statements:
            tx.execute(sql, values)

    return write


PROJECTIONS: dict[str, ProjectionHandler] = {NAME: project}


def _news_row(n: News) -> tuple[str, tuple[Any, ...]]:
    withdrawn = n.status is NewsStatus.WITHDRAWN
    texts = dict(n.texts)
    if withdrawn:
        # Withdrawn: its body is no longer shown anywhere.
        texts["body_ja"], texts["body_en"] = None, None
    record = {
        "texts": texts,
        # Withdrawn: its files are no longer served to the public, so no list names them.
        "attachments": [] if withdrawn else n.attachments,
        "withdrawal": n.withdrawal,
    }
    return (
        "INSERT INTO hub_news (news_id, status, category, title_ja, title_en, drafted_at, publish_at, published_at, "
        "published_epoch, updated_at, updated_epoch, revision, record) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (news_id) DO UPDATE SET "
        "status = excluded.status, category = excluded.category, title_ja = excluded.title_ja, "
        "title_en = excluded.title_en, publish_at = excluded.publish_at, published_at = excluded.published_at, "
        "published_epoch = excluded.published_epoch, updated_at = excluded.updated_at, "
        "updated_epoch = excluded.updated_epoch, revision = excluded.revision, record = excluded.record",
        (
            str(n.id),
            n.status.value,
            n.category.value,
            n.texts["title_ja"],
            n.texts.get("title_en"),
            n.drafted_at,
            n.publish_at,
            n.published_at,
            _epoch(n.published_at),
            n.updated_at,
            _epoch(n.updated_at),
            n.revision,
            json.dumps(record, ensure_ascii=False),
        ),
    )


def _topic_row(t: Topic) -> tuple[str, tuple[Any, ...]]:
    closed = t.status is TopicStatus.CLOSED
    return (
        "INSERT INTO hub_topics (topic_id, status, title_ja, title_en, opens_at, closes_at, closes_epoch, "
        "published_at, closed_at, opinions, answers) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (topic_id) DO UPDATE SET status = excluded.status, title_ja = excluded.title_ja, "
        "title_en = excluded.title_en, opens_at = excluded.opens_at, closes_at = excluded.closes_at, "
        "closes_epoch = excluded.closes_epoch, published_at = excluded.published_at, "
        "closed_at = excluded.closed_at, opinions = excluded.opinions, answers = excluded.answers",
        (
            str(t.id),
            t.status.value,
            t.texts["title_ja"],
            t.texts.get("title_en"),
            t.opens_at,
            t.closes_at,
            _epoch(t.closes_at),
            t.published_at,
            t.closed_at,
            len(t.published_opinions) if closed else 0,
            len(t.answers),
        ),
    )


# --- reads ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewsEntry:
    news_id: str
    status: str
    category: str
    title_ja: str
    title_en: str | None
    body_ja: str | None
    body_en: str | None
    publish_at: str | None
    published_at: str | None
    updated_at: str
    revision: int
    attachments: list[dict[str, Any]]
    withdrawal: dict[str, Any] | None


_NEWS_COLUMNS = "news_id, status, category, title_ja, title_en, publish_at, published_at, updated_at, revision, record"


def _entry(r: Row) -> NewsEntry:
    record = json.loads(str(r[9]))
    texts = record["texts"]
    return NewsEntry(
        news_id=str(r[0]),
        status=str(r[1]),
        category=str(r[2]),
        title_ja=str(r[3]),
        title_en=str(r[4]) if r[4] is not None else None,
        body_ja=texts.get("body_ja"),
        body_en=texts.get("body_en"),
        publish_at=str(r[5]) if r[5] is not None else None,
        published_at=str(r[6]) if r[6] is not None else None,
        updated_at=str(r[7]),
        revision=int(str(r[8])),
        attachments=list(record["attachments"]),
        withdrawal=record["withdrawal"],
    )


def list_news(
    db: Database, statuses: list[str], category: str | None, offset: int, limit: int
) -> tuple[list[NewsEntry], int]:
    """Items in the statuses named, newest publication first (drafts: newest change first)."""
    marks = ", ".join(["%s"] * len(statuses))
    where, params = f"status IN ({marks})", list(statuses)
    if category:
        where += " AND category = %s"
        params.append(category)
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone(f"SELECT COUNT(*) FROM hub_news WHERE {where}", params)  # noqa: S608
        rows = tx.fetchall(
            f"SELECT {_NEWS_COLUMNS} FROM hub_news WHERE {where} "  # noqa: S608
            "ORDER BY COALESCE(published_epoch, updated_epoch) DESC, news_id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
    return [_entry(r) for r in rows], int(str(total[0])) if total else 0


def feed_news(db: Database, limit: int) -> list[NewsEntry]:
    """What the Atom feed shows: published items and withdrawals (as withdrawal entries), last changed first."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            f"SELECT {_NEWS_COLUMNS} FROM hub_news WHERE status IN ('published', 'withdrawn') "  # noqa: S608
            "ORDER BY updated_epoch DESC, news_id LIMIT %s",
            (limit,),
        )
    return [_entry(r) for r in rows]


@dataclass(frozen=True)
class TopicEntry:
    topic_id: str
    status: str
    title_ja: str
    title_en: str | None
    opens_at: str
    closes_at: str
    published_at: str | None
    closed_at: str | None
    opinions: int
    answers: int


def list_topics(db: Database, statuses: list[str], offset: int, limit: int) -> tuple[list[TopicEntry], int]:
    """Topics in the statuses named, the latest closing first."""
    marks = ", ".join(["%s"] * len(statuses))
    with db.transaction(read_only=True) as tx:
        total = tx.fetchone(f"SELECT COUNT(*) FROM hub_topics WHERE status IN ({marks})", statuses)  # noqa: S608
        rows = tx.fetchall(
            "SELECT topic_id, status, title_ja, title_en, opens_at, closes_at, published_at, closed_at, opinions, "  # noqa: S608
            f"answers FROM hub_topics WHERE status IN ({marks}) "
            "ORDER BY closes_epoch DESC, topic_id LIMIT %s OFFSET %s",
            [*statuses, limit, offset],
        )
    items = [
        TopicEntry(
            topic_id=str(r[0]),
            status=str(r[1]),
            title_ja=str(r[2]),
            title_en=str(r[3]) if r[3] is not None else None,
            opens_at=str(r[4]),
            closes_at=str(r[5]),
            published_at=str(r[6]) if r[6] is not None else None,
            closed_at=str(r[7]) if r[7] is not None else None,
            opinions=int(str(r[8])),
            answers=int(str(r[9])),
        )
        for r in rows
    ]
    return items, int(str(total[0])) if total else 0
