"""The page kit's filters, with every expected value worked out by hand (JST is UTC+9, no summer time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from jinja2 import Environment

from kyodo_shared.pages import format as formats


def render(source: str, lang: str = "ja", **values: Any) -> str:
    env = Environment(autoescape=True)
    formats.register(env)
    return env.from_string(source).render(lang=lang, **values)


def test_a_moment_reads_as_the_day_and_time_in_tokyo_in_both_languages() -> None:
    moment = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    assert render("{{ t | jst }}", t=moment) == "2026年12月4日 10:00"
    assert render("{{ t | jst }}", "en", t=moment) == "4 Dec 2026 10:00 JST"
    assert render("{{ t | jst_iso }}", t=moment) == "2026-12-04T10:00:00+09:00"


def test_a_moment_late_in_the_utc_evening_is_the_next_day_in_tokyo() -> None:
    moment = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)  # 00:00 on 1 January 2027 in Tokyo
    assert render("{{ t | jst_date }}", t=moment) == "2027年1月1日"
    assert render("{{ t | jst_date }}", "en", t=moment) == "1 Jan 2027"
    assert render("{{ d | jst_date }}", "en", d=date(2026, 4, 1)) == "1 Apr 2026"


def test_a_naive_datetime_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="naive"):
        render("{{ t | jst }}", t=datetime(2026, 1, 1))


def test_a_fiscal_year_is_named_in_the_reiwa_era_and_the_western_year() -> None:
    assert render("{{ 2026 | fiscal_year }}") == "令和8年度（2026年度）"
    assert render("{{ 2026 | fiscal_year }}", "en") == "FY2026 (Reiwa 8)"
    assert render("{{ 2020 | fiscal_year }}") == "令和2年度（2020年度）"
    # The first year of an era is 元年.
    assert render("{{ 2019 | fiscal_year }}") == "令和元年度（2019年度）"
    assert render("{{ 2019 | fiscal_year }}", "en") == "FY2019 (Reiwa 1)"
    assert render("{{ 2018 | fiscal_year }}") == "平成30年度（2018年度）"
    assert render("{{ 2018 | fiscal_year }}", "en") == "FY2018 (Heisei 30)"


def test_the_fiscal_year_turns_on_the_first_of_april_in_tokyo_not_in_utc() -> None:
    # 31 March 2027 14:59 UTC is 23:59 on 31 March in Tokyo: still fiscal 2026.
    assert formats.fiscal_year_of(datetime(2027, 3, 31, 14, 59, tzinfo=UTC)) == 2026
    # 31 March 2027 15:00 UTC is midnight on 1 April in Tokyo: fiscal 2027, though still March in UTC.
    assert formats.fiscal_year_of(datetime(2027, 3, 31, 15, 0, tzinfo=UTC)) == 2027
    assert formats.fiscal_year_of(date(2027, 3, 31)) == 2026
    assert formats.fiscal_year_of(date(2027, 4, 1)) == 2027
    assert formats.fiscal_year_of(date(2027, 1, 15)) == 2026
    assert render("{{ t | fiscal_year }}", t=datetime(2027, 3, 31, 15, 0, tzinfo=UTC)) == "令和9年度（2027年度）"


def test_an_exact_value_that_ends_in_decimals_is_shown_as_them_and_kept_whole() -> None:
    assert render("{{ '121/4' | exact }}") == '<data class="exact" value="121/4">30.25</data>'
    assert render("{{ '61/2' | exact }}") == '<data class="exact" value="61/2">30.5</data>'
    assert render("{{ 30 | exact }}") == '<data class="exact" value="30">30</data>'
    assert render("{{ v | exact }}", v=Fraction(-7, 2)) == '<data class="exact" value="-7/2">-3.5</data>'
    assert render("{{ '24690/2' | exact }}") == '<data class="exact" value="12345">12,345</data>'


def test_a_value_without_an_end_in_decimals_is_marked_approximate_with_its_fraction_for_every_reader() -> None:
    html = render("{{ '61/3' | exact }}")  # 20.333…
    assert html.startswith('<data class="exact exact--approx" value="61/3" title="正確な値: 61/3">')
    assert '<span aria-hidden="true">≈</span><span class="visually-hidden">約</span>20.33' in html
    assert '<span class="exact-value"> (<span class="visually-hidden">正確な値 </span>61/3)</span>' in html
    english = render("{{ '61/3' | exact }}", "en")
    assert '<span class="visually-hidden">about </span>20.33' in english
    assert "exact value" in english


def test_rounding_is_half_away_from_zero_on_the_exact_value() -> None:
    assert formats.decimal_text(Fraction(2, 3)) == ("0.67", False)
    assert formats.decimal_text(Fraction(1, 8)) == ("0.13", False)  # 0.125 → 0.13 (a float would give 0.12)
    assert formats.decimal_text(Fraction(-1, 8)) == ("-0.13", False)
    assert formats.decimal_text(Fraction(1, 3000)) == ("0.00", False)
    assert formats.decimal_text(Fraction(-1, 3000)) == ("0.00", False)
    assert formats.decimal_text(Fraction(200000, 3)) == ("66,666.67", False)


def test_exact_refuses_a_float_that_would_have_lost_the_value_already() -> None:
    with pytest.raises(TypeError):
        render("{{ v | exact }}", v=0.1)


def test_numbers_and_yen_are_grouped_by_thousands() -> None:
    assert render("{{ 1234567 | num }}") == "1,234,567"
    assert render("{{ '7/2' | num }}") == "3.5"
    assert render("{{ 1200 | yen }}") == "1,200円"
    assert render("{{ 1200 | yen }}", "en") == "¥1,200"


NOW = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("left", "ja", "en"),
    [
        (timedelta(days=3, hours=4, minutes=59), "あと3日と4時間", "3 days 4 hours left"),
        (timedelta(days=1), "あと1日", "1 day left"),
        (timedelta(days=1, hours=1), "あと1日と1時間", "1 day 1 hour left"),
        (timedelta(hours=23, minutes=59, seconds=59), "あと23時間59分", "23 hours 59 minutes left"),
        (timedelta(hours=5), "あと5時間", "5 hours left"),
        (timedelta(minutes=12, seconds=30), "あと12分", "12 minutes left"),
        (timedelta(seconds=59), "まもなく締切", "less than a minute left"),
        (timedelta(0), "締切を過ぎました", "closed"),
        (timedelta(hours=-2), "締切を過ぎました", "closed"),
    ],
)
def test_the_time_left_until_a_deadline_counts_down_from_the_pages_now(left: timedelta, ja: str, en: str) -> None:
    assert formats.time_left(NOW + left, NOW, "ja") == ja
    assert formats.time_left(NOW + left, NOW, "en") == en


def test_the_countdown_is_a_time_element_the_script_can_keep_current() -> None:
    deadline = NOW + timedelta(days=3, hours=4)
    html = render("{{ d | countdown }}", d=deadline, now=NOW)
    assert html == (
        '<time class="countdown" datetime="2026-12-07T14:00:00+09:00" data-countdown '
        'data-now="2026-12-04T10:00:00+09:00">あと3日と4時間</time>'
    )


# ---- language of parts (WCAG 3.1.2) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("こくぶんじ緑のボランティア", "ja"),
        ("ｺｸﾌﾞﾝｼﾞ", "ja"),
        ("NPO法人 子育てネット", "ja"),
        ("Kokubunji English Club", "en"),
        ("K-002", ""),
        ("2026", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_the_language_of_a_piece_of_data_is_told_by_its_characters(value: str | None, expected: str) -> None:
    assert render("{{ v|lang_of }}", v=value) == expected


def test_japanese_data_on_an_english_page_is_marked_and_on_a_japanese_page_is_left_alone() -> None:
    assert render("{{ v|in_lang }}", "en", v="子育て支援課") == '<span lang="ja">子育て支援課</span>'
    assert render("{{ v|in_lang }}", "ja", v="子育て支援課") == "子育て支援課"
    assert render("<dd{{ v|lang_attr }}>{{ v }}</dd>", "en", v="緑") == '<dd lang="ja">緑</dd>'
    assert render("<dd{{ v|lang_attr }}>{{ v }}</dd>", "ja", v="緑") == "<dd>緑</dd>"


def test_english_data_on_a_japanese_page_is_marked_english_and_codes_are_not_marked() -> None:
    assert render("{{ v|in_lang }}", "ja", v="Green Club") == '<span lang="en">Green Club</span>'
    assert render("{{ v|in_lang }}", "en", v="Green Club") == "Green Club"
    assert render("{{ v|in_lang }}", "ja", v="K-002") == "K-002"
    assert render("<p{{ v|lang_attr }}>", "ja", v="Green Club") == '<p lang="en">'


def test_marked_data_is_still_escaped() -> None:
    assert render("{{ v|in_lang }}", "en", v="<b>緑</b>") == '<span lang="ja">&lt;b&gt;緑&lt;/b&gt;</span>'
    assert render("{{ v|in_lang }}", "ja", v="<b>") == "&lt;b&gt;"


def test_a_ja_en_pair_prints_the_pages_language_and_marks_a_fallback() -> None:
    assert render("{{ pick('必要性', 'Need') }}", "en") == "Need"
    assert render("{{ pick('必要性', 'Need') }}", "ja") == "必要性"
    assert render("{{ pick('必要性', '') }}", "en") == '<span lang="ja">必要性</span>'
    assert render("{{ pick('', 'Need') }}", "ja") == '<span lang="en">Need</span>'


def test_japanese_terms_in_english_catalog_text_are_marked_on_english_pages_only() -> None:
    text = "Continue and expand (継続・拡充), by the board (協働事業審査会)"
    assert render("{{ t|ja_parts }}", "en", t=text) == (
        'Continue and expand (<span lang="ja">継続・拡充</span>), by the board (<span lang="ja">協働事業審査会</span>)'
    )
    assert render("{{ t|ja_parts }}", "ja", t="継続・拡充") == "継続・拡充"
    assert render("{{ t|ja_parts }}", "en", t="a < b") == "a &lt; b"


def test_text_only_places_drop_the_japanese_gloss_on_english_pages() -> None:
    assert render("{{ t|without_ja }}", "en", t="Continue and expand (継続・拡充)") == "Continue and expand"
    assert render("{{ t|without_ja }}", "en", t="End (終了), soon (later)") == "End, soon (later)"
    assert render("{{ t|without_ja }}", "ja", t="継続・拡充") == "継続・拡充"
