"""A dataset as CSV, the way a Japanese city publishes it: UTF-8 with a BOM (Excel then opens Japanese intact), one
header row, CRLF line ends, RFC 4180 quoting, ISO dates (datetimes in Asia/Tokyo with their offset), streamed a batch
of rows at a time.

**Formula injection**: a spreadsheet runs a cell beginning with `=`, `+`, `-` or `@` (and, through some import
paths, a tab or CR first) as a formula. Every TEXT cell (a `str`, or a `string[]` joined with `;`) beginning with one
of them is written with a leading `'`, which spreadsheets show as text and do not evaluate (OWASP's advice). Typed
numbers are not text: `-5` from an `int`, `float` or `Decimal` stays `-5`, a number a spreadsheet reads as a number
(it cannot be a formula); a negative number held as text (`"-5"`) is neutralised like any other text. Dates,
datetimes, booleans and uuids are written by us and never begin with those characters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from kyodo_info_hub.opendata import Column, Dataset, tokyo_time
from kyodo_shared.store.db import Database

BOM = "\ufeff"
# What makes a text cell a formula in some spreadsheet, and the prefix that makes it text again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_PREFIX = "'"
# Rows written into one chunk of the streamed body.
CHUNK_ROWS = 200
# `string[]` values are joined with this in one cell.
LIST_SEPARATOR = ";"


def neutralised(text: str) -> str:
    """A text cell a spreadsheet will not evaluate: `'` before one beginning like a formula."""
    return TEXT_PREFIX + text if text.startswith(FORMULA_STARTS) else text


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return tokyo_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_plain(v) for v in value)
    return str(value)


def cell(value: Any) -> str:
    """One value as its CSV cell: text (`str`, `string[]`) neutralised, typed values as they are (module docstring)."""
    text = _plain(value)
    return neutralised(text) if isinstance(value, str | list | tuple) else text


def header(columns: Sequence[Column]) -> list[str]:
    return [c.csv_header for c in columns]


def _chunk(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_chunks(dataset: Dataset, db: Database) -> Iterator[bytes]:
    """The CSV body in chunks: the BOM and header first, then `CHUNK_ROWS` rows at a time."""
    yield BOM.encode("utf-8") + _chunk([header(dataset.columns)])
    width = len(dataset.columns)
    pending: list[list[str]] = []
    for row in dataset.rows(db):
        if len(row) != width:
            raise ValueError(f"dataset {dataset.name}: a row of {len(row)} values for {width} columns")
        pending.append([cell(v) for v in row])
        if len(pending) >= CHUNK_ROWS:
            yield _chunk(pending)
            pending = []
    if pending:
        yield _chunk(pending)


def content_disposition(filename: str) -> str:
    """`attachment` with the file name both as ASCII and in RFC 5987 form (UTF-8, percent-encoded)."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
