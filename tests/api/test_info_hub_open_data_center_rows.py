"""The rows of the center's, the register's and the survey's open datasets, from the records their read models hold
(no database: each row function on a hand-made record). Expected values are derived by hand in the comments.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kyodo_info_hub.opendata import Dataset
from kyodo_info_hub.opendata_center import CRITERION_MEANS, FIGURES, criterion_rows, figure_rows, mean_value
from kyodo_info_hub.opendata_center_events import Publisher, event_row, trainings
from kyodo_info_hub.opendata_register import REGISTER, register_row
from kyodo_info_hub.opendata_survey import SURVEY_STATISTICS, band_labels, survey_rows
from kyodo_info_hub.survey_stats import (
    Cell,
    CrossTabulation,
    NumberSummary,
    QuestionStatistics,
    Statistics,
)
from kyodo_shared.domain.calendar import TOKYO

WHO = Publisher(public_url="https://portal.example/")
# The standard's 32 items, in its order (推奨データセット「イベント一覧」).
STANDARD_ITEMS = [
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名", "イベント名_カナ",
    "イベント名_英語",
    "開始日", "終了日", "開始時間", "終了時間", "開始日時特記事項", "説明", "料金(基本)", "料金(詳細)", "連絡先名称",
    "連絡先電話番号", "連絡先内線番号", "主催者", "場所名称", "住所", "方書", "緯度", "経度", "アクセス方法",
    "駐車場情報", "定員", "参加申込終了日", "参加申込終了時間", "参加申込方法", "URL", "備考",
]  # fmt: skip


def named(dataset: Dataset, row: list[Any]) -> dict[str, Any]:
    assert len(row) == len(dataset.columns)
    return {c.name: v for c, v in zip(dataset.columns, row, strict=True)}


def test_the_event_list_begins_with_the_standards_32_items_in_its_order_as_csv_headers() -> None:
    columns = trainings(WHO).columns
    assert [c.csv_header for c in columns[:32]] == STANDARD_ITEMS
    assert [c.name for c in columns[32:]] == [
        "kind",
        "status",
        "audience",
        "online",
        "starts_at",
        "ends_at",
        "updated_at",
    ]
    assert "イベント一覧" in str(trainings(WHO).standard)


def test_a_changed_setting_the_event_list_reads_changes_its_fingerprint_and_only_then() -> None:
    same, moved = Publisher(public_url="https://portal.example/"), Publisher(public_url="https://other.example/")
    assert trainings(WHO).fingerprint == trainings(same).fingerprint
    assert trainings(WHO).fingerprint != trainings(moved).fingerprint
    assert trainings(WHO).fingerprint != trainings(Publisher(municipality_code="131016")).fingerprint


def test_a_cancelled_online_training_is_a_row_in_tokyo_time_saying_why_it_was_cancelled() -> None:
    record = {
        "id": "11111111-1111-4111-8111-111111111111",
        "kind": "course",
        "status": "cancelled",
        "title_ja": "会計講座",
        "title_en": "Bookkeeping",
        "description_ja": "団体の会計の基礎",
        # 05:00 UTC is 14:00 in Tokyo; the registration closes the evening before (08:00 UTC = 17:00 JST).
        "starts_at": "2027-05-10T05:00:00+00:00",
        "ends_at": "2027-05-10T16:30:00+09:00",
        "registration_closes_at": "2027-05-09T08:00:00+00:00",
        "online": True,
        "capacity": 30,
        "audience": ["groups", "citizens"],
        "cancellation": {"reason_ja": "講師の都合", "reason_en": None, "at": "2027-05-01T10:00:00+09:00"},
        "plan_changed_at": "2027-04-20T09:00:00+09:00",
        "announced_at": "2027-04-01T09:00:00+09:00",
    }
    row = named(trainings(WHO), event_row(record, WHO))
    assert (row["municipality_code"], row["prefecture"], row["municipality"]) == ("132152", "東京都", "国分寺市")
    assert (row["no"], row["event_name"], row["event_name_en"]) == (record["id"], "会計講座", "Bookkeeping")
    assert (row["start_date"], row["end_date"]) == (date(2027, 5, 10), date(2027, 5, 10))
    assert (row["start_time"], row["end_time"]) == ("14:00", "16:30")
    assert row["schedule_note"] == "中止: 講師の都合"
    assert (row["place_name"], row["online"], row["capacity"]) == ("オンライン", True, 30)
    assert (row["registration_end_date"], row["registration_end_time"]) == (date(2027, 5, 9), "17:00")
    assert row["registration_method"] == "ウェブサイトから申し込み（対象: 市民活動団体の代表者・連絡担当者、市民）"
    assert row["url"] == f"https://portal.example/api/info-hub/trainings/{record['id']}"
    assert (row["remarks"], row["kind"], row["status"]) == ("講座", "course", "cancelled")
    assert row["starts_at"] == datetime(2027, 5, 10, 14, 0, tzinfo=TOKYO)
    # Updated when it was cancelled (05-01), after its plan changed (04-20).
    assert row["updated_at"] == datetime(2027, 5, 1, 10, 0, tzinfo=TOKYO)
    # Items the center does not keep are empty.
    for empty in ("event_name_kana", "fee_basic", "contact_phone", "address", "latitude", "parking"):
        assert row[empty] is None


def test_a_months_figures_become_one_row_per_measure_and_category_in_the_figures_order() -> None:
    body = {
        "month": "2027-04",
        "received": 5,
        "received_by_field": [{"field": "子育て", "count": 3}, {"field": "その他", "count": 2}],
        "received_by_urgency": {"low": 1, "normal": 3, "high": 1},
        "routed": 4,
        "acknowledgements_overdue": 1,
        "acknowledged": 4,
        "median_hours_to_acknowledgement": 26.5,
        "closed": 2,
        "closed_by_outcome": {"resolved": 1, "referred": 1, "not_feasible": 0},
        "median_hours_to_resolution": None,
    }
    rows = [named(FIGURES, r) for r in figure_rows("2027-04", "2027-05-01T00:05:00+09:00", body)]
    # 1 received + 2 fields + 3 urgencies + routed + overdue + acknowledged + median + closed + 3 outcomes + median.
    assert len(rows) == 15
    assert [(r["measure"], r["category"], r["value"]) for r in rows[:6]] == [
        ("received", None, Decimal(5)),
        ("received_by_field", "子育て", 3),
        ("received_by_field", "その他", 2),
        ("received_by_urgency", "low", 1),
        ("received_by_urgency", "normal", 3),
        ("received_by_urgency", "high", 1),
    ]
    by = {(r["measure"], r["category"]): r for r in rows}
    assert by[("median_hours_to_acknowledgement", None)]["value"] == Decimal("26.5")
    assert by[("median_hours_to_resolution", None)]["value"] is None
    assert by[("closed_by_outcome", "referred")]["category_ja"] == "他機関へ紹介"
    assert by[("received_by_urgency", "high")]["category_ja"] == "高"
    assert rows[0]["published_at"] == datetime(2027, 5, 1, 0, 5, tzinfo=TOKYO)


def test_an_exact_mean_is_given_to_two_places_rounding_half_up() -> None:
    # 29/7 = 4.1428… → 4.14; 9/8 = 1.125 → 1.13 (half up, not to even); 4/1 → 4.00.
    assert (mean_value("29/7"), mean_value("9/8"), mean_value("4/1")) == (
        Decimal("4.14"),
        Decimal("1.13"),
        Decimal("4.00"),
    )


def test_a_reports_criteria_give_one_mean_each_in_their_order_and_an_unrated_one_none() -> None:
    body = {
        "criteria": [
            {"key": "reach", "name_ja": "広がり"},
            {"key": "achievement", "name_ja": "達成度", "name_en": "A"},
        ],
        "criterion_means": {"achievement": "9/8"},
        "comments": {"achievement": ["委員の言葉"]},
    }
    rows = [named(CRITERION_MEANS, r) for r in criterion_rows("p1", "2028-06-01T03:00:00+00:00", body)]
    # 9/8 = 1.125 → 1.13; "reach" has no mean (no counted member rated it).
    assert [(r["criterion"], r["criterion_en"], r["mean"], r["mean_value"]) for r in rows] == [
        ("reach", None, None, None),
        ("achievement", "A", "9/8", Decimal("1.13")),
    ]
    assert rows[0]["published_at"] == datetime(2028, 6, 1, 12, 0, tzinfo=TOKYO)
    assert "委員の言葉" not in repr(rows)


def test_a_register_decision_is_one_flat_row_with_its_forms_in_both_languages() -> None:
    body = {
        "project": {"purpose": "見守り", "legal_basis": "", "budget_yen": 1_200_000, "beneficiaries": "高齢者",
                    "delivery": "直営", "period": "通年", "contact_section": "協働推進係"},
        "self_check": [{"key": "k", "rating": "yes", "reason": "r"}],
        "recusals": 2,
    }  # fmt: skip
    source = (
        "d1", "r1", "2026年度 事業の選別", None, "2026", "dA", "市民協働課", None, "p1", "2026-001", "事業 1",
        "suitable", json.dumps(["commission", "co_hosting"]), "理由", None, None, None, None,
        "2026-06-01T10:01:00+09:00", json.dumps(body),
    )  # fmt: skip
    row = named(REGISTER, register_row(source))
    assert (row["fiscal_year"], row["outcome_ja"], row["budget_yen"], row["recusals"]) == (
        2026,
        "協働に適する",
        1_200_000,
        2,
    )
    assert (row["forms"], row["forms_ja"]) == (["commission", "co_hosting"], ["委託", "共催"])
    # An empty legal basis is an empty cell; the decision time is Tokyo's.
    assert row["legal_basis"] is None
    assert row["decided_at"] == datetime(2026, 6, 1, 10, 1, tzinfo=TOKYO)


def statistics() -> Statistics:
    """Ten targets, seven answers: a single choice with a suppressed pair, a banded number with its summary, free
    text (never published), one protected cross-tab and one withheld."""
    field = QuestionStatistics(
        key="field",
        kind="single",
        answers=7,
        published=True,
        distribution=[
            Cell(category="env", count=4, percent="57.1"),
            Cell(category="kids", count=None, percent=None, suppressed=True),
            Cell(category="other", count=None, percent=None, suppressed=True),
        ],
    )
    members = QuestionStatistics(
        key="members",
        kind="number",
        answers=7,
        published=True,
        distribution=[Cell(category="0-4", count=3, percent="42.9"), Cell(category="5+", count=4, percent="57.1")],
        summary=NumberSummary(mean="6.14", median="5"),
    )
    free = QuestionStatistics(key="free", kind="text", answers=5, published=False)
    hidden = Cell(category="x", count=None, percent=None, suppressed=True)
    table = CrossTabulation(
        row="field",
        column="members",
        published=True,
        rows=["env", "kids"],
        columns=["0-4", "5+"],
        cells=[[Cell(category="0-4", count=1, percent="14.3"), Cell(category="5+", count=3, percent="42.9")],
               [hidden, hidden]],
        row_totals=[Cell(category="env", count=4, percent="57.1"), hidden],
        column_totals=[Cell(category="0-4", count=3, percent="42.9"), Cell(category="5+", count=4, percent="57.1")],
        total=7,
    )  # fmt: skip
    withheld = CrossTabulation(row="members", column="field", published=False, total=7)
    return Statistics(
        targets=10,
        answered=7,
        response_rate_percent="70.0",
        questions=[field, members, free],
        crosstabs=[table, withheld],
    )


QUESTIONS = [
    {"key": "field", "kind": "single", "text_ja": "主な活動分野", "text_en": "Main field",
     "options": [{"key": "env", "label_ja": "環境", "label_en": "Environment"},
                 {"key": "kids", "label_ja": "子育て", "label_en": "Children"},
                 {"key": "other", "label_ja": "その他", "label_en": "Other"}]},
    {"key": "members", "kind": "number", "text_ja": "会員数", "text_en": "Members", "options": [],
     "unit_ja": "人", "unit_en": "people"},
    {"key": "free", "kind": "text", "text_ja": "ご意見", "text_en": "Comments", "options": []},
]  # fmt: skip


def test_a_closed_surveys_statistics_become_one_row_per_published_figure_with_suppressed_cells_marked() -> None:
    source = (
        "s1", 2027, "実態調査", "Survey", "2027-07-01T00:00:00+09:00", json.dumps(QUESTIONS, ensure_ascii=False),
        statistics().model_dump_json(),
    )  # fmt: skip
    rows = [named(SURVEY_STATISTICS, r) for r in survey_rows(source)]
    # survey: 3; field: answers + 3 cells; members: answers + 2 bands + mean + median; free: answers only;
    # the cross-tab: 4 cells + 2 row totals + 2 column totals + the grand total; the withheld one: nothing.
    assert len(rows) == 3 + 4 + 5 + 1 + 9
    assert [(r["measure"], r["value"]) for r in rows[:3]] == [
        ("targets", 10),
        ("answered", 7),
        ("response_rate_percent", Decimal("70.0")),
    ]
    kids = next(r for r in rows if r["table"] == "question" and r["category"] == "kids")
    assert (kids["value"], kids["percent"], kids["suppressed"]) == (None, None, True), "suppressed, never which kind"
    assert (kids["question_text_ja"], kids["category_ja"], kids["category_en"]) == (
        "主な活動分野",
        "子育て",
        "Children",
    )
    free = [r for r in rows if r["question_key"] == "free"]
    assert [(r["measure"], r["value"]) for r in free] == [("answers", 5)]
    members = {r["measure"]: r for r in rows if r["question_key"] == "members" and r["table"] == "question"}
    assert (members["mean"]["value"], members["median"]["value"]) == (Decimal("6.14"), Decimal(5))
    assert (members["mean"]["unit_ja"], members["mean"]["unit_en"], members["mean"]["suppressed"]) == (
        "人",
        "people",
        False,
    )
    band = next(r for r in rows if r["question_key"] == "members" and r["category"] == "0-4")
    assert (band["category_ja"], band["category_en"]) == ("0〜4", "0 to 4"), "no spreadsheet reads them as dates"
    cell = next(r for r in rows if r["table"] == "crosstab" and (r["category"], r["column_category"]) == ("env", "5+"))
    assert (cell["value"], cell["percent"], cell["column_question_text_ja"]) == (3, Decimal("42.9"), "会員数")
    assert (cell["column_category"], cell["column_category_ja"], cell["column_category_en"]) == (
        "5+",
        "5以上",
        "5 and over",
    )
    crosstab = [r["measure"] for r in rows if r["table"] == "crosstab"]
    assert (crosstab.count("count"), crosstab[-1]) == (4, "total")
    assert not [r for r in rows if r["question_key"] == "members" and r["column_question_key"] == "field"]
    assert {r["closed_at"] for r in rows} == {datetime(2027, 7, 1, tzinfo=TOKYO)}


def test_band_labels_are_words_no_spreadsheet_reads_as_a_date() -> None:
    assert band_labels("5-9") == ("5〜9", "5 to 9")
    assert band_labels("20+") == ("20以上", "20 and over")
    assert band_labels("0-<2.5") == ("0以上2.5未満", "0 to under 2.5")
    assert band_labels("-1979") == ("1979年以前", "1979 and before")
    assert band_labels("1980-1989") == ("1980〜1989", "1980 to 1989")
    assert band_labels("2020-") == ("2020年以降", "2020 and after")
    assert band_labels("kids") == ("kids", "kids")


def test_withheld_means_are_marked_suppressed_and_an_empty_rows_mean_is_not() -> None:
    members = QuestionStatistics(
        key="members",
        kind="number",
        answers=7,
        published=True,
        distribution=[
            Cell(category="0-4", count=None, percent=None, suppressed=True),
            Cell(category="5+", count=None, percent=None, suppressed=True),
        ],
    )
    ok = Cell(category="x", count=3, percent="50.0")
    empty = Cell(category="y", count=0, percent="0.0")
    table = CrossTabulation(
        row="field",
        column="members",
        published=True,
        rows=["env", "kids"],
        columns=["0-4", "5+"],
        cells=[[ok, ok], [empty, empty]],
        row_totals=[Cell(category="env", count=6, percent="100.0"), empty],
        column_totals=[ok, ok],
        total=6,
        row_means=["4.50", None],
    )
    stats = Statistics(targets=9, answered=7, response_rate_percent="77.8", questions=[members], crosstabs=[table])
    source = (
        "s1",
        2027,
        "実態調査",
        "Survey",
        None,
        json.dumps(QUESTIONS, ensure_ascii=False),
        stats.model_dump_json(),
    )
    rows = [named(SURVEY_STATISTICS, r) for r in survey_rows(source)]
    summary = [(r["measure"], r["value"], r["suppressed"]) for r in rows if r["measure"] in ("mean", "median")]
    assert summary == [("mean", None, True), ("median", None, True)]
    means = [(r["category"], r["value"], r["suppressed"], r["unit_ja"]) for r in rows if r["measure"] == "row_mean"]
    # Nothing in the table is suppressed: the kids row is empty (no group), its mean empty and not suppressed.
    assert means == [("env", Decimal("4.50"), False, "人"), ("kids", None, False, "人")]
    hidden = Cell(category="z", count=None, percent=None, suppressed=True)
    guarded = table.model_copy(update={"cells": [[ok, hidden], [empty, hidden]], "row_means": [None, None]})
    stats = stats.model_copy(update={"crosstabs": [guarded]})
    source = (*source[:6], stats.model_dump_json())
    rows = [named(SURVEY_STATISTICS, r) for r in survey_rows(source)]
    # A cell is suppressed: every row mean is withheld, marked suppressed.
    assert [(r["value"], r["suppressed"]) for r in rows if r["measure"] == "row_mean"] == [(None, True), (None, True)]


def test_a_median_withheld_below_five_answers_is_an_empty_suppressed_row_beside_the_published_mean() -> None:
    # Four answers, 6, 7, 8 and 10, all in the band 5+ (0-4 is a published zero): the mean (31 / 4 = 7.75) is
    # published; the median (7.5) is not: with it, 4 × 7.75 − 2 × 7.5 = 16 would tell the group that answered 6 that
    # another answered 10.
    members = QuestionStatistics(
        key="members",
        kind="number",
        answers=4,
        published=True,
        distribution=[Cell(category="0-4", count=0, percent="0.0"), Cell(category="5+", count=4, percent="100.0")],
        summary=NumberSummary(mean="7.75"),
    )
    stats = Statistics(targets=5, answered=4, response_rate_percent="80.0", questions=[members], crosstabs=[])
    questions = json.dumps(QUESTIONS, ensure_ascii=False)
    source = ("s1", 2027, "実態調査", "Survey", None, questions, stats.model_dump_json())
    rows = [named(SURVEY_STATISTICS, r) for r in survey_rows(source)]
    summary = [(r["measure"], r["value"], r["suppressed"]) for r in rows if r["measure"] in ("mean", "median")]
    assert summary == [("mean", Decimal("7.75"), False), ("median", None, True)]
