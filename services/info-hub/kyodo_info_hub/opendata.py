"""Open data (オープンデータ): the framework every dataset of the portal is declared with.

A dataset is a name, its titles and description (ja/en), its columns (the data dictionary: name, type, meaning in
Japanese and English), a function reading its rows from info-hub's database, and the sources that feed it. The routes
(`opendata_api`) serve each one at stable URLs: `/open-data/datasets/{name}.csv` (UTF-8 with BOM, CRLF, formula
cells neutralised), `/open-data/datasets/{name}.json` (the kernel's list convention: `page`/`per_page`, `total`,
`Link`), `/open-data/datasets/{name}` (the data dictionary), and list them in the catalogue `/open-data/datasets`.

**Rows** are streamed: `rows(db)` yields one sequence per row, one value per column in the columns' order, and is
never asked for the whole set at once. Read a query with `read_in_batches` (keyset batches, each in its own short
read-only transaction, so a slow client never holds a connection or SQLite's lock). Values are typed Python values:
`str`, `int`, `float`, `Decimal`, `bool`, `date`, `datetime` (written in Asia/Tokyo with its offset), a `list` of
strings (a `string[]` column: `;`-joined in CSV, a JSON array in JSON) or `None` (an empty CSV cell, JSON null). Rows
must be a function of the sources (and of settings named by `fingerprint`) — never of the clock — or the ETag would
not tell their changes.

**Sources** say what feeds a dataset: `stream("registry")` (a read model fed from a bus source: its consumer's
tracked sequence) or `projection("info_hub_trainings")` (a query table of info-hub's own events: its projector's
position). Each is advanced in the same transaction as the rows it writes, so their positions tell — without reading
the export — whether it may have changed: the ETag is a hash of them (it may change when the dataset did not, never
stay when it did), and `Last-Modified` is when the portal first saw that state (`open_data_versions`).

**Registering**: each module declaring datasets exports `def datasets(settings: InfoHubSettings) -> tuple[Dataset,
...]` (closures may read the settings: the municipality's code, the portal's public URL); `opendata_api.PROVIDERS`
lists those functions, and `catalogue(...)` merges what they return (a duplicate name is an error). A dataset whose
rows use settings passes a hash of the values it uses as `fingerprint`: it is mixed into the ETag, so a changed
setting is a changed state.

A worked example, the public group directory (`opendata_portal` holds the real one)::

    def _group_rows(db: Database) -> Iterator[Sequence[Any]]:
        for group_id, name, fields, founded, members in read_in_batches(
            db,
            select="group_id, name, fields_of_activity, founded, members_count",
            table="directory_groups",
            key=("registered_at", "group_id"),  # unique, non-null, never changes: the export's order
        ):
            yield group_id, name, json.loads(fields), date.fromisoformat(founded) if founded else None, members

    GROUPS = Dataset(
        name="groups",
        title_ja="市民活動団体一覧",
        title_en="Registered civic activity groups",
        description_ja="市に登録された市民活動団体の公開情報。",
        description_en="The public profile of each group registered with the city.",
        columns=(
            Column("group_id", "uuid", "団体の識別子", "The group's id"),
            Column("name", "string", "団体名", "Name"),
            Column("fields_of_activity", "string[]", "活動分野（; 区切り）", "Fields of activity (;-separated)"),
            Column("founded", "date", "設立年月日", "Founded on"),
            Column("members_count", "integer", "会員数", "Number of members"),
        ),
        rows=_group_rows,
        sources=(stream("registry"),),
    )

    def datasets(settings: InfoHubSettings) -> tuple[Dataset, ...]:
        return (GROUPS,)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database, Row

# The column types a data dictionary names. `datetime`: ISO 8601 in Asia/Tokyo with its offset; `date`: YYYY-MM-DD;
# `string[]`: several strings (`;`-joined in CSV, an array in JSON); `number`: a decimal number.
COLUMN_TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "uuid", "uri", "string[]")
_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")
_COLUMN = re.compile(r"[a-z][a-z0-9_]{0,62}")
# One batch of `read_in_batches`: a few hundred rows in memory at a time.
BATCH_SIZE = 500


@dataclass(frozen=True)
class Column:
    """One column of a dataset and its data dictionary entry: its name (the JSON key), type (`COLUMN_TYPES`),
    meaning ja/en; `header`: the CSV header cell when a standard layout names it (e.g. "イベント名"), else the name."""

    name: str
    type: str
    ja: str
    en: str
    header: str = ""

    @property
    def csv_header(self) -> str:
        return self.header or self.name

    def __post_init__(self) -> None:
        if not _COLUMN.fullmatch(self.name):
            raise ValueError(f"column name {self.name!r}: lower case letters, digits and _")
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {COLUMN_TYPES}")


@dataclass(frozen=True)
class Source:
    """What feeds a dataset: a bus source's consumer tracking (`stream`) or a projection's position (`projection`)."""

    kind: str
    name: str


def stream(source: str) -> Source:
    """A read model fed from a bus source (the `source` of its subscription, e.g. "registry", "proposals")."""
    return Source("stream", source)


def projection(name: str) -> Source:
    """A query table of info-hub's own events (the projection's name, e.g. `trainings_index.NAME`)."""
    return Source("projection", name)


def closed_surveys() -> Source:
    """The number of closed surveys: what the survey statistics change with. Not the surveys' projection position,
    which moves with every answer saved or submitted — an ETag following it would tell anyone polling how busy the
    answering is before the close (who has answered is restricted until then)."""
    return Source("closed_surveys", "hub_surveys")


RowsReader = Callable[[Database], Iterator[Sequence[Any]]]


@dataclass(frozen=True)
class Dataset:
    """A public dataset: served as CSV and JSON, with its data dictionary, at `/open-data/datasets/{name}…`.

    `standard`: the published layout it follows, with its version (e.g. "自治体標準オープンデータセット「イベント
    一覧」第2版"), or None when the columns are the portal's own (documented by the dictionary).
    `count`: how many rows, when cheaper than reading them (the JSON pages' `total`); None: the rows are counted.
    `fingerprint`: what else the rows depend on (a hash of the settings they read), mixed into the ETag.
    `revision`: bump it when the rows a given state of the sources yields change (a new label, a filter): it is mixed
    into the ETag (so is the build, `opendata_versions.build`, which any code change moves anyway).
    """

    name: str
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    columns: tuple[Column, ...]
    rows: RowsReader
    sources: tuple[Source, ...]
    standard: str | None = None
    count: Callable[[Database], int] | None = None
    fingerprint: str = ""
    revision: int = 1

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"dataset name {self.name!r}: lower case letters, digits and -")
        names = [c.name for c in self.columns]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"dataset {self.name}: columns must be present and unique")
        headers = [c.csv_header for c in self.columns]
        if len(set(headers)) != len(headers):
            raise ValueError(f"dataset {self.name}: CSV headers must be unique")
        if not self.sources:
            raise ValueError(f"dataset {self.name}: name the sources that feed it (its ETag comes from them)")

    def records(self, db: Database) -> Iterator[dict[str, Any]]:
        """Each row as a JSON object (column name → JSON value), streamed."""
        for row in self.rows(db):
            yield self.record(row)

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        names = [c.name for c in self.columns]
        if len(row) != len(names):
            raise ValueError(f"dataset {self.name}: a row of {len(row)} values for {len(names)} columns")
        return {name: json_value(value) for name, value in zip(names, row, strict=True)}

    def window(self, db: Database, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """The records `offset` to `offset + limit` (one JSON page) and how many there are in all: with `count`,
        the rows are read up to the page's end; without, in one pass that counts them all (memory holds one page)."""
        page: list[dict[str, Any]] = []
        total = 0
        for total, row in enumerate(self.rows(db), start=1):
            if total > offset + limit and self.count is not None:
                break
            if total > offset and len(page) < limit:
                page.append(self.record(row))
        return page, (self.count(db) if self.count is not None else total)


def catalogue(*groups: Iterable[Dataset]) -> dict[str, Dataset]:
    """Every module's `DATASETS`, by name, in the order given; a name declared twice is an error."""
    merged: dict[str, Dataset] = {}
    for group in groups:
        for dataset in group:
            if dataset.name in merged:
                raise ValueError(f"open data: two datasets are named {dataset.name}")
            merged[dataset.name] = dataset
    return merged


def read_in_batches(
    db: Database,
    *,
    select: str,
    table: str,
    key: Sequence[str],
    where: str = "",
    params: Sequence[Any] = (),
    batch_size: int = BATCH_SIZE,
) -> Iterator[Row]:
    """The rows of `SELECT {select} FROM {table} [WHERE {where}] ORDER BY {key}`, read `batch_size` at a time.

    `key`: column expressions that are unique and never null, ascending: each batch starts after the last row's key
    (keyset pagination, `(k1, k2) > (%s, %s)`), in its own read-only transaction. So memory holds one batch, no
    transaction stays open while a client reads, and no row is skipped or read twice unless its key changes meanwhile
    (a row changed between batches appears as it is when its batch is read). `table` may be a join.
    """
    keys = ", ".join(key)
    width = len(key)
    after: tuple[Any, ...] | None = None
    while True:
        clauses = [f"({where})"] if where else []
        values = list(params)
        if after is not None:
            clauses.append(f"({keys}) > ({', '.join(['%s'] * width)})")
            values.extend(after)
        condition = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        statement = f"SELECT {select}, {keys} FROM {table}{condition} ORDER BY {keys} LIMIT {int(batch_size)}"  # noqa: S608
        with db.transaction(read_only=True) as tx:
            batch = tx.fetchall(statement, values)
        for row in batch:
            yield row[:-width]
        if len(batch) < batch_size:
            return
        after = tuple(batch[-1][-width:])


def count_rows(db: Database, *, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
    """How many rows `read_in_batches` over the same table and condition yields (for `Dataset.count`)."""
    condition = f" WHERE {where}" if where else ""
    with db.transaction(read_only=True) as tx:
        row = tx.fetchone(f"SELECT COUNT(*) FROM {table}{condition}", list(params))  # noqa: S608
    return int(str(row[0])) if row else 0


def fraction_value(fraction: str) -> Decimal:
    """An exact fraction 'n/d' (as scores and means are published) to two decimal places, half up: the number a
    spreadsheet computes with (it reads `9/1` as a date)."""
    exact = Fraction(fraction)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def tokyo_time(value: datetime) -> str:
    """A datetime as the exports write it: ISO 8601 in Asia/Tokyo with its offset, to the second."""
    return value.astimezone(TOKYO).isoformat(timespec="seconds")


def json_value(value: Any) -> Any:
    """A row's value as JSON carries it: dates ISO, datetimes in Asia/Tokyo with the offset, decimals as numbers."""
    if isinstance(value, datetime):
        return tokyo_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value
