"""The inventory CSV (事業一覧) a department imports: read as Excel writes it, refused as a whole with every error,
and no error quoting what a cell held."""

from __future__ import annotations

import pytest

from kyodo_screening.inventory_csv import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    CsvRejected,
    InventoryRow,
    RowError,
    export_csv,
    neutralize,
    parse_inventory,
)

HEADER = "事業番号,事業名,目的,予算額"
G1 = "0b7e2a4c-1f3d-4e5a-9b6c-7d8e9f0a1b2c"
G2 = "a1b2c3d4-e5f6-4789-8abc-def012345678"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *lines, ""]).encode(encoding)


def rejected(data: bytes, **limits: int) -> CsvRejected:
    with pytest.raises(CsvRejected) as caught:
        parse_inventory(data, **limits)
    return caught.value


def located(error: CsvRejected) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in error.errors]


def only(data: bytes) -> dict[str, object]:
    (row,) = parse_inventory(data)
    return row.fields


def test_a_cp932_file_saved_by_excel_is_read_with_every_column() -> None:
    header = "事業番号,事業名,事業目的,根拠法令,予算額（円）,対象者,実施方法,実施期間,担当課,関係団体ID"
    line = (
        f'R6-001,子ども食堂支援,地域の子どもに食事を提供する,社会福祉法,"1,200,000円",小学生,委託,令和6年度,福祉課,{G1}'
    )
    data = csv_bytes(line, header=header, encoding="cp932")
    assert parse_inventory(data) == [
        InventoryRow(
            2,
            {
                "project_number": "R6-001",
                "title": "子ども食堂支援",
                "purpose": "地域の子どもに食事を提供する",
                "legal_basis": "社会福祉法",
                "budget_yen": 1200000,
                "beneficiaries": "小学生",
                "delivery": "委託",
                "period": "令和6年度",
                "contact": "福祉課",
                "group_ids": [G1],
            },
        )
    ]


def test_a_utf8_file_with_a_bom_reads_its_first_heading_as_without_one() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes("A-1,公園清掃,美化,1000")
    assert only(data)["project_number"] == "A-1"


def test_optional_columns_the_file_does_not_have_are_empty() -> None:
    fields = only(csv_bytes("A-1,公園清掃,美化,1000"))
    assert fields == {
        "project_number": "A-1",
        "title": "公園清掃",
        "purpose": "美化",
        "legal_basis": "",
        "budget_yen": 1000,
        "beneficiaries": "",
        "delivery": "",
        "period": "",
        "contact": "",
        "group_ids": [],
    }


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes("A-1,公園清掃,美化,1000")[:-2] + b"\xff\xfe\xfa\r\n",  # neither UTF-8 nor CP932
        csv_bytes("A-1,t,p,1000") + b"\xff",  # CP932 would decode 0xFF, but no Shift_JIS text holds it
        csv_bytes("A-1,t,p,1000", encoding="utf-16"),  # Excel's "Unicode text"
    ],
)
def test_bytes_that_are_neither_utf8_nor_shift_jis_are_refused_as_undecodable(data: bytes) -> None:
    error = rejected(data)
    assert (error.status, error.code) == (422, "csv_undecodable")
    assert located(error) == [(0, "", "csv_undecodable")]


def test_crlf_lf_and_a_quoted_cell_with_line_breaks_are_read_and_rows_numbered_as_a_spreadsheet_shows() -> None:
    data = (HEADER + '\nA-1,"一行目\r\n二行目",p,1\nA-2,t,p,-1\n').encode()
    error = rejected(data)
    assert located(error) == [(3, "budget_yen", "budget_negative")]
    rows = parse_inventory((HEADER + '\nA-1,"一行目\r\n二行目",p,1\r\nA-2,t,p,2\n').encode())
    assert [(row.row, row.fields["title"]) for row in rows] == [(2, "一行目\n二行目"), (3, "t")]


def test_a_missing_required_column_is_an_error_of_row_1_naming_the_field() -> None:
    error = rejected(csv_bytes("A-1,t,p", header="事業番号,事業名,目的"))
    assert (error.status, error.code) == (422, "csv_invalid")
    assert located(error) == [(1, "budget_yen", "missing_column")]
    assert error.errors[0].as_problem_error()["field"] == "rows[1].budget_yen"


def test_english_headings_and_their_full_width_or_differently_cased_forms_name_the_same_fields() -> None:
    header = "Project_Number,TITLE, purpose ,ｂｕｄｇｅｔ＿ｙｅｎ,Group_IDs,予算額(円)"
    error = rejected(csv_bytes(f"A-1,t,p,5,{G1},5", header=header))
    # 予算額(円) with ASCII parentheses is 予算額（円） after NFKC: a second budget column.
    assert located(error) == [(1, "budget_yen", "duplicate_column")]
    assert "F列" in error.errors[0].reason_ja
    fields = only(csv_bytes(f"A-1,t,p,5,{G1}", header=header.rsplit(",", 1)[0]))
    assert (fields["project_number"], fields["budget_yen"], fields["group_ids"]) == ("A-1", 5, [G1])


def test_an_unknown_heading_is_an_error_naming_its_column_letter_not_its_text() -> None:
    error = rejected(csv_bytes("A-1,t,p,5,x", header=HEADER + ",備考"))
    assert located(error) == [(1, "", "unknown_column")]
    assert "E列" in error.errors[0].reason_ja
    assert "column E" in error.errors[0].reason_en
    assert "備考" not in error.errors[0].reason_ja
    assert error.errors[0].as_problem_error()["field"] == "body"


def test_empty_trailing_columns_and_blank_rows_are_ignored_and_rows_keep_their_numbers() -> None:
    data = csv_bytes("A-1,t,p,1,,", ",,,,,", "　, ,,", "A-2,t,p,2", ",,,,,", header=HEADER + ",,")
    assert [(row.row, row.fields["project_number"]) for row in parse_inventory(data)] == [(2, "A-1"), (5, "A-2")]


def test_a_value_in_a_column_without_a_heading_is_an_unknown_column() -> None:
    error = rejected(csv_bytes("A-1,t,p,1,,", "A-2,t,p,2,,x", header=HEADER + ",,"))
    assert located(error) == [(1, "", "unknown_column")]
    assert "F列" in error.errors[0].reason_ja


@pytest.mark.parametrize(
    ("cell", "yen"),
    [
        ('"1,234,000円"', 1234000),
        ("１２３", 123),
        ("　500　", 500),
        ('"１，０００円"', 1000),
        ('" 2,000 円 "', 2000),
        ("007", 7),
        ("0", 0),
        ("10000000000000", 10**13),
    ],
)
def test_a_budget_written_with_excel_habits_is_read_as_whole_yen(cell: str, yen: int) -> None:
    assert only(csv_bytes(f"A-1,t,p,{cell}"))["budget_yen"] == yen


@pytest.mark.parametrize("cell", ["-5", "▲5", "△5", "－5", "\u22125", '"-1,000円"', "▲ 5"])
def test_a_negative_budget_is_refused_naming_its_row_and_column(cell: str) -> None:
    error = rejected(csv_bytes("A-1,t,p,1", f"A-2,t,p,{cell}"))
    assert located(error) == [(3, "budget_yen", "budget_negative")]
    assert error.errors[0].as_problem_error() == {
        "field": "rows[3].budget_yen",
        "row": "3",
        "column": "budget_yen",
        "code": "budget_negative",
        "reason_ja": "予算額に負の値は入力できません。0以上の整数（円）で入力してください",
        "reason_en": "The budget cannot be negative; enter a non-negative whole number of yen",
    }


@pytest.mark.parametrize(
    "cell", ["=1000", "+5", "@SUM(A1)", '"\t=1"', "=-5", "-5+3", "1.5", '"1,23"', "5千", "1E+12", "①②", "¥1000"]
)
def test_a_formula_or_a_number_that_is_not_whole_yen_is_not_an_integer_budget(cell: str) -> None:
    assert located(rejected(csv_bytes(f"A-1,t,p,{cell}"))) == [(2, "budget_yen", "budget_not_integer")]


@pytest.mark.parametrize("cell", ["10000000000001", "1" * 5000])
def test_a_budget_above_ten_trillion_yen_is_too_large(cell: str) -> None:
    assert located(rejected(csv_bytes(f"A-1,t,p,{cell}"))) == [(2, "budget_yen", "budget_too_large")]


def test_a_blank_required_cell_is_required() -> None:
    assert located(rejected(csv_bytes(" ,t,　,"))) == [
        (2, "project_number", "required"),
        (2, "purpose", "required"),
        (2, "budget_yen", "required"),
    ]


def test_formula_looking_text_is_kept_as_text_without_its_surrounding_spaces() -> None:
    header = HEADER + ",根拠法令,実施方法,担当"
    fields = only(csv_bytes('A-1,"=HYPERLINK(""x"")",+1,1,-法,"\t=1+1",　@here　', header=header))
    assert (fields["title"], fields["purpose"], fields["legal_basis"], fields["delivery"], fields["contact"]) == (
        '=HYPERLINK("x")',
        "+1",
        "-法",
        "=1+1",
        "@here",
    )


def test_text_is_kept_as_written_not_width_normalized() -> None:
    fields = only(csv_bytes("A-1,ＮＰＯ支援　ｶﾀｶﾅ,\u3000目的\u3000,1"))
    assert (fields["title"], fields["purpose"]) == ("ＮＰＯ支援　ｶﾀｶﾅ", "目的")


def test_the_project_number_is_stored_in_its_nfkc_form() -> None:
    assert only(csv_bytes("Ａ－００１,t,p,1"))["project_number"] == "A-001"


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("事業1", "project_number_invalid"),
        ("-A1", "project_number_invalid"),
        ("=A1", "project_number_invalid"),
        ("A 1", "project_number_invalid"),
        ("A" * 41, "too_long"),
        ("A" * 39 + "㍿", "too_long"),  # 40 characters as written, 43 after NFKC (㍿ is 株式会社)
    ],
)
def test_a_project_number_outside_its_pattern_is_refused(cell: str, code: str) -> None:
    assert located(rejected(csv_bytes(f"{cell},t,p,1"))) == [(2, "project_number", code)]


def test_text_longer_than_its_column_allows_is_too_long() -> None:
    assert only(csv_bytes(f"A-1,{'題' * 200},p,1"))["title"] == "題" * 200
    error = rejected(csv_bytes(f"A-1,{'題' * 201},p,1"))
    assert located(error) == [(2, "title", "too_long")]
    assert error.errors[0].reason_ja == "事業名は200文字以内で入力してください"


def test_a_control_character_is_refused_but_a_tab_or_line_break_inside_is_kept() -> None:
    assert located(rejected(csv_bytes("A-1,a\x07b,p,1"))) == [(2, "title", "control_character")]
    assert only(csv_bytes('A-1,"a\tb\nc",p,1'))["title"] == "a\tb\nc"


def test_group_ids_are_split_at_any_separator_lowercased_and_kept_once() -> None:
    cell = f'"{G1.upper()};{G2}、{G1}　{G2},{G1}"'
    assert only(csv_bytes(f"A-1,t,p,1,{cell}", header=HEADER + ",関係団体ID"))["group_ids"] == [G1, G2]


def test_a_group_id_that_is_not_a_uuid_is_refused_naming_its_position() -> None:
    error = rejected(csv_bytes(f"A-1,t,p,1,{G1};not-a-uuid", header=HEADER + ",関係団体ID"))
    assert located(error) == [(2, "group_ids", "group_id_invalid")]
    assert error.errors[0].reason_ja == "関係団体IDの2番目がUUIDの形式ではありません"


def test_a_project_number_given_twice_is_an_error_of_the_later_row_naming_the_first() -> None:
    error = rejected(csv_bytes("A-001,t,p,1", "B-1,t,p,1", "Ａ－００１,t,p,1"))
    assert located(error) == [(4, "project_number", "duplicate_project_number")]
    assert error.errors[0].reason_ja == "事業番号が2行目と重複しています"


def test_every_error_of_every_row_is_reported_at_once() -> None:
    error = rejected(csv_bytes("A-1,t,p,-5", "A-2,t,p,1", "A-3,,p,=1", header=HEADER + ",備考"))
    assert located(error) == [
        (1, "", "unknown_column"),
        (2, "budget_yen", "budget_negative"),
        (4, "title", "required"),
        (4, "budget_yen", "budget_not_integer"),
    ]


def test_no_error_quotes_what_a_cell_or_heading_held() -> None:
    secret = "SECRET極秘"
    header = HEADER + f",関係団体ID,{secret}"
    lines = [
        f"{secret},{secret * 50},p,{secret},{secret},x",
        f"A-{secret},t,{secret}\x01,-{secret},{G1};{secret},x",
        f"A-1,t,p,1,{G1},x",
        f"A-1,t,p,1,{G1},x",
    ]
    error = rejected(csv_bytes(*lines, header=header))
    assert located(error) == [
        (1, "", "unknown_column"),
        (2, "project_number", "project_number_invalid"),
        (2, "title", "too_long"),
        (2, "budget_yen", "budget_not_integer"),
        (2, "group_ids", "group_id_invalid"),
        (3, "project_number", "project_number_invalid"),
        (3, "purpose", "control_character"),
        (3, "budget_yen", "budget_not_integer"),
        (3, "group_ids", "group_id_invalid"),
        (5, "project_number", "duplicate_project_number"),
    ]
    for row_error in error.errors:
        for text in row_error.as_problem_error().values():
            assert "SECRET" not in text
            assert "極秘" not in text


def test_a_file_with_more_data_rows_than_allowed_is_too_large_naming_the_first_row_beyond() -> None:
    lines = [f"A-{n},t,p,1" for n in range(4)]
    error = rejected(csv_bytes(*lines), max_rows=3)
    assert (error.status, error.code) == (413, "csv_too_many_rows")
    assert located(error) == [(5, "", "csv_too_many_rows")]
    assert len(parse_inventory(csv_bytes(*lines[:3], ",,,", ",,,"), max_rows=3)) == 3


def test_a_body_above_the_byte_limit_is_refused_before_it_is_decoded() -> None:
    undecodable = csv_bytes("A-1,t,p,1") + b"\xff\xfe\xfa"
    error = rejected(undecodable, max_bytes=len(undecodable) - 1)
    assert (error.status, error.code) == (413, "csv_too_large")
    assert error.errors[0].reason_en == f"The file must be at most {len(undecodable) - 1:,} bytes"
    fits = csv_bytes("A-1,t,p,1")
    assert len(parse_inventory(fits, max_bytes=len(fits))) == 1


def test_the_limits_are_five_megabytes_and_five_thousand_rows() -> None:
    assert (MAX_BYTES, MAX_ROWS) == (5_242_880, 5000)
    error = rejected(b"x" * (MAX_BYTES + 1))
    assert error.errors[0].reason_ja == "ファイルは5MB以内にしてください"


def test_a_header_only_file_has_no_rows() -> None:
    assert parse_inventory(HEADER.encode()) == []


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b",,,\r\n", b"\r\nA-1,t,p,1\r\n"])
def test_a_file_without_a_header_row_is_refused(data: bytes) -> None:
    error = rejected(data)
    assert (error.status, error.code) == (422, "csv_invalid")
    assert located(error) == [(1, "", "no_header")]


def test_an_unclosed_quote_is_a_malformed_file_naming_the_row_it_starts_in() -> None:
    error = rejected(csv_bytes("A-1,t,p,1", 'A-2,"t,p,1'))
    assert located(error) == [(3, "", "csv_malformed")]


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (" =1", "' =1"),
        ("\u3000=1", "'\u3000=1"),
        ("1-2", "1-2"),
        ("公園", "公園"),
        ("", ""),
    ],
)
def test_neutralize_quotes_a_cell_a_spreadsheet_would_read_as_a_formula(cell: str, safe: str) -> None:
    assert neutralize(cell) == safe


def test_an_export_has_the_japanese_headings_neutralized_cells_and_joined_group_ids() -> None:
    rows = [{"project_number": "A-1", "title": "=1+1", "purpose": "p", "budget_yen": 5, "group_ids": [G1, G2]}]
    assert export_csv(rows) == (
        f"事業番号,事業名,目的,根拠法令,予算額,対象者,実施方法,期間,担当,関係団体ID\r\nA-1,'=1+1,p,,5,,,,,{G1};{G2}\r\n"
    )
    assert [column.label_ja for column in COLUMNS] == export_csv([]).rstrip("\r\n").split(",")


def test_an_export_reads_back_as_the_same_rows_with_formula_text_keeping_its_quote() -> None:
    data = csv_bytes(
        f'A-1,"-削減-",@目的,"1,000",公園法,"対象\n者",,,担当課,{G1};{G2}',
        "B-2,t,p,0,,,,,,",
        header="事業番号,事業名,目的,予算額,根拠法令,対象者,実施方法,期間,担当,関係団体ID",
    )
    first = parse_inventory(data)
    again = parse_inventory(export_csv(row.fields for row in first).encode())
    assert again[1] == first[1]
    assert again[0].fields == first[0].fields | {"title": "'-削減-", "purpose": "'@目的"}


def test_a_row_error_of_the_whole_file_is_the_body_in_problem_json() -> None:
    assert RowError(0, "", "csv_too_large", "ja", "en").as_problem_error() == {
        "field": "body",
        "row": "0",
        "column": "",
        "code": "csv_too_large",
        "reason_ja": "ja",
        "reason_en": "en",
    }


def test_a_row_naming_more_groups_than_a_project_may_is_refused() -> None:
    ids = ";".join(f"00000000-0000-4000-8000-{n:012d}" for n in range(21))
    data = f"事業番号,事業名,目的,予算額,関係団体ID\nA-1,事業,目的,1,{ids}\n".encode()
    with pytest.raises(CsvRejected) as rejected:
        parse_inventory(data)
    assert [(e.row, e.column, e.code) for e in rejected.value.errors] == [(2, "group_ids", "group_ids_too_many")]


def test_a_file_far_wider_than_an_inventory_is_refused_with_one_error_whatever_its_length() -> None:
    header = "事業番号,事業名,目的,予算額" + ",x" * 100
    data = (header + "\n" + "A-1,事業,目的,1\n" * 50 + "," * 200_000 + "\n").encode()
    with pytest.raises(CsvRejected) as rejected:
        parse_inventory(data)
    assert [(e.row, e.code) for e in rejected.value.errors] == [(1, "too_many_columns")]


def test_a_refusal_lists_at_most_two_hundred_errors_the_last_counting_the_rest() -> None:
    rows = "".join(f"A-{n},事業,目的,-{n}\n" for n in range(1, 501))
    with pytest.raises(CsvRejected) as rejected:
        parse_inventory(("事業番号,事業名,目的,予算額\n" + rows).encode())
    errors = rejected.value.errors
    assert len(errors) == 200
    assert [e.code for e in errors[:199]] == ["budget_negative"] * 199
    assert (errors[-1].code, errors[-1].reason_en) == (
        "more_errors",
        "301 more errors; correct those above and try again",
    )
