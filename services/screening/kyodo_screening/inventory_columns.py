"""The columns of a department's inventory CSV (事業一覧) and how one cell becomes a field's value.

The api room reads this through `inventory_csv`. A cell either becomes its value or raises `CellInvalid` with a
code and the reason in Japanese and English. A reason never quotes the cell: what a department typed may not be
public yet, and problem+json answers carry no submitted text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# What Excel users leave around a value: spaces (also the ideographic space U+3000 an IME types), tabs, line breaks.
SPACE = " \t\r\n\u3000\u00a0"
MAX_BUDGET_YEN = 10**13


@dataclass(frozen=True)
class Column:
    """One field of a row: the headings that name it, whether it must be present, and its longest text."""

    key: str
    headers_ja: tuple[str, ...]
    header_en: str
    label_en: str
    required: bool = False
    max_length: int | None = None  # text fields only; budget_yen and group_ids have rules of their own

    @property
    def label_ja(self) -> str:
        """The Japanese name reasons use and the heading an export writes."""
        return self.headers_ja[0]

    @property
    def headers(self) -> tuple[str, ...]:
        return (*self.headers_ja, self.header_en)


COLUMNS: tuple[Column, ...] = (
    Column("project_number", ("事業番号",), "project_number", "project number", required=True, max_length=40),
    Column("title", ("事業名",), "title", "title", required=True, max_length=200),
    Column("purpose", ("目的", "事業目的"), "purpose", "purpose", required=True, max_length=2000),
    Column("legal_basis", ("根拠法令",), "legal_basis", "legal basis", max_length=500),
    Column("budget_yen", ("予算額", "予算額（円）"), "budget_yen", "budget", required=True),
    Column("beneficiaries", ("対象者",), "beneficiaries", "beneficiaries", max_length=500),
    Column("delivery", ("実施方法",), "delivery", "delivery", max_length=500),
    Column("period", ("期間", "実施期間"), "period", "period", max_length=200),
    Column("contact", ("担当", "担当課"), "contact", "contact", max_length=200),
    Column("group_ids", ("関係団体ID",), "group_ids", "group IDs"),
)


def header_key(cell: str) -> str:
    """A heading as it is compared: ＢＵＤＧＥＴ_ＹＥＮ, ' 予算額(円) ' and 予算額（円） all name budget_yen."""
    return unicodedata.normalize("NFKC", cell).strip().casefold()


BY_HEADER: dict[str, Column] = {header_key(name): column for column in COLUMNS for name in column.headers}


class CellInvalid(Exception):
    """Why one cell cannot be read; the parser adds the row and the column."""

    def __init__(self, code: str, reason_ja: str, reason_en: str) -> None:
        super().__init__(code)
        self.code, self.reason_ja, self.reason_en = code, reason_ja, reason_en


def absent(column: Column) -> object:
    """The value of an optional field whose column the file does not have."""
    return [] if column.key == "group_ids" else ""


def cell_value(column: Column, raw: str) -> object:
    if column.key == "project_number":
        return _project_number(column, raw)
    if column.key == "budget_yen":
        return _budget(column, raw)
    if column.key == "group_ids":
        return _group_ids(raw)
    return _text(column, raw)


# A line break inside a quoted cell is kept as LF, whether the file wrote CRLF, LF or a lone CR.
_NEWLINES = re.compile(r"\r\n?")
# Unicode's control characters (category Cc, exactly these ranges) but the tab and the line feed. A regex: asking
# unicodedata character by character made a 5 MB file take 0.76 s to parse instead of 0.29 s.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _text(column: Column, raw: str) -> str:
    """The text as written, without surrounding spaces: not NFKC'd, and a formula-looking text stays text."""
    text = _NEWLINES.sub("\n", raw).strip(SPACE)
    if _CONTROL.search(text):
        raise CellInvalid(
            "control_character",
            f"{column.label_ja}に使用できない制御文字が含まれています（改行とタブは使用できます）",
            f"The {column.label_en} contains a control character (only line breaks and tabs are allowed)",
        )
    if not text and column.required:
        raise _required(column)
    _check_length(column, text)
    return text


def _check_length(column: Column, text: str) -> None:
    if column.max_length is not None and len(text) > column.max_length:
        raise CellInvalid(
            "too_long",
            f"{column.label_ja}は{column.max_length}文字以内で入力してください",
            f"The {column.label_en} must be at most {column.max_length} characters",
        )


def _required(column: Column) -> CellInvalid:
    return CellInvalid("required", f"{column.label_ja}を入力してください", f"The {column.label_en} is required")


_PROJECT_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z._/-]{0,39}")


def _project_number(column: Column, raw: str) -> str:
    """Stored in its NFKC form, so Ａ－００１ typed in full width and A-001 are the same number."""
    number = unicodedata.normalize("NFKC", _text(column, raw))
    _check_length(column, number)  # again: NFKC lengthens some characters (㍿ is 株式会社)
    if not _PROJECT_NUMBER.fullmatch(number):
        raise CellInvalid(
            "project_number_invalid",
            "事業番号は英数字で始め、英数字と「.」「_」「/」「-」だけで入力してください",
            "The project number must start with a letter or digit and contain only letters, digits, '.', '_', '/'"
            " and '-'",
        )
    return number


# Full-width digits, comma and minus become ASCII; NFKC is not used, as it would also read ① or ² as digits.
_WIDTH = str.maketrans("０１２３４５６７８９，－", "0123456789,-")
# Japanese accounting writes a negative amount with △ or ▲; U+2212 is the minus sign some software writes.
_MINUS = ("-", "\u2212", "△", "▲")
_AMOUNT = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+")


def _budget(column: Column, raw: str) -> int:
    """Yen as Excel users write them: 1,234,000円, １２３, '　500　'. Anything else is refused, never evaluated."""
    text = raw.strip(SPACE).translate(_WIDTH)
    if not text:
        raise _required(column)
    if text.endswith("円"):
        text = text[:-1].rstrip(SPACE)
    negative = text.startswith(_MINUS)
    if negative:
        text = text[1:].lstrip(SPACE)
    # A formula (=, +, @, or - followed by more than an amount) does not match: it is not a whole number.
    if not _AMOUNT.fullmatch(text):
        raise CellInvalid(
            "budget_not_integer",
            "予算額は0以上の整数（円）で入力してください",
            "The budget must be a non-negative whole number of yen",
        )
    if negative:
        raise CellInvalid(
            "budget_negative",
            "予算額に負の値は入力できません。0以上の整数（円）で入力してください",
            "The budget cannot be negative; enter a non-negative whole number of yen",
        )
    digits = text.replace(",", "").lstrip("0") or "0"
    # The length is checked first: int() of thousands of digits is slow, and refused beyond 4,300.
    if len(digits) > len(str(MAX_BUDGET_YEN)) or int(digits) > MAX_BUDGET_YEN:
        raise CellInvalid(
            "budget_too_large",
            f"予算額は{MAX_BUDGET_YEN:,}円以下で入力してください",
            f"The budget must be at most {MAX_BUDGET_YEN:,} yen",
        )
    return int(digits)


# Separators after NFKC (which turns ；，、 typed in full width and U+3000 into ; , 、 and a space). An explicit set:
# a regex \s would also split at the control characters \x1c-\x1f.
# As many as a project entered one by one may name (schemas.ProjectRecordIn.group_ids).
MAX_GROUP_IDS = 20
_SEPARATORS = re.compile(r"[;,、 \t\r\n]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _group_ids(raw: str) -> list[str]:
    """UUIDs in their lowercase canonical form, each once, in the order written."""
    ids: list[str] = []
    bad: list[int] = []
    tokens = [token for token in _SEPARATORS.split(unicodedata.normalize("NFKC", raw)) if token]
    for position, token in enumerate(tokens, start=1):
        canonical = token.lower()
        if not _UUID.fullmatch(canonical):
            bad.append(position)
        elif canonical not in ids:
            ids.append(canonical)
    if bad:
        raise CellInvalid(
            "group_id_invalid",
            f"関係団体IDの{'、'.join(map(str, bad))}番目がUUIDの形式ではありません",
            f"The group ID at position {', '.join(map(str, bad))} is not a UUID (8-4-4-4-12 hexadecimal digits)",
        )
    if len(ids) > MAX_GROUP_IDS:
        raise CellInvalid(
            "group_ids_too_many",
            f"関係団体IDは{MAX_GROUP_IDS}件以内にしてください",
            f"At most {MAX_GROUP_IDS} group IDs",
        )
    return ids


# What a parse answers (re-exported by `inventory_csv`).


@dataclass(frozen=True)
class RowError:
    """One error: its row (0 when it is about the whole file), the field key ("" when no field), why."""

    row: int
    column: str
    code: str
    reason_ja: str
    reason_en: str

    def as_problem_error(self) -> dict[str, str]:
        return {
            "field": f"rows[{self.row}].{self.column}" if self.column else "body",
            "row": str(self.row),
            "column": self.column,
            "code": self.code,
            "reason_ja": self.reason_ja,
            "reason_en": self.reason_en,
        }


class CsvRejected(Exception):
    """The file is refused as a whole: 413 (`csv_too_large`, `csv_too_many_rows`) or 422 (`csv_undecodable`,
    `csv_invalid`), with every error found."""

    def __init__(self, status: int, code: str, errors: list[RowError]) -> None:
        super().__init__(code)
        self.status, self.code, self.errors = status, code, errors


@dataclass(frozen=True)
class InventoryRow:
    """A data row: every field of `COLUMNS` by key (optional text "" and group_ids [] when the file has no column)."""

    row: int
    fields: dict[str, object]
