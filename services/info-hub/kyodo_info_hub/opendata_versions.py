"""Cheap polling of open data: each dataset's `ETag` and `Last-Modified`, without reading the export, and the 304
answer to a client that has the current state (RFC 9110 §8.8, §13.1.2–§13.1.3, §15.4.5).

A dataset's state is the positions of its sources — the consumer tracking of the bus sources and the positions of
the projections that feed it, each advanced in the transaction that writes the rows — with what else decides the rows
from them: the dataset's columns and `fingerprint` (settings), its `revision` (bumped when its row function changes)
and the build (`build()`: the platform's version and a hash of info-hub's code, so a deploy that changes what a read
model or a row function writes changes every ETag). Positions alone are not a content version: a replay or a rebuild
refills a read model up to the same positions, possibly with other content. So each dataset's row in
`open_data_versions` holds a random `salt`, mixed into the ETag, renewed whenever a source's position is seen to go
backwards (a rebuild under way), and gone with the row when `kyodo replay --from-scratch` empties the read models
(`bus.calls.TABLES` lists `open_data_versions`): a rebuilt state never has the ETag of the state before it.

`Last-Modified` is when the portal first saw that state (stored to the microsecond, never later than the clock), sent
to the second, and only once that second is over: until then a next state could still be first seen within it, and a
client holding that second would take the new state for its own (§13.1.3). Meanwhile the ETag alone validates. So it
is never later than the response's Date (§8.8.2.1), and any state seen later has a later Last-Modified. The catalogue
and the dictionaries record a state they see first just as an export does, and show that time as the update time: two
reads with no change between them give the same time, and a download after them the same Last-Modified.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path

from fastapi import Request, Response

from kyodo_info_hub.opendata import Dataset, Source
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database, Tx

_POSITION = {
    "stream": "SELECT sequence FROM kyodo_consumer_tracking WHERE source = %s",
    "projection": "SELECT position FROM kyodo_projection_position WHERE name = %s",
    # A closed survey's statistics never change, so their count versions them (a rebuild takes it back to 0 and
    # renews the salt, as a position going back does).
    "closed_surveys": "SELECT COUNT(*) FROM hub_surveys WHERE status = 'closed'",
}
_SELECT = "SELECT etag, modified_at, salt, positions FROM open_data_versions WHERE dataset = %s"
_UPSERT = (
    "INSERT INTO open_data_versions (dataset, etag, modified_at, salt, positions) VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (dataset) DO UPDATE SET etag = excluded.etag, modified_at = excluded.modified_at, "
    "salt = excluded.salt, positions = excluded.positions WHERE open_data_versions.etag <> excluded.etag"
)


@cache
def build() -> str:
    """This build of the service: the platform's version and a hash of info-hub's code (read once, when first asked),
    so any deploy that changes how rows are made changes every dataset's ETag."""
    digest = hashlib.sha256(version("kyodo").encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Version:
    """A dataset's current state: the hash of what decides its rows, when the portal first saw it, and the clock's
    time of the request it answers."""

    tag: str
    modified_at: datetime
    now: datetime

    def etag(self, representation: str) -> str:
        """The strong ETag of one representation of this state (the CSV, one JSON page)."""
        return f'"{self.tag}-{representation}"'

    @property
    def last_modified(self) -> datetime | None:
        """`modified_at` to the second, once that second is over; None before."""
        second = self.modified_at.replace(microsecond=0)
        return second if self.now >= second + timedelta(seconds=1) else None

    def headers(self, representation: str) -> dict[str, str]:
        headers = {
            "ETag": self.etag(representation),
            # Caches may keep it, but ask again each time (a 304 costs a few index reads).
            "Cache-Control": "public, no-cache",
        }
        if self.last_modified is not None:
            headers["Last-Modified"] = http_date(self.last_modified)
        return headers


def http_date(moment: datetime) -> str:
    """An HTTP date (IMF-fixdate, GMT)."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _position(tx: Tx, source: Source) -> int:
    query = _POSITION[source.kind]
    row = tx.fetchone(query, (source.name,) if "%s" in query else ())
    return int(str(row[0])) if row else 0


def _tag(dataset: Dataset, positions: list[int], salt: str) -> str:
    signature = [
        dataset.name,
        dataset.revision,
        build(),
        salt,
        dataset.fingerprint,
        [(c.name, c.type, c.csv_header) for c in dataset.columns],
        positions,
    ]
    return hashlib.sha256(json.dumps(signature, ensure_ascii=False).encode()).hexdigest()[:32]


def _went_back(seen: list[int], positions: list[int]) -> bool:
    return len(seen) == len(positions) and any(now < before for before, now in zip(seen, positions, strict=True))


def version_of(db: Database, dataset: Dataset, now: datetime) -> Version:
    """The dataset's state; recorded with `now` the first time it is seen — by an export, a dictionary or the
    catalogue alike, so all of them give one state one time. Writes only when the state changed (or is new)."""
    with db.transaction(read_only=True) as tx:
        positions = [_position(tx, s) for s in dataset.sources]
        row = tx.fetchone(_SELECT, (dataset.name,))
    salt = str(row[2]) if row is not None else ""
    if not salt or _went_back(json.loads(str(row[3])) if row is not None else [], positions):
        salt = secrets.token_hex(8)  # new, or rebuilt: what follows is not the state the old tag named
    tag = _tag(dataset, positions, salt)
    if row is not None and str(row[0]) == tag:
        return Version(tag, datetime.fromisoformat(str(row[1])), now)
    moment = now.astimezone(TOKYO)
    if row is not None:  # never before the state it follows (another replica's clock may be ahead)
        moment = max(moment, datetime.fromisoformat(str(row[1])))
    with db.transaction() as tx:
        tx.execute(_UPSERT, (dataset.name, tag, moment.isoformat(), salt, json.dumps(positions)))
        # Another replica may have recorded the same state a moment earlier: its time stands.
        found = tx.fetchone(_SELECT, (dataset.name,))
    if found is not None and str(found[0]) == tag:
        return Version(tag, datetime.fromisoformat(str(found[1])), now)
    return Version(tag, moment, now)


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
        fresh = _unchanged_since(request.headers.get("if-modified-since"), version.last_modified)
    return Response(status_code=304, headers=headers) if fresh else None


def _unchanged_since(value: str | None, modified_at: datetime | None) -> bool:
    if value is None or modified_at is None:
        return False
    try:
        since = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False  # not an HTTP date: ignored (§13.1.3)
    if since.tzinfo is None:
        return False
    return modified_at <= since
