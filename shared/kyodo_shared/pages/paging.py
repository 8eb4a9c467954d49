"""Page links for lists in the kernel's convention (`web/pagination.py`: `?page=` from 1, `?per_page=`,
`{items, total, page, per_page}`), for `kit/pagination.html`.

The links keep the request's other query parameters (a search, its filters), so paging never loses them; the
page numbers shown are the first, the last, and a window around the current one, with gaps between.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from kyodo_shared.web.pagination import DEFAULT_PER_PAGE, last_page


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap ("…") between shown numbers
    href: str | None
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    page: int
    per_page: int
    total: int
    last: int
    first_item: int  # 1-based positions of the items on this page (0 and 0 when there are none)
    last_item: int
    prev: str | None
    next: str | None
    links: tuple[PageLink, ...]

    @property
    def needed(self) -> bool:
        """Whether there is more than one page to move between."""
        return self.last > 1 or self.page > 1


def page_href(path: str, query: list[tuple[str, str]], page: int, per_page: int) -> str:
    kept = [(k, v) for k, v in query if k not in ("page", "per_page")]
    if per_page != DEFAULT_PER_PAGE:
        kept.append(("per_page", str(per_page)))
    if page != 1:
        kept.append(("page", str(page)))
    return path + (f"?{urlencode(kept, quote_via=quote)}" if kept else "")


def pagination(
    path: str, query: list[tuple[str, str]], page: int, per_page: int, total: int, window: int = 2
) -> Pagination:
    """The links for page `page` of `total` items at `per_page` a page, at `path` with `query`'s other parameters."""
    last = last_page(total, per_page)

    def href(number: int) -> str:
        return page_href(path, query, number, per_page)

    shown = sorted({1, last, *range(max(1, page - window), min(last, page + window) + 1)})
    links: list[PageLink] = []
    for number in shown:
        if links and links[-1].number is not None and number - links[-1].number > 1:
            links.append(PageLink(None, None))
        links.append(PageLink(number, href(number), number == page))
    first_item = min(total, (page - 1) * per_page + 1) if total and page <= last else 0
    last_item = min(total, page * per_page) if first_item else 0
    return Pagination(
        page=page,
        per_page=per_page,
        total=total,
        last=last,
        first_item=first_item,
        last_item=last_item,
        # From beyond the end, "previous" leads back to the last page with items (as the API's Link header does).
        prev=href(min(page - 1, last)) if page > 1 else None,
        next=href(page + 1) if page < last else None,
        links=tuple(links),
    )


def pagination_for(request: Request, listing: Any, window: int = 2) -> Pagination:
    """The links for a list body (a `Page` model or its dict) on this request's page."""
    values: Mapping[str, Any] = listing if isinstance(listing, Mapping) else vars(listing)
    return pagination(
        request.url.path,
        list(request.query_params.multi_items()),
        int(values["page"]),
        int(values["per_page"]),
        int(values["total"]),
        window,
    )


@pass_context
def _paginate(context: Context, listing: Any, window: int = 2) -> Pagination:
    return pagination_for(context["request"], listing, window)


def register(env: Environment) -> None:
    env.globals["paginate"] = _paginate
