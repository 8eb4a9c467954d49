"""Lists: one convention for every list route of every service.

`?page=` (from 1) and `?per_page=` (1–100, default 20) choose the page; the body is `{items, total, page,
per_page}`; an RFC 8288 `Link` header names the `first`, `prev`, `next` and `last` pages. Its targets are relative
references holding only a query (`<?q=…&page=2&per_page=20>`): they resolve against the request's own URL
(RFC 3986 §5), so they stay right behind any proxy or path prefix, and they keep the request's other parameters.

A route applies it in two lines:

    @router.get("", response_model=GroupPage, responses=LINK_HEADER)
    def groups(request: Request, response: Response, paging: Paging, q: str = "") -> Any:
        items, total = application(request).groups(q=q, offset=paging.offset, limit=paging.limit)
        return paginated(request, response, paging, GroupPage, items, total)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Deeper pages make the database walk past every earlier row on each request; past this, narrow the query.
MAX_PAGE = 10_000

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def limit(self) -> int:
        return self.per_page


def page_request(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description=f"Items per page, at most {MAX_PER_PAGE}.")
    ] = DEFAULT_PER_PAGE,
) -> PageRequest:
    return PageRequest(page=page, per_page=per_page)


# A route's parameter `paging: Paging` reads and validates `page` and `per_page` (422 when out of range).
Paging = Annotated[PageRequest, Depends(page_request)]


class Page(BaseModel, Generic[T]):
    """The body of every list; subclass it per item type (`class GroupPage(Page[GroupEntry])`) to name it."""

    items: list[T]
    total: int = Field(description="How many items match, over all pages.")
    page: int
    per_page: int


PageT = TypeVar("PageT", bound=Page[Any])

# For a list route's `responses=`: documents the Link header in its OpenAPI description.
LINK_HEADER: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "Link": {
                "description": 'RFC 8288 links to the first, prev, next and last pages (rel="…"), as references '
                "relative to the request URL that keep its other query parameters.",
                "schema": {"type": "string"},
            }
        }
    }
}


def last_page(total: int, per_page: int) -> int:
    """The last page holding items (1 for an empty list), never past the deepest page a request may ask for."""
    return min(MAX_PAGE, max(1, -(-total // per_page)))


def link_header(request: Request, paging: PageRequest, total: int) -> str:
    """The `Link` value for this page of `total` items."""
    last = last_page(total, paging.per_page)
    targets = [("first", 1)]
    if paging.page > 1:
        # From beyond the end, "prev" leads back to the last page that has items.
        targets.append(("prev", min(paging.page - 1, last)))
    if paging.page < last:
        targets.append(("next", paging.page + 1))
    targets.append(("last", last))
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]
    # Percent-encoding every parameter keeps the header ASCII and free of `<`, `>`, `,` and `;` whatever was sent.
    return ", ".join(
        f'<?{urlencode([*kept, ("page", str(n)), ("per_page", str(paging.per_page))], quote_via=quote)}>; rel="{rel}"'
        for rel, n in targets
    )


def paginated(
    request: Request, response: Response, paging: PageRequest, model: type[PageT], items: Sequence[Any], total: int
) -> PageT:
    """The body of a list page (as `model`, a `Page` subclass) with its `Link` header set on `response`."""
    response.headers["Link"] = link_header(request, paging, total)
    return model(items=list(items), total=total, page=paging.page, per_page=paging.per_page)
