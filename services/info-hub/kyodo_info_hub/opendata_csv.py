"""A dataset as CSV, the way a Japanese city publishes it: UTF-8 with a BOM (Excel then opens Japanese intact), one
header row, CRLF line ends, RFC 4180 quoting, ISO dates (datetimes in Asia/Tokyo with their offset), streamed a batch
of rows at a time.

**Formula injection**: a spreadsheet runs a cell beginning with `=`, `+`, `-` or `@` (and, through some import
paths, a tab or CR first) as a formula. Every TEXT cell (a `str`, or a `string[]` joined with `;`) beginning with one
of them (or NUL, a full-width ＝ ＋ － ＠, or `'` itself) is written with a leading `'`, which spreadsheets show as
text and do not evaluate (OWASP's advice). Typed
numbers are not text: `-5` from an `int`, `float` or `Decimal` stays `-5`, a number a spreadsheet reads as a number
(it cannot be a formula); a negative number held as text (`"-5"`) is neutralised like any other text. Dates,
datetimes, booleans and uuids are written by us and never begin with those characters.

**Several values** (`string[]`) share one cell, `;`-separated; inside a value `\\` is written `\\\\` and `;` is
written `\\;`, so a value holding a `;` (an amendment's reason) is read back whole. `CONVENTIONS_JA`/`_EN` say all
this to the data's users (the catalogue and every dictionary carry them).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from kyodo_info_hub.opendata import Column, Dataset, tokyo_time
from kyodo_shared.store.db import Database

BOM = "\ufeff"
# What makes a text cell a formula in some spreadsheet, and the prefix that makes it text again.
# NUL too (OWASP ASVS 5.0 §1.2.10), and the full-width ＝ ＋ － ＠, which Japanese input turns into formulas on
# entry (defensive: the cost is a ' before rare text).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠")
TEXT_PREFIX = "'"
# Rows written into one chunk of the streamed body.
CHUNK_ROWS = 200
# `string[]` values are joined with this in one cell (a `;` or `\` inside a value escaped with `\`).
LIST_SEPARATOR = ";"
CONVENTIONS_JA = (
    "CSV: 文字コード UTF-8（BOM付き）、改行 CRLF、1行目は見出し（標準レイアウトに従うデータセットは標準の項目名、"
    "ほかは英語の列名。意味は項目定義を参照）。日付は YYYY-MM-DD、日時は日本時間の ISO 8601（+09:00 付き）。"
    "先頭が = + - @ タブ 復帰 NUL ＝ ＋ － ＠ ' の文字列には ' を前置（表計算ソフトが数式として実行しないため。"
    "プログラムで読む場合は先頭の ' を1文字除く。数値の列の負の数には付かない）。"
    "複数の値は ; 区切り（値の中の ; は \\;、\\ は \\\\）。"
    "正確な分数 n/d の列は文字列として読み、計算には併記の小数の列を使う。"
    "JSON は同じ値を型のまま（数値・配列・null）。"
    "大きなデータは分割して読み出すため、更新中に取得した CSV は異なる時点の行を含むことがある"
    "（訂正された選別結果とその訂正など）。各行の識別子で重複を除くか、ETag が変わっていれば取得し直す。"
)
CONVENTIONS_EN = (
    "CSV: UTF-8 with a BOM, CRLF line ends, one header row (a standard layout's item names where one is followed, "
    "else English column names; see each data dictionary). Dates YYYY-MM-DD; datetimes ISO 8601 in Japan time "
    "(+09:00). A text value beginning with = + - @ tab CR NUL ＝ ＋ － ＠ or ' is written with a leading ' "
    "(so spreadsheets do not run it as a formula; programs should drop that one character; "
    "negative numbers in number columns have none). "
    "Several values are ;-separated (a ; inside a value is written \\;, a \\ as \\\\). "
    "Exact fractions n/d are text: compute with the decimal column beside them. "
    "JSON carries the same values typed (numbers, arrays, null). "
    "Large exports are read in batches, so a CSV fetched while the data changes may mix moments "
    "(e.g. a screening decision and its correction): de-duplicate by each row's id, "
    "or fetch again when the ETag has changed."
)


def neutralised(text: str) -> str:
    """A text cell a spreadsheet will not evaluate: `'` before one beginning like a formula, and before one beginning
    with `'` itself, so a program dropping one leading `'` always gets the value back."""
    return TEXT_PREFIX + text if text.startswith((*FORMULA_STARTS, TEXT_PREFIX)) else text


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return tokyo_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation (1E+1)
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_plain(v).replace("\\", "\\\\").replace(";", "\\;") for v in value)
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
