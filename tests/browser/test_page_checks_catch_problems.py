"""The page checks themselves: a page with the problems they look for fails each of them, a sound one passes — so a
green run means the pages are sound, not that a check went blind. Served by a route, no platform needed."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, Route

from browser.page_checks import (
    axe_problems,
    focus_problems,
    reflow_problems,
    skip_link_problems,
    structure_problems,
)

OpenPage = Callable[[str, str], Page]
ORIGIN = "http://checks.test"

SOUND = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>よい頁</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>a:focus, main:focus { outline: 3px solid #b35900 } .skip { position: absolute; left: 0; top: 0 }</style></head>
<body><a class="skip" href="#main">本文へ移動</a><header><nav aria-label="メイン"><a href="/x">団体</a></nav></header>
<main id="main" tabindex="-1"><h1>見出し</h1><h2>小見出し</h2><p><img src="data:," alt="図"></p>
<svg role="img" aria-label="グラフ" width="10" height="10"></svg><p><a href="/y">次へ</a></p></main></body></html>"""

BROKEN = """<!doctype html><html><head><meta charset="utf-8"><title>悪い頁</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>a { outline: none } .wide { width: 900px; height: 10px; background: #eee } .faint { color: #bbb }</style>
</head><body><nav><a href="/x">団体</a></nav><div><h1>一</h1><h1>二</h1><h4>飛んだ見出し</h4>
<img src="data:,"><svg role="img" width="10" height="10"></svg><p class="faint">薄い文字</p>
<div class="wide"></div></div></body></html>"""


def served(open_page: OpenPage, html: str) -> Page:
    page = open_page(ORIGIN, "ja")

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    page.route("**/*", fulfil)
    page.goto("/")
    return page


def test_a_sound_page_passes_every_check(open_page: OpenPage) -> None:
    page = served(open_page, SOUND)
    problems = structure_problems(page, "ja") + skip_link_problems(page) + focus_problems(page)
    problems += axe_problems(page) + reflow_problems(page)
    assert problems == []


def test_a_broken_page_fails_every_check(open_page: OpenPage) -> None:
    page = served(open_page, BROKEN)
    structure = " | ".join(structure_problems(page, "ja"))
    for expected in ('<html lang="">', "2 h1 elements", "0 main landmarks", "h1 → h4", "<img", "<svg"):
        assert expected in structure, (expected, structure)
    assert "not a skip link" in " ".join(skip_link_problems(page))
    assert "focus not visible" in " ".join(focus_problems(page))
    axe = " ".join(axe_problems(page))
    for rule in ("html-has-lang", "image-alt", "color-contrast", "svg-img-alt"):
        assert f"axe {rule} (" in axe, (rule, axe)
    reflow = " ".join(reflow_problems(page))
    assert "320 px" in reflow, reflow
    assert "200% zoom" in reflow, reflow
