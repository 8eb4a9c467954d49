"""Control characters in the center's news and opinion exchange texts, over HTTP on SQLite and PostgreSQL with real
NATS: a vertical tab (what a word processor writes for Shift+Enter) or a NUL is refused naming the field, and nothing
is stored — such a character would make the Atom feed unwritable, and PostgreSQL's text columns refuse a NUL (the
projection would stop on it). The kernel's request base refuses them; this checks the part's bodies use it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from support.calls import coordinator, ok
from support.info_hub_news import Hub, center_events, hub_platform, news_at, news_body, refused, topic_at, topic_body


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=["sqlite", "postgres"])
async def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_url: str
) -> AsyncIterator[Hub]:
    async with hub_platform(request, tmp_path_factory, nats_url) as h:
        yield h


async def test_a_control_character_in_a_text_is_refused_naming_the_field_and_nothing_is_stored(hub: Hub) -> None:
    p = hub.p
    client, who = p.clients["info-hub"], coordinator(p)
    published = await news_at(p, "published")
    topic = await topic_at(p, "published")
    match = {**who, "If-Match": f'"{published["version"]}"'}
    before = center_events(p)
    for response, field in (
        (await client.post("/news", json=news_body(title_ja="改行\x0bあり"), headers=who), "title_ja"),
        (await client.post("/news", json=news_body(body_ja="本\x00文"), headers=who), "body_ja"),
        (
            await client.post(
                f"/news/{published['id']}/corrections",
                json={"title_ja": "題", "body_ja": "本文", "note_ja": "訂正\x0c"},
                headers=match,
            ),
            "note_ja",
        ),
        (await client.post("/exchange/topics", json=topic_body(p) | {"title_ja": "題\x00名"}, headers=who), "title_ja"),
        (
            await client.put(
                f"/exchange/topics/{topic['id']}/opinions/{hub.groups['みどりの会']}",
                json={"opinion_ja": "意見\x0bです"},
                headers=p.token("rep-1", "group"),
            ),
            "opinion_ja",
        ),
    ):
        problem = refused(response, 422, "validation_failed", f"{field} control_character")
        assert problem["errors"][0]["reason_ja"].startswith("使用できない制御文字")
    assert center_events(p) == before, "a refused request stores nothing"
    feed = await ok(client.get("/news.atom"))
    assert feed.headers["content-type"].startswith("application/atom+xml")
