"""The open data framework without a service: CSV cells and their neutralisation, the streamed body, the file name
header, reading a query in keyset batches (SQLite and PostgreSQL), and what a dataset declaration refuses."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pandas as pd
import pytest

from kyodo_info_hub.opendata import Column, Dataset, catalogue, count_rows, json_value, read_in_batches, stream
from kyodo_info_hub.opendata_csv import CHUNK_ROWS, cell, content_disposition, csv_chunks
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.store.db import Database, PostgresDatabase, SqliteDatabase, migrate


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+81-42-000", "'+81-42-000"),
        ("-5", "'-5"),  # a negative number held as text is text: neutralised
        ("@cmd", "'@cmd"),
        ("\tタブ", "'\tタブ"),
        ("\r復帰", "'\r復帰"),
        ("市民活動 = 協働", "市民活動 = 協働"),  # only the first character matters
        ("'すでに引用符", "''すでに引用符"),  # dropping one leading ' gives the value back
        ("\0NUL", "'\0NUL"),
        ("＝SUM(A1)", "'＝SUM(A1)"),  # full-width forms, which Japanese input makes formulas of
        ("－5", "'－5"),
        (["a;b", "c\\d"], "a\\;b;c\\\\d"),  # a ; or \ inside a value is escaped with \
        (Decimal("1E+1"), "10"),  # decimals never in exponent notation
        (Decimal("1E-7"), "0.0000001"),
        (["=1+1", "福祉"], "'=1+1;福祉"),
        (["福祉", "=1+1"], "福祉;=1+1"),
        (-5, "-5"),  # a typed number stays a number a spreadsheet reads as one
        (-2.5, "-2.5"),
        (Decimal("-0.50"), "-0.50"),
        (True, "true"),
        (None, ""),
        (date(2026, 4, 1), "2026-04-01"),
        (datetime(2026, 4, 1, 0, 30, tzinfo=UTC), "2026-04-01T09:30:00+09:00"),
    ],
)
def test_a_value_is_written_as_its_cell_with_text_that_looks_like_a_formula_neutralised(
    value: Any, written: str
) -> None:
    assert cell(value) == written


def test_json_carries_the_same_values_typed_and_unneutralised() -> None:
    assert json_value(datetime(2026, 4, 1, 0, 30, tzinfo=UTC)) == "2026-04-01T09:30:00+09:00"
    assert json_value(Decimal("2")) == 2
    assert json_value(Decimal("2.5")) == 2.5
    assert json_value(["=1+1", date(2026, 4, 1)]) == ["=1+1", "2026-04-01"]


def test_a_japanese_file_name_is_given_in_rfc_5987_form_beside_an_ascii_one() -> None:
    header = content_disposition("団体一覧.csv")
    assert header.startswith('attachment; filename="')
    assert unquote(header.split("filename*=UTF-8''")[1]) == "団体一覧.csv"
    assert header.isascii()


def _dataset(rows: Sequence[Sequence[Any]]) -> Dataset:
    def read(db: Database) -> Iterator[Sequence[Any]]:
        yield from rows

    return Dataset(
        name="sample",
        title_ja="見本",
        title_en="Sample",
        description_ja="説明",
        description_en="Description",
        columns=(Column("name", "string", "名前", "Name", header="名前"), Column("count", "integer", "数", "Count")),
        rows=read,
        sources=(stream("registry"),),
    )


def test_the_csv_body_streams_in_chunks_that_read_back_whole_with_csv_and_pandas(tmp_path: Path) -> None:
    rows = [(f'団体 {n}\n改行あり, "引用"', -n) for n in range(CHUNK_ROWS * 2 + 1)]
    chunks = list(csv_chunks(_dataset(rows), SqliteDatabase(tmp_path / "db.sqlite")))
    # The header, then two full chunks and one of a single row: never the whole body at once.
    assert len(chunks) == 4
    body = b"".join(chunks)
    assert body.startswith("\ufeff名前,count\r\n".encode())
    read = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert read[1:] == [[name, str(count)] for name, count in rows]
    frame = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["名前", "count"]
    assert frame.iloc[-1].tolist() == [rows[-1][0], str(rows[-1][1])]


def test_a_row_with_the_wrong_number_of_values_is_an_error_not_a_shifted_column(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a row of 1 values for 2 columns"):
        list(csv_chunks(_dataset([("only one",)]), SqliteDatabase(tmp_path / "db.sqlite")))


def test_a_declaration_refuses_bad_names_unknown_types_no_sources_and_a_name_twice() -> None:
    with pytest.raises(ValueError, match="type 'text'"):
        Column("name", "text", "名前", "Name")
    with pytest.raises(ValueError, match="column name"):
        Column("Name", "string", "名前", "Name")
    sample = _dataset([])
    with pytest.raises(ValueError, match="name the sources"):
        Dataset(**{**vars(sample), "sources": ()})
    with pytest.raises(ValueError, match="dataset name"):
        Dataset(**{**vars(sample), "name": "bad.name"})
    with pytest.raises(ValueError, match="two datasets are named sample"):
        catalogue([sample], [sample])


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database: Database
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "db.sqlite")
    else:
        database = PostgresDatabase(request.getfixturevalue("pg_database"), "open_data_test")
    migrate(database, ["CREATE TABLE IF NOT EXISTS t (a TEXT NOT NULL, b INTEGER NOT NULL, v TEXT)"])
    yield database
    database.close()


def test_a_query_is_read_in_keyset_batches_each_row_once_in_key_order(db: Database) -> None:
    # Keys (a, b): "x" twice with different b, so the batch boundary falls inside equal first keys.
    values = [("y", 1, "四"), ("x", 2, "二"), ("x", 1, "一"), ("z", 0, None), ("x", 3, "三")]
    with db.transaction() as tx:
        tx.executemany("INSERT INTO t (a, b, v) VALUES (%s, %s, %s)", values)
    read = list(read_in_batches(db, select="v, b", table="t", key=("a", "b"), batch_size=2))
    assert read == [("一", 1), ("二", 2), ("三", 3), ("四", 1), (None, 0)]
    assert list(read_in_batches(db, select="v", table="t", key=("a", "b"), where="b > %s", params=(1,))) == [
        ("二",),
        ("三",),
    ]
    assert count_rows(db, table="t", where="b > %s", params=(1,)) == 2
    # Exactly one full batch: the next (empty) read ends it.
    assert len(list(read_in_batches(db, select="v", table="t", key=("a", "b"), batch_size=5))) == 5


def test_the_licence_and_publisher_are_configurable_and_default_to_cc_by_4(monkeypatch: pytest.MonkeyPatch) -> None:
    assert InfoHubSettings().open_data.licence_name == "CC BY 4.0"
    monkeypatch.setenv("KYODO_OPEN_DATA__LICENCE_NAME", "CC BY-SA 4.0")
    monkeypatch.setenv("KYODO_OPEN_DATA__PUBLISHER_EN", "Kokubunji")
    settings = InfoHubSettings().open_data
    assert (settings.licence_name, settings.publisher_en, settings.publisher_ja) == (
        "CC BY-SA 4.0",
        "Kokubunji",
        "国分寺市",
    )


def test_a_json_page_is_the_window_of_the_rows_with_the_total_counted_or_declared(tmp_path: Path) -> None:
    rows = [(f"団体 {n}", n) for n in range(7)]
    counted, declared = _dataset(rows), Dataset(**{**vars(_dataset(rows)), "count": lambda db: 7})
    db = SqliteDatabase(tmp_path / "db.sqlite")
    for dataset in (counted, declared):
        page, total = dataset.window(db, offset=3, limit=3)
        assert ([r["count"] for r in page], total) == ([3, 4, 5], 7)
        assert dataset.window(db, offset=6, limit=3) == ([{"name": "団体 6", "count": 6}], 7)
        assert dataset.window(db, offset=9, limit=3) == ([], 7)
