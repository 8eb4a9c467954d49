"""What every page must satisfy in a real browser (JIS X 8341-3:2016 AA through WCAG 2.x A/AA): axe-core's rules,
`<html lang>`, one h1, a skip link that moves focus to main, no horizontal scroll at 320 px and at 200% zoom, a text
alternative for every image; and the page's screenshots at desktop and mobile widths.

Each check returns the problems it found as sentences, so one failing page lists all of them at once."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, ViewportSize

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = ViewportSize(width=1280, height=900)
MOBILE = ViewportSize(width=375, height=812)
NARROWEST = ViewportSize(width=320, height=800)  # WCAG 1.4.10 reflow
ZOOMED = ViewportSize(width=640, height=450)  # a 1280 × 900 window at 200% zoom, in CSS pixels

_axe = Axe()
SAVED: list[Path] = []  # the screenshots this run saved (the terminal summary says where)

# Whether an element shows where the keyboard is: an outline or a box-shadow (the kit's focus styles).
FOCUS_VISIBLE_JS = """el => {
  if (!el || el === document.body) return false;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = !!s.boxShadow && s.boxShadow !== 'none';
  return outline || shadow;
}"""

# Tab starts again from the top of the page: blur alone keeps the point the last focus left (focusing the body moves
# it to the start of the document). The scroll is instant: the kit's smooth scrolling would still be under way when
# the next Tab is measured (a page scrolled down by a journey's last click).
FROM_THE_TOP_JS = """() => {
  document.activeElement?.blur();
  document.body.tabIndex = -1;
  document.body.focus();
  document.body.removeAttribute('tabindex');
  window.scrollTo({top: 0, left: 0, behavior: 'instant'});
}"""

DESCRIBE_ACTIVE_JS = """() => {
  const el = document.activeElement;
  if (!el) return '(nothing)';
  const html = el.outerHTML || '';
  return html.length > 160 ? html.slice(0, 160) + '…' : html;
}"""

# img without alt, svg[role=img] (and role=img elements) without an accessible name from aria-label(ledby) or <title>.
MISSING_ALTERNATIVES_JS = """() => {
  const named = el => {
    const label = (el.getAttribute('aria-label') || '').trim();
    if (label) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    if (ids.some(id => (document.getElementById(id)?.textContent || '').trim())) return true;
    const title = el.querySelector(':scope > title');
    return !!(title && title.textContent.trim());
  };
  const bad = [];
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt') && !named(img)) bad.push(img.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('svg[role=img], [role=img]:not(img)')) {
    if (!named(el)) bad.push(el.outerHTML.slice(0, 120));
  }
  return bad;
}"""


# The page's width and the outermost elements wider than the window (those whose parent still fits).
OVERFLOW_JS = """() => {
  const w = window.innerWidth;
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const path = e => {
    const parts = [];
    for (let x = e; x && x !== document.body && parts.length < 4; x = x.parentElement) parts.unshift(name(x));
    return parts.join(' > ');
  };
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const p = e.parentElement;
    const fits = x => x.getBoundingClientRect().right <= w + 1;
    return !fits(e) && (!p || p === document.body || fits(p));
  });
  return [document.scrollingElement.scrollWidth, w, wide.slice(0, 3).map(path)];
}"""


def watch_errors(page: Page) -> list[str]:
    """From now on, the page's script errors and what its Content-Security-Policy refused (a style="…" attribute, an
    inline script): the list fills as the page runs."""
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(f"CSP: {message.text[:300]}")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"[:300]))
    return errors


def axe_problems(page: Page) -> list[str]:
    """axe-core's WCAG 2.x A/AA violations: id, impact, what it asks, and every target selector."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    response = _axe.run(page, options=options).response
    problems = []
    for violation in response["violations"]:
        targets = []
        for node in violation["nodes"]:
            target = node["target"]
            targets.append(" ".join(map(str, target)) if isinstance(target, list) else str(target))
        problems.append(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']} — targets: {' | '.join(targets)}"
        )
    return problems


# Headings whose level jumps more than one below the previous heading's (h2 then h4).
SKIPPED_HEADINGS_JS = """() => {
  const skipped = [];
  let previous = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    const text = h.textContent.trim().slice(0, 60);
    if (previous && level > previous + 1) skipped.push(`h${previous} → h${level} "${text}"`);
    previous = level;
  }
  return skipped;
}"""
FOCUS_STOPS = 40  # the first Tab stops of a page, where a keyboard user starts
LEFT_THE_PAGE_JS = (
    "() => { const e = document.activeElement; return !e || e === document.body || !e.matches(':focus'); }"
)


def structure_problems(page: Page, lang: str) -> list[str]:
    problems = []
    html_lang = page.evaluate("() => document.documentElement.lang")
    if html_lang != lang:
        problems.append(f'<html lang="{html_lang}"> where the page is in {lang}')
    h1s = page.locator("h1").count()
    if h1s != 1:
        problems.append(f"{h1s} h1 elements (exactly one expected)")
    mains = page.locator("main, [role=main]").count()
    if mains != 1:
        problems.append(f"{mains} main landmarks (exactly one expected)")
    problems += [f"headings out of order: {jump}" for jump in page.evaluate(SKIPPED_HEADINGS_JS)]
    missing = page.evaluate(MISSING_ALTERNATIVES_JS)
    problems += [f"image without a text alternative: {html}" for html in missing]
    return problems


def skip_link_problems(page: Page) -> list[str]:
    """The first Tab reaches a visible skip link to main; Enter moves focus to main."""
    page.evaluate(FROM_THE_TOP_JS)
    page.keyboard.press("Tab")
    first = page.evaluate(
        """() => {
          const a = document.activeElement;
          const href = a?.getAttribute?.('href') || '';
          const target = href.startsWith('#') ? document.getElementById(href.slice(1)) : null;
          const isMain = !!target && (target.tagName === 'MAIN' || target.getAttribute('role') === 'main');
          return {tag: a?.tagName, href, toMain: isMain};
        }"""
    )
    if first["tag"] != "A" or not first["toMain"]:
        return [f"the first Tab reaches {page.evaluate(DESCRIBE_ACTIVE_JS)}, not a skip link to main"]
    problems = []
    if not page.evaluate(FOCUS_VISIBLE_JS, page.evaluate_handle("() => document.activeElement")):
        problems.append("the focused skip link shows no outline or box-shadow")
    box = page.evaluate_handle("() => document.activeElement").as_element()
    bounds = box.bounding_box() if box is not None else None
    if bounds is None or bounds["width"] < 1 or bounds["y"] + bounds["height"] <= 0:
        problems.append("the focused skip link is not on screen")
    page.keyboard.press("Enter")
    try:
        page.wait_for_function(
            "() => { const m = document.querySelector('main, [role=main]');"
            " return !!m && m.contains(document.activeElement); }",
            timeout=2000,
        )
    except Exception:
        problems.append(f"Enter on the skip link leaves focus on {page.evaluate(DESCRIBE_ACTIVE_JS)}, not in main")
    return problems


def focus_problems(page: Page) -> list[str]:
    """Every element the first Tab stops reach shows its focus (an outline or a box-shadow)."""
    page.evaluate(FROM_THE_TOP_JS)
    hidden: list[str] = []
    for _ in range(FOCUS_STOPS):
        page.keyboard.press("Tab")
        # Past the last stop the focus leaves the page (its last element stays document.activeElement, unfocused).
        if page.evaluate(LEFT_THE_PAGE_JS):
            break
        if not page.evaluate(f"() => ({FOCUS_VISIBLE_JS})(document.activeElement)"):
            here = page.evaluate(DESCRIBE_ACTIVE_JS)
            if here not in hidden:
                hidden.append(here)
    return [f"focus not visible (no outline nor box-shadow) on {element}" for element in hidden]


def reflow_problems(page: Page) -> list[str]:
    """No horizontal scrolling at 320 CSS px (WCAG 1.4.10) nor at 200% zoom of a 1280 px window (1.4.4)."""
    problems = []
    for size, what in ((ZOOMED, "200% zoom (640 CSS px)"), (NARROWEST, "320 px width")):
        page.set_viewport_size(size)
        widths = page.evaluate(OVERFLOW_JS)
        scroll, inner, wide = widths
        if scroll > inner:
            problems.append(f"horizontal scroll at {what}: scrollWidth {scroll} > {inner} (widest: {', '.join(wide)})")
    return problems


def screenshots(page: Page, directory: Path, name: str) -> list[Path]:
    """Full-page screenshots at desktop (1280 × 900) and mobile (375 × 812) widths."""
    directory.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    saved = []
    for size, width in ((DESKTOP, "desktop"), (MOBILE, "mobile")):
        page.set_viewport_size(size)
        path = directory / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    SAVED.extend(saved)
    page.set_viewport_size(DESKTOP)
    return saved
