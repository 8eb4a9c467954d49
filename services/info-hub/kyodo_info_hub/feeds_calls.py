"""The calls for proposals and their results as Atom feeds (RFC 4287), written with feedgen as the news feed is
(`feeds.py`): Japanese first (`xml:lang="ja"`), entries' ids `urn:uuid:`, links to the API, texts XML cannot carry
dropped, and the feed's own id from the deployment's public URL.

- `calls.atom`: one entry per published call (the newest `FEED_ENTRIES`), its title marked when it is closed,
  cancelled (with the reason) or has its results; the summary gives the deadline and the description.
- `call-results.atom`: one entry per call whose results are published: how many proposals were ranked and selected,
  and the decision's reasons; it links to the call and to the `call-results` dataset.

An entry's `updated` is when its call last changed (`portal_calls.updated_at`), `published` when the call was
published. A row written before info_hub_0009 kept those times has neither until a replay fills them: its entry is
dated by a fixed time in the past (`FIXED`), has no `published` and comes last — never dated by the call's deadline,
which may be in the future. An empty feed's `updated` is `FIXED` too, so its body and ETag stay until an entry
appears.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from feedgen.feed import FeedGenerator

from kyodo_info_hub.feeds import CENTER, SUMMARY_CHARS, xml_text
from kyodo_shared.store.db import Database

FEED_ENTRIES = 50
# The `updated` of an empty feed and of an entry whose times are unknown: fixed, so neither changes between requests.
FIXED = datetime.fromisoformat("2026-04-01T00:00:00+09:00")
STATUS_MARKS = {"closed": "【締切】", "cancelled": "【中止】", "results_published": "【結果公表】"}
_COLUMNS = "call_id, status, status_reason, deadline, rules, results, published_at, results_published_at, updated_at"


def _rows(db: Database, where: str, order: str) -> list[dict[str, Any]]:
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} FROM portal_calls {where} ORDER BY {order} DESC, call_id LIMIT %s",  # noqa: S608
            (FEED_ENTRIES,),
        )
    names = [c.strip() for c in _COLUMNS.split(",")]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _time(*texts: Any) -> datetime:
    return datetime.fromisoformat(str(next((t for t in texts if t), FIXED.isoformat())))


def _feed(api_base: str, path: str, title: str, subtitle: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{api_base}{path}')}")
    fg.title(title)
    fg.subtitle(subtitle)
    fg.author({"name": CENTER})
    fg.language("ja")
    fg.link(href=f"{api_base}{path}", rel="self", type="application/atom+xml")
    return fg


def _finish(fg: FeedGenerator, times: list[datetime]) -> bytes:
    fg.updated(max(times) if times else FIXED)
    body: bytes = fg.atom_str(pretty=True)
    return body


def calls_atom(db: Database, api_base: str) -> bytes:
    """The newest published calls. `api_base`: the public URL of info-hub's API (`<public_url>/api/info-hub`)."""
    fg = _feed(api_base, "/calls.atom", f"{CENTER} 協働事業の募集", "公告された募集（プロポーザル方式・提案制度）")
    fg.link(href=f"{api_base}/calls", rel="alternate", type="application/json")
    times = []
    for call in _rows(db, "", "COALESCE(updated_at, published_at, '')"):
        rules = json.loads(str(call["rules"]))
        updated = _time(call["updated_at"], call["published_at"])
        times.append(updated)
        fe = fg.add_entry(order="append")
        fe.id(f"urn:uuid:{call['call_id']}")
        fe.link(href=f"{api_base}/calls/{call['call_id']}", rel="alternate", type="application/json")
        fe.updated(updated)
        if call["published_at"]:
            fe.published(_time(call["published_at"]))
        fe.category(term=str(rules["kind"]))
        fe.title(STATUS_MARKS.get(str(call["status"]), "") + xml_text(str(rules["title_ja"])))
        deadline = _time(call["deadline"]).strftime("%Y年%m月%d日 %H:%M")
        summary = f"締切: {deadline}\n{xml_text(str(rules['description_ja']))}"
        if call["status"] == "cancelled":
            summary = f"この募集は中止されました。理由: {xml_text(str(call['status_reason']))}\n{summary}"
        fe.summary(summary[:SUMMARY_CHARS])
    return _finish(fg, times)


def results_atom(db: Database, api_base: str) -> bytes:
    """The newest published results, one entry per call."""
    fg = _feed(api_base, "/call-results.atom", f"{CENTER} 募集の選定結果", "協働事業の募集の選定結果と理由")
    fg.link(href=f"{api_base}/open-data/datasets/call-results", rel="alternate", type="application/json")
    times = []
    where = "WHERE results IS NOT NULL"
    for call in _rows(db, where, "COALESCE(results_published_at, updated_at, '')"):
        rules, results = json.loads(str(call["rules"])), json.loads(str(call["results"]))
        updated = _time(call["results_published_at"], call["updated_at"])
        times.append(updated)
        fe = fg.add_entry(order="append")
        fe.id(f"urn:uuid:{uuid.uuid5(uuid.UUID(str(call['call_id'])), 'results')}")
        fe.link(href=f"{api_base}/calls/{call['call_id']}", rel="alternate", type="application/json")
        fe.link(href=f"{api_base}/open-data/datasets/call-results.csv", rel="related", type="text/csv")
        fe.updated(updated)
        fe.published(updated)
        fe.title(f"【選定結果】{xml_text(str(rules['title_ja']))}")
        ranked, selected = len(results.get("proposals", [])), len(results.get("selected", []))
        summary = f"審査した提案 {ranked} 件、選定 {selected} 件。理由: {xml_text(str(results.get('reasons', '')))}"
        fe.summary(summary[:SUMMARY_CHARS])
    return _finish(fg, times)
