"""The center's news as an Atom feed (RFC 4287), written with feedgen: one entry per published item (its current
revision), and a withdrawal entry for an item withdrawn (its title marked, the reason as its summary, no body).
Japanese first: the feed declares `xml:lang="ja"`; ids are `urn:uuid:` of the item; links point at the API. The feed's
own id comes from the deployment's public URL (staging and production are different feeds). Characters XML cannot
carry are dropped from every text (requests refuse control characters already; this keeps one stored row from ever
making the feed unwritable).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime

from feedgen.feed import FeedGenerator

from kyodo_info_hub.news_index import NewsEntry

CENTER = "こくぶんじ市民活動センター"
CATEGORY_LABELS = {
    "recruitment": "募集",
    "course": "講座",
    "grant": "助成",
    "collaboration": "協働事業",
    "center": "センターから",
}
# The part of a summary a feed reader shows; the API has the whole text.
SUMMARY_CHARS = 500
# What XML 1.0 cannot carry: control characters but tab, LF and CR; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def feed_id(api_base: str) -> uuid.UUID:
    """The feed's id, from the deployment's public URL."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{api_base}/news.atom")


def atom(entries: Sequence[NewsEntry], api_base: str, now: datetime) -> bytes:
    """`api_base`: the public URL of info-hub's API (`<public_url>/api/info-hub`)."""
    fg = FeedGenerator()
    fg.id(f"urn:uuid:{feed_id(api_base)}")
    fg.title(f"{CENTER} お知らせ")
    fg.subtitle("募集・講座・助成・協働事業・センターからのお知らせ")
    fg.author({"name": CENTER})
    fg.language("ja")
    fg.link(href=f"{api_base}/news.atom", rel="self", type="application/atom+xml")
    fg.link(href=f"{api_base}/news", rel="alternate", type="application/json")
    updated = [datetime.fromisoformat(e.updated_at) for e in entries]
    fg.updated(max(updated) if updated else now)
    for e in entries:
        fe = fg.add_entry(order="append")
        fe.id(f"urn:uuid:{e.news_id}")
        fe.link(href=f"{api_base}/news/{e.news_id}", rel="alternate", type="application/json")
        fe.updated(datetime.fromisoformat(e.updated_at))
        if e.published_at:
            fe.published(datetime.fromisoformat(e.published_at))
        fe.category(term=e.category, label=CATEGORY_LABELS.get(e.category, e.category))
        title_ja = xml_text(e.title_ja)
        if e.withdrawal is not None:
            fe.title(f"【取下げ】{title_ja}")
            fe.summary(f"このお知らせは取り下げられました。理由: {xml_text(e.withdrawal['reason_ja'])}")
        else:
            fe.title(title_ja if e.revision <= 1 else f"{title_ja}（第{e.revision}版）")
            fe.summary(xml_text(e.body_ja or "")[:SUMMARY_CHARS])
    result: bytes = fg.atom_str(pretty=True)
    return result
