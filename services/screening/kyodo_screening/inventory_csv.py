"""A department's inventory of existing projects (事業一覧), imported as the CSV its staff keep in Excel.

All or nothing: `parse_inventory` returns every row, or raises one `CsvRejected` listing every error of the file,
each naming its row (as a spreadsheet numbers it: the header is row 1) and its column. No reason quotes a cell.

Exports are for reading: `export_csv` neutralizes formula-looking cells with a leading `'` (OWASP CSV injection),
and the parser keeps that `'` as text when such an export comes back — stripping it would make the cell a formula
again for whoever exports it next. The columns and how a cell is read: `inventory_columns`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from kyodo_screening.inventory_columns import (
    BY_HEADER,
    COLUMNS,
    SPACE,
    CellInvalid,
    Column,
    CsvRejected,
    InventoryRow,
    RowError,
    absent,
    cell_value,
    header_key,
)

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "Column",
    "CsvRejected",
    "InventoryRow",
    "RowError",
    "export_csv",
    "neutralize",
    "parse_inventory",
]

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# The inventory has ten columns; Excel keeps a few empty ones. Anything much wider is not an inventory.
MAX_COLUMNS = 64
# How many errors a refusal lists (the last one counts the rest).
MAX_ERRORS = 200


def parse_inventory(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> list[InventoryRow]:
    if len(data) > max_bytes:  # before decoding: an oversized body costs no work
        raise CsvRejected(413, "csv_too_large", [_too_large(max_bytes)])
    records = _records(_decode(data))
    if not records or _blank(records[0]):
        raise CsvRejected(
            422,
            "csv_invalid",
            [RowError(1, "", "no_header", "1行目に見出しの行がありません", "Row 1 must be the header row")],
        )
    # Blank rows (every cell blank) are left out but keep their numbers, so a row is where a spreadsheet shows it.
    rows = [(number, cells) for number, cells in enumerate(records[1:], start=2) if not _blank(cells)]
    if len(rows) > max_rows:
        raise CsvRejected(
            413,
            "csv_too_many_rows",
            [
                RowError(
                    rows[max_rows][0],
                    "",
                    "csv_too_many_rows",
                    f"データ行は{max_rows:,}行以内にしてください",
                    f"The file may have at most {max_rows:,} data rows",
                )
            ],
        )
    layout, errors = _header(records[0], [cells for _, cells in rows])
    parsed: list[InventoryRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in rows:
        fields: dict[str, object] = {column.key: absent(column) for column in COLUMNS}
        for index, column in layout:
            try:
                fields[column.key] = cell_value(column, cells[index] if index < len(cells) else "")
            except CellInvalid as invalid:
                errors.append(RowError(number, column.key, invalid.code, invalid.reason_ja, invalid.reason_en))
                continue
            if column.key == "project_number":
                first = first_row_of.setdefault(str(fields[column.key]), number)
                if first != number:
                    errors.append(
                        RowError(
                            number,
                            column.key,
                            "duplicate_project_number",
                            f"事業番号が{first}行目と重複しています",
                            f"The project number is the same as in row {first}",
                        )
                    )
        parsed.append(InventoryRow(number, fields))
    if errors:
        raise CsvRejected(422, "csv_invalid", _capped(errors))
    return parsed


def _capped(errors: list[RowError]) -> list[RowError]:
    """At most MAX_ERRORS errors, the last saying how many more there were (a whole file of bad rows would
    otherwise answer megabytes)."""
    if len(errors) <= MAX_ERRORS:
        return errors
    more = len(errors) - (MAX_ERRORS - 1)
    return [
        *errors[: MAX_ERRORS - 1],
        RowError(
            0,
            "",
            "more_errors",
            f"ほかに{more:,}件の誤りがあります。上の誤りを直してから再度お試しください",
            f"{more:,} more errors; correct those above and try again",
        ),
    ]


def _too_large(max_bytes: int) -> RowError:
    mib, rest = divmod(max_bytes, 1024 * 1024)
    ja, en = (f"{mib}MB", f"{mib} MB") if mib and not rest else (f"{max_bytes:,}バイト", f"{max_bytes:,} bytes")
    return RowError(0, "", "csv_too_large", f"ファイルは{ja}以内にしてください", f"The file must be at most {en}")


# What Python's CP932 decodes the bytes 0x80, 0xA0 and 0xFD-0xFF to: they never occur in Shift_JIS text, so a file
# holding them is binary or another encoding. NUL likewise (UTF-16, which Excel writes as "Unicode text").
_NOT_TEXT = frozenset("\x00\x80\uf8f0\uf8f1\uf8f2\uf8f3")


def _decode(data: bytes) -> str:
    """Strict UTF-8 (a BOM dropped), else CP932, the Shift_JIS Excel in Japan writes."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _NOT_TEXT.isdisjoint(text):
            return text
    raise CsvRejected(
        422,
        "csv_undecodable",
        [
            RowError(
                0,
                "",
                "csv_undecodable",
                "文字コードを判別できません。UTF-8またはShift_JIS（CP932）で保存してください",
                "The file is neither UTF-8 nor Shift_JIS (CP932); save it in one of these encodings",
            )
        ],
    )


def _records(text: str) -> list[list[str]]:
    """The file's records (CRLF or LF; a quoted cell may hold line breaks); a broken quote stops the reading."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records.extend(reader)
    except csv.Error:  # an unclosed or stray quote, or a cell beyond the csv module's field limit
        raise CsvRejected(
            422,
            "csv_invalid",
            [
                RowError(
                    len(records) + 1,
                    "",
                    "csv_malformed",
                    "CSVの形式が正しくありません（閉じられていない引用符、または大きすぎるセル）",
                    "The CSV is malformed (an unclosed quote or an oversized cell)",
                )
            ],
        ) from None
    return records


def _blank(cells: list[str]) -> bool:
    return all(not cell.strip(SPACE) for cell in cells)


def _header(header: list[str], rows: list[list[str]]) -> tuple[list[tuple[int, Column]], list[RowError]]:
    """Which cell index holds which field, and the header's errors (all in row 1)."""
    layout: list[tuple[int, Column]] = []
    errors: list[RowError] = []
    # Which columns hold anything, in one pass over the cells: nothing here costs width × rows.
    filled = {index for cells in rows for index, cell in enumerate(cells) if cell.strip(SPACE)}
    width = max(len(header), max(filled, default=-1) + 1)
    if width > MAX_COLUMNS:
        # Far more columns than the inventory has: one error, not one per column.
        return [], [
            RowError(
                1,
                "",
                "too_many_columns",
                f"列が多すぎます（{MAX_COLUMNS}列以内にしてください）",
                f"Too many columns (at most {MAX_COLUMNS})",
            )
        ]
    for index in range(width):
        name = header[index] if index < len(header) else ""
        letter = _letter(index)
        if not name.strip(SPACE):
            # A column without a heading is an empty column Excel kept, unless something is written in it.
            if index in filled:
                errors.append(
                    RowError(
                        1,
                        "",
                        "unknown_column",
                        f"{letter}列に見出しがありませんが、値が入力されています",
                        f"Column {letter} has values but no heading",
                    )
                )
            continue
        column = BY_HEADER.get(header_key(name))
        if column is None:
            errors.append(
                RowError(
                    1,
                    "",
                    "unknown_column",
                    f"{letter}列の見出しは使用できる列名ではありません",
                    f"The heading of column {letter} is not one of the accepted column names",
                )
            )
        elif any(known is column for _, known in layout):
            errors.append(
                RowError(
                    1,
                    column.key,
                    "duplicate_column",
                    f"{letter}列: 「{column.label_ja}」の列が2つ以上あります",
                    f"Column {letter} repeats the {column.label_en} column",
                )
            )
        else:
            layout.append((index, column))
    present = {column.key for _, column in layout}
    for column in COLUMNS:
        if column.required and column.key not in present:
            errors.append(
                RowError(
                    1,
                    column.key,
                    "missing_column",
                    f"必須の列「{column.label_ja}」がありません（見出し: {'、'.join(column.headers)}）",
                    f"The required {column.label_en} column is missing (heading: {', '.join(column.headers)})",
                )
            )
    return layout, errors


def _letter(index: int) -> str:
    """A column as a spreadsheet names it: 0 is A, 25 is Z, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# OWASP CSV injection: a spreadsheet reads a cell starting with these as a formula, also after leading spaces.
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def neutralize(cell: str) -> str:
    """The cell as text a spreadsheet will not evaluate: a formula-looking cell gets a leading `'`."""
    return "'" + cell if cell.lstrip(" \u3000").startswith(_FORMULA_LEAD) else cell


def export_csv(rows: Iterable[Mapping[str, object]]) -> str:
    """The rows with the Japanese headings in the order of `COLUMNS`, every cell neutralized; group_ids joined by
    `;`. Encode it as UTF-8 with a BOM for Excel to open it as UTF-8; it reads back through `parse_inventory`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.label_ja for column in COLUMNS])
    for row in rows:
        writer.writerow([neutralize(_exported(row.get(column.key))) for column in COLUMNS])
    return out.getvalue()


def _exported(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)
