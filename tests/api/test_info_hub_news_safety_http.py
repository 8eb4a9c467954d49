"""The center's news and opinion exchange kept safe over HTTP, on SQLite and PostgreSQL with real NATS: a time
scheduled again after a change of mind is published by its timer, far-off times are refused naming the field and
storing nothing, an attachment must be what its type and name say, a download is named safely
and cached as its item allows, nobody but the center can count sealed submissions, an opinion at the very close is
refused, and a withdrawn item is listed as withdrawn without its body or files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio

from kyodo_shared.domain.actors import Principal, Role

from support.calls import coordinator, ok
from support.harness import Platform, eventually
from support.info_hub_news import (
    PDF,
    Hub,
    attachment_body,
    center_events,
    hub_now,
    hub_platform,
    move_hub_clock,
    news_at,
    refused,
    topic_at,
    topic_body,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FAR = "9999-12-31T23:00:00-12:00"


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=["sqlite", "postgres"])
async def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_url: str
) -> AsyncIterator[Hub]:
    async with hub_platform(request, tmp_path_factory, nats_url) as h:
        yield h


def match(p: Platform, item: dict[str, Any]) -> dict[str, str]:
    return {**coordinator(p), "If-Match": f'"{item["version"]}"'}


async def test_a_time_scheduled_again_after_a_change_of_mind_is_published_by_its_timer(hub: Hub) -> None:
    p = hub.p
    client = p.clients["info-hub"]
    t1, t2 = hub_now(p) + timedelta(hours=1), hub_now(p) + timedelta(days=2)
    undone, moved_back = await news_at(p, "draft"), await news_at(p, "draft")
    for item, times in ((undone, (t1, None, t1)), (moved_back, (t1, t2, t1))):
        url = f"/news/{item['id']}/schedule"
        for at in times:
            if at is None:
                item = (await ok(client.delete(url, headers=match(p, item)))).json()
                assert item["status"] == "draft"
            else:
                item = (await ok(client.put(url, json={"publish_at": at.isoformat()}, headers=match(p, item)))).json()
                assert (item["status"], datetime.fromisoformat(item["publish_at"])) == ("scheduled", at)

    move_hub_clock(p, timedelta(hours=3))

    async def published() -> list[str] | None:
        statuses = [
            (await ok(client.get(f"/news/{i['id']}", headers=coordinator(p)))).json()["status"]
            for i in (undone, moved_back)
        ]
        return statuses if statuses == ["published", "published"] else None

    assert await eventually(published, timeout=30), "each published by the timer of the time scheduled again"


async def test_far_off_times_are_refused_naming_the_field_and_storing_nothing(hub: Hub) -> None:
    p = hub.p
    client, who = p.clients["info-hub"], coordinator(p)
    draft = await news_at(p, "draft")
    before = center_events(p)
    refused(
        await client.put(f"/news/{draft['id']}/schedule", json={"publish_at": FAR}, headers=match(p, draft)),
        422,
        "validation_failed",
        "publish_at time_out_of_range",
    )
    problem = refused(
        await client.post("/exchange/topics", json=topic_body(p) | {"closes_at": FAR}, headers=who),
        422,
        "validation_failed",
        "closes_at time_out_of_range",
    )
    assert "5年" in problem["errors"][0]["reason_ja"]
    assert center_events(p) == before, "a refused request stores nothing"


def office(part: str, *, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}document.xml", "<doc/>")
        if macros:
            archive.writestr(f"{part}vbaProject.bin", b"macro")
    return buffer.getvalue()


async def test_an_attachment_must_be_what_its_type_and_name_say(hub: Hub) -> None:
    p = hub.p
    client = p.clients["info-hub"]
    draft = await news_at(p, "draft")
    url, headers = f"/news/{draft['id']}/attachments", match(p, draft)
    html = b"<html><script>alert(1)</script></html>"
    before = center_events(p)
    for body, error in (
        (attachment_body(html, filename="a.exe", media_type="image/png"), "filename news_attachment_extension"),
        (
            attachment_body(html, filename="a.png", media_type="image/png"),
            "content_base64 news_attachment_type_mismatch",
        ),
        (attachment_body(html, filename="a.pdf"), "content_base64 news_attachment_type_mismatch"),
        (
            attachment_body(office("word/", macros=True), filename="案内.docx", media_type=DOCX),
            "content_base64 news_attachment_type_mismatch",
        ),
        (
            attachment_body(b"a,b\x00c", filename="a.csv", media_type="text/csv"),
            "content_base64 news_attachment_type_mismatch",
        ),
    ):
        problem = refused(await client.post(url, json=body, headers=headers), 422, "validation_failed", error)
        assert problem["errors"][0]["reason_ja"] != "値が正しくありません", "a reason in Japanese of its own"
    assert center_events(p) == before, "a refused file stores nothing"
    kept = await ok(
        client.post(url, json=attachment_body(office("word/"), filename="案内.docx", media_type=DOCX), headers=headers),
        201,
    )
    assert [a["filename"] for a in kept.json()["attachments"]] == ["案内.docx"]


async def test_a_download_is_named_safely_and_cached_as_its_item_allows(hub: Hub) -> None:
    p = hub.p
    client = p.clients["info-hub"]
    item = await news_at(p, "draft")
    name = "チラシ\"; filename*=UTF-8''evil.html;.pdf"
    content = PDF + b"download"
    item = (
        await ok(
            client.post(
                f"/news/{item['id']}/attachments",
                json=attachment_body(content, filename=name),
                headers=match(p, item),
            ),
            201,
        )
    ).json()
    item = (
        await ok(
            client.post(
                f"/news/{item['id']}/attachments",
                json=attachment_body("名前,人数\n".encode("cp932"), filename="名簿.csv", media_type="text/csv"),
                headers=match(p, item),
            ),
            201,
        )
    ).json()
    pdf, csv = item["attachments"]
    fallback = "______filename__UTF-8__evil.html_.pdf"
    expected = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    draft_file = await ok(client.get(f"/{pdf['url']}", headers=coordinator(p)))
    assert draft_file.content == content
    assert draft_file.headers["content-disposition"] == expected
    assert draft_file.headers["cache-control"] == "private, no-store", "a draft's file is kept by no shared cache"
    await ok(client.post(f"/news/{item['id']}/publication", headers=match(p, item)))
    public = await ok(client.get(f"/{pdf['url']}"))
    assert public.headers["cache-control"] == "public, max-age=300"
    assert (public.headers["content-type"], public.headers["x-content-type-options"]) == ("application/pdf", "nosniff")
    table = await ok(client.get(f"/{csv['url']}"))
    assert table.headers["content-type"] == "text/csv", "no charset claimed for a file that may be CP932"
    assert table.headers["content-disposition"].endswith(f"filename*=UTF-8''{quote('名簿.csv', safe='')}")


async def test_before_the_close_nobody_but_the_center_can_count_the_submissions(hub: Hub) -> None:
    p = hub.p
    client = p.clients["info-hub"]
    topic = await topic_at(p, "published")
    url, group = f"/exchange/topics/{topic['id']}", hub.groups["みどりの会"]
    for n in range(2):
        put = await ok(client.put(f"{url}/opinions/{group}", json={"opinion_ja": f"第{n}稿"}, headers=rep1(p)))
        assert (put.json()["version"], "etag" in put.headers) == (topic["version"], False)
    for headers in ({}, rep1(p), p.token("staff-1", "staff"), p.token("auditor-1", "auditor")):
        read = await ok(client.get(url, headers=headers))
        assert (read.json()["version"], "etag" in read.headers) == (topic["version"], False)
    center = await ok(client.get(url, headers=coordinator(p)))
    assert (center.json()["version"], center.headers["etag"]) == (topic["version"] + 2, f'"{topic["version"] + 2}"')


def rep1(p: Platform) -> dict[str, str]:
    return p.token("rep-1", "group")


async def test_an_opinion_at_the_very_close_is_refused_and_one_just_before_is_taken(hub: Hub) -> None:
    p = hub.p
    client, kernel = p.clients["info-hub"], p.apps["info-hub"].state.kernel
    topic = await topic_at(p, "published", lasts=timedelta(hours=1))
    url, group = f"/exchange/topics/{topic['id']}", hub.groups["みどりの会"]
    closes = datetime.fromisoformat(topic["closes_at"])
    try:
        kernel.clock = lambda: closes - timedelta(milliseconds=1)
        await ok(client.put(f"{url}/opinions/{group}", json={"opinion_ja": "締切直前の意見"}, headers=rep1(p)))
        kernel.clock = lambda: closes
        refused(
            await client.put(f"{url}/opinions/{group}", json={"opinion_ja": "締切ちょうど"}, headers=rep1(p)),
            409,
            "exchange_period_not_open",
        )
    finally:
        move_hub_clock(p, timedelta(0))

    async def closed() -> dict[str, Any] | None:
        body: dict[str, Any] = (await ok(client.get(url))).json()
        return body if body["status"] == "closed" else None

    published = await eventually(closed, timeout=30)
    assert [(o["group_name"], o["opinion_ja"]) for o in published["opinions"]] == [("みどりの会", "締切直前の意見")]

    # The city's answer is public; who gave it (a staff member's sub) and the trace only to the center and auditors.
    await ok(client.put(f"{url}/opinions/{group}/answer", json={"answer_ja": "市の考え方"}, headers=staff(p)), 201)
    query = {"type": "info-hub.Topic.Answered", "aggregate": topic["id"]}
    (event,) = (await ok(client.get("/audit/events", params=query, headers=auditor(p)))).json()["items"]
    visibility, now = kernel.visibility, datetime.now(UTC)
    for who, shown in ((Role.GROUP, False), (Role.STAFF, False), (Role.COORDINATOR, True), (Role.AUDITOR, True)):
        seen = visibility.render(event["topic"], event["body"], Principal("x", frozenset({who})), now)
        assert seen["answer_ja"] == "市の考え方"
        assert (seen["answered_by"] == "staff-1", seen["trace"] == event["body"]["trace"]) == (shown, shown), who


def staff(p: Platform) -> dict[str, str]:
    return p.token("staff-1", "staff")


def auditor(p: Platform) -> dict[str, str]:
    return p.token("auditor-1", "auditor")


async def test_a_withdrawn_item_is_listed_as_withdrawn_without_its_body_or_files(hub: Hub) -> None:
    p = hub.p
    client = p.clients["info-hub"]
    item = await news_at(p, "withdrawn")

    async def withdrawn() -> dict[str, Any] | None:
        page = (await ok(client.get("/news", params={"status": "withdrawn", "per_page": 100}))).json()
        return next((i for i in page["items"] if i["id"] == item["id"]), None)

    listed = await eventually(withdrawn, timeout=15)
    assert (listed["status"], listed["body_ja"], listed["attachments"]) == ("withdrawn", None, [])
    assert listed["withdrawal"]["reason_ja"] == "募集を終了しました"
    published = (await ok(client.get("/news", params={"per_page": 100}))).json()
    assert item["id"] not in [i["id"] for i in published["items"]]
