"""Unit tests of the one list convention: page/per_page, total in the body, RFC 8288 Link headers."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from kyodo_shared.web.pagination import LINK_HEADER, MAX_PAGE, Page, Paging, last_page, paginated

ITEMS = [f"item-{n:03d}" for n in range(45)]


class ItemPage(Page[str]):
    pass


def list_app() -> FastAPI:
    app = FastAPI()

    @app.get("/api/things", response_model=ItemPage, responses=LINK_HEADER)
    def things(request: Request, response: Response, paging: Paging, q: str = "") -> Any:
        matching = [item for item in ITEMS if q in item]
        chosen = matching[paging.offset : paging.offset + paging.limit]
        return paginated(request, response, paging, ItemPage, chosen, len(matching))

    return app


async def get(query: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=list_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(f"/api/things{query}")


def links(response: httpx.Response) -> dict[str, str]:
    """rel → target, resolved against the request's URL as a client must (RFC 3986 §5)."""
    found = re.findall(r'<([^>]*)>; rel="([a-z]+)"', response.headers["link"])
    return {rel: str(response.request.url.join(target)) for target, rel in found}


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


async def test_a_middle_page_links_to_first_prev_next_and_last() -> None:
    response = await get("?page=2&per_page=10")
    assert response.json() == {"items": ITEMS[10:20], "total": 45, "page": 2, "per_page": 10}
    assert links(response) == {
        "first": "http://test/api/things?page=1&per_page=10",
        "prev": "http://test/api/things?page=1&per_page=10",
        "next": "http://test/api/things?page=3&per_page=10",
        "last": "http://test/api/things?page=5&per_page=10",
    }


async def test_the_first_page_has_no_prev_and_the_last_no_next() -> None:
    first = links(await get(""))
    assert set(first) == {"first", "next", "last"}
    assert query_of(first["last"]) == [("page", "3"), ("per_page", "20")]
    assert set(links(await get("?page=3"))) == {"first", "prev", "last"}


async def test_an_empty_list_has_one_page() -> None:
    response = await get("?q=nothing-like-this")
    assert response.json() == {"items": [], "total": 0, "page": 1, "per_page": 20}
    assert set(links(response)) == {"first", "last"}
    assert query_of(links(response)["last"])[-2:] == [("page", "1"), ("per_page", "20")]


async def test_beyond_the_end_prev_leads_back_to_the_last_page() -> None:
    response = await get("?page=9&per_page=10")
    assert response.json()["items"] == []
    assert query_of(links(response)["prev"]) == [("page", "5"), ("per_page", "10")]
    assert "next" not in links(response)


async def test_the_other_query_parameters_are_kept_and_encoded() -> None:
    response = await get("?q=item-0&extra=a%2Cb%3B%3Cc%3E&extra=%E3%81%93%E3%81%8F&page=1&per_page=5")
    header = response.headers["link"]
    assert header.isascii()
    assert query_of(links(response)["next"]) == [
        ("q", "item-0"),
        ("extra", "a,b;<c>"),
        ("extra", "こく"),
        ("page", "2"),
        ("per_page", "5"),
    ]


async def test_following_next_walks_every_item_once() -> None:
    seen: list[str] = []
    response = await get("?per_page=7")
    while True:
        seen += response.json()["items"]
        following = links(response).get("next")
        if following is None:
            break
        response = await get("?" + urlsplit(following).query)
    assert seen == ITEMS


@pytest.mark.parametrize("query", ["?page=0", f"?page={MAX_PAGE + 1}", "?per_page=0", "?per_page=101", "?page=x"])
async def test_out_of_range_paging_is_refused(query: str) -> None:
    assert (await get(query)).status_code == 422


async def test_at_most_100_per_page_and_20_by_default() -> None:
    assert (await get("?per_page=100")).json()["per_page"] == 100
    assert (await get("")).json()["per_page"] == 20


def test_the_last_page_never_points_past_the_deepest_page_a_request_may_ask_for() -> None:
    assert last_page(0, 20) == 1
    assert last_page(40, 20) == 2
    assert last_page(41, 20) == 3
    assert last_page(10**9, 1) == MAX_PAGE


def test_the_link_header_is_documented_in_openapi() -> None:
    operation = list_app().openapi()["paths"]["/api/things"]["get"]
    assert "Link" in operation["responses"]["200"]["headers"]
    assert {p["name"] for p in operation["parameters"]} == {"page", "per_page", "q"}
