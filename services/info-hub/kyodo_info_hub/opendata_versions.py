"""Cheap polling of open data: each dataset's `ETag` and `Last-Modified`, without reading the export, and the 304
answer to a client that has the current state (RFC 9110 §13.1.2–§13.1.3, §15.4.5).

A dataset's state is the positions of its sources — the consumer tracking of the bus sources and the positions of
the projections that feed it, each advanced in the transaction that writes the rows — with the dataset's columns
(a new column is a new representation). The ETag is a hash of them: it changes whenever the rows may have (sometimes
when they did not: a source's other events move it too), never stays when they did. `Last-Modified` is when the
portal first saw that state (`open_data_versions`, written only when it changes), one second after the previous one
at least, so a client holding the previous time never mistakes the new state for its own.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

from kyodo_info_hub.opendata import Dataset, Source
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database, Tx

_POSITION = {
    "stream": "SELECT sequence FROM kyodo_consumer_tracking WHERE source = %s",
    "projection": "SELECT position FROM kyodo_projection_position WHERE name = %s",
}
_UPSERT = (
    "INSERT INTO open_data_versions (dataset, etag, modified_at) VALUES (%s, %s, %s) "
    "ON CONFLICT (dataset) DO UPDATE SET etag = excluded.etag, modified_at = excluded.modified_at "
    "WHERE open_data_versions.etag <> excluded.etag"
)


@dataclass(frozen=True)
class Version:
    """A dataset's current state: the hash of its sources' positions, and when the portal first saw it."""

    tag: str
    modified_at: datetime

    def etag(self, representation: str) -> str:
        """The strong ETag of one representation of this state (the CSV, one JSON page)."""
        return f'"{self.tag}-{representation}"'

    def headers(self, representation: str) -> dict[str, str]:
        return {
            "ETag": self.etag(representation),
            "Last-Modified": http_date(self.modified_at),
            # Caches may keep it, but ask again each time (a 304 costs a few index reads).
            "Cache-Control": "public, no-cache",
        }


def http_date(moment: datetime) -> str:
    """An HTTP date (IMF-fixdate, GMT)."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _position(tx: Tx, source: Source) -> int:
    row = tx.fetchone(_POSITION[source.kind], (source.name,))
    return int(str(row[0])) if row else 0


def _tag(dataset: Dataset, positions: list[int]) -> str:
    signature = [
        dataset.name,
        dataset.fingerprint,
        [(c.name, c.type, c.csv_header) for c in dataset.columns],
        positions,
    ]
    return hashlib.sha256(json.dumps(signature, ensure_ascii=False).encode()).hexdigest()[:32]


def version_of(db: Database, dataset: Dataset, now: datetime) -> Version:
    """The dataset's state; recorded with `now` (to the second) the first time it is seen."""
    with db.transaction(read_only=True) as tx:
        tag = _tag(dataset, [_position(tx, s) for s in dataset.sources])
        row = tx.fetchone("SELECT etag, modified_at FROM open_data_versions WHERE dataset = %s", (dataset.name,))
    if row is not None and str(row[0]) == tag:
        return Version(tag, datetime.fromisoformat(str(row[1])))
    moment = now.astimezone(TOKYO).replace(microsecond=0)
    if row is not None:
        moment = max(moment, datetime.fromisoformat(str(row[1])) + timedelta(seconds=1))
    with db.transaction() as tx:
        tx.execute(_UPSERT, (dataset.name, tag, moment.isoformat()))
        # Another replica may have recorded the same state a moment earlier: its time stands.
        found = tx.fetchone("SELECT etag, modified_at FROM open_data_versions WHERE dataset = %s", (dataset.name,))
    if found is not None and str(found[0]) == tag:
        return Version(tag, datetime.fromisoformat(str(found[1])))
    return Version(tag, moment)


def tags_of(header: str) -> set[str]:
    """The entity-tags an If-None-Match lists, compared weakly."""
    # Weak comparison (§13.1.2): W/"x" and "x" match alike.
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def not_modified(request: Request, version: Version, representation: str) -> Response | None:
    """A 304 when the client's copy is current: If-None-Match names this ETag (or `*`); without If-None-Match, the
    representation has not changed since If-Modified-Since. None: answer in full."""
    headers = version.headers(representation)
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = tags_of(match)
        fresh = "*" in tags or version.etag(representation) in tags
    else:
        fresh = _unchanged_since(request.headers.get("if-modified-since"), version.modified_at)
    return Response(status_code=304, headers=headers) if fresh else None


def _unchanged_since(value: str | None, modified_at: datetime) -> bool:
    if value is None:
        return False
    try:
        since = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False  # not an HTTP date: ignored (§13.1.3)
    if since.tzinfo is None:
        return False
    return modified_at.replace(microsecond=0) <= since
