"""The kit's forms in a real browser: what follows a form's last button — a back link, the next form, the section's
closing link — keeps its distance from the button (it used to touch it: 戻る right under 下書きを保存), while a
one-button form in a table cell or a list item adds nothing to its row. Served by a route with the kit's own
stylesheet, no platform needed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, Route

import kyodo_shared.pages

OpenPage = Callable[[str, str], Page]
ORIGIN = "http://kit.test"
KIT_CSS = Path(kyodo_shared.pages.__file__).parent / "static" / "kit.css"

PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>フォーム</title>
<link rel="stylesheet" href="/kit.css"></head><body><div class="page"><main class="main" id="main">
<h1>研修会の新規作成</h1>
<form id="plan"><div class="form-group"><label class="form-label" for="t">タイトル</label>
<input class="form-input" id="t"></div><button class="button button--primary" type="submit">下書きを保存</button></form>
<p><a id="back" href="/">戻る</a></p>
<section><form id="close"><button class="button button--secondary" type="submit">案件を終了する</button>
</form></section>
<p><a id="cases" href="/">相談案件</a></p>
<form id="first"><button class="button" type="submit">今すぐ公開</button></form>
<form id="second"><button class="button button--secondary" type="submit">下書きに戻す</button></form>
<table class="table"><tbody><tr><td id="cell"><form><button class="button button--small" type="submit">取消</button>
</form></td></tr></tbody></table>
<ul><li id="item"><form><button class="button" type="submit">受付を確認する</button></form></li></ul>
<div class="filters"><form id="filter"><label for="q">検索</label><input id="q"><button type="submit">絞り込む</button>
</form></div><p id="after-filter">結果</p>
</main></div></body></html>"""


def served(open_page: OpenPage) -> Page:
    page = open_page(ORIGIN, "ja")
    css = KIT_CSS.read_text(encoding="utf-8")

    def fulfil(route: Route) -> None:
        if route.request.url.endswith("/kit.css"):
            route.fulfill(status=200, content_type="text/css; charset=utf-8", body=css)
        else:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGE)

    page.route("**/*", fulfil)
    page.goto("/")
    return page


def gap(page: Page, above: str, below: str) -> float:
    """CSS pixels between the bottom of `above` and the top of `below`."""
    return float(
        page.evaluate(
            "([a, b]) => document.querySelector(b).getBoundingClientRect().top"
            " - document.querySelector(a).getBoundingClientRect().bottom",
            [above, below],
        )
    )


def test_what_follows_a_forms_last_button_keeps_its_distance(open_page: OpenPage) -> None:
    page = served(open_page)
    assert gap(page, "#plan button", "#back") >= 16  # the back link under the save button
    assert gap(page, "#close button", "#cases") >= 16  # the case page's list link under its last section's form
    assert gap(page, "#first button", "#second button") >= 16  # two one-button forms in a row


def test_a_one_button_form_in_a_cell_or_a_list_item_adds_nothing_to_its_row(open_page: OpenPage) -> None:
    page = served(open_page)
    for where in ("#cell form", "#item form"):
        assert page.eval_on_selector(where, "f => getComputedStyle(f).marginBottom") == "0px", where
    # A filter panel keeps its own spacing: its form is the panel's last child, with no margin of its own.
    assert page.eval_on_selector("#filter", "f => getComputedStyle(f).marginBottom") == "0px"
