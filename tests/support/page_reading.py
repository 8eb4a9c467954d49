"""Reading a workspace page in a test — one way for every part's tests (on support.portal_b's `one`, `text`,
`headings_in_order`):

- `doc(answer)`: the lxml document of an HTML text, or of a response (checked to be HTML);
- `well_formed(page)`: one h1, headings in order, no id twice, every control a person fills named by a label —
  asserted; the page back, to read on;
- `version_on(page, action)`: the version (ETag) a form carries for If-Match; without `action`, the page's only one;
- `error_beside(page, name)`: the reason the kit shows beside the field `name` (`field-<name>-error`, dots as
  dashes), checked to be tied to its control or fieldset by aria-describedby;
- `links(page)`: the hrefs of the page's main part.
"""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html

from support.portal_b import headings_in_order, one, text

__all__ = ["doc", "error_beside", "headings_in_order", "links", "one", "text", "version_on", "well_formed"]


def doc(answer: Any) -> Any:
    """`answer`: the page's HTML text, or the response that carries it."""
    if not isinstance(answer, str):
        assert answer.headers["content-type"].startswith("text/html"), answer.headers["content-type"]
        answer = answer.text
    return lxml_html.document_fromstring(answer)


def well_formed(page: Any) -> Any:
    """Asserts one h1 and headings in order, no id twice (labels, error links and aria references find one element)
    and a label for every control; returns the page."""
    assert headings_in_order(page)
    ids = [str(i) for i in page.xpath("//@id")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for control in page.xpath("//main//input[@type!='hidden'] | //main//select | //main//textarea"):
        assert page.xpath(f"//label[@for='{control.get('id')}']"), control.get("name")
    return page


def version_on(page: Any, action: str | None = None) -> str:
    """The `version` field of the form posting to `action` (None: of the one form on the page that has one)."""
    form = f"//form[@action='{action}']" if action is not None else "//form"
    return str(one(page, f"{form}//input[@name='version']").get("value"))


def error_beside(page: Any, name: str) -> str:
    """The error the kit shows beside the field `name`, tied to what it describes."""
    error_id = "field-" + name.replace(".", "-") + "-error"
    described = page.xpath(f"//*[contains(concat(' ', normalize-space(@aria-describedby), ' '), ' {error_id} ')]")
    assert described, f"no control is described by #{error_id}"
    return text(one(page, f"//*[@id='{error_id}']"))


def links(page: Any) -> set[str]:
    return {str(href) for href in page.xpath("//main//a/@href")}
