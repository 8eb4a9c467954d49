"""The center's news (お知らせ) and opinion exchange (意見交換) over HTTP, on SQLite and PostgreSQL with real NATS:
every route of the part against every kind of caller (a table checked to cover each of its operations), bad input
refused naming the field and storing nothing, If-Match on changes, drafts hidden from everyone but the center, and
sealed opinions read by their own group and the center only until the close publishes them with the groups' names.
Groups come into info-hub's directory from the registry's stream.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from kyodo_info_hub.news_app import PUBLISH_TIMER
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.tasks.timers import timer_id_for

from support.calls import coordinator, ok
from support.harness import Platform, eventually
from support.info_hub_news import (
    Hub,
    attachment_body,
    center_events,
    hub_now,
    hub_platform,
    move_hub_clock,
    news_at,
    news_body,
    refused,
    topic_at,
    topic_body,
)

CALLERS: dict[str, tuple[str, ...]] = {
    "group": ("rep-1", "group"),
    "other_group": ("rep-2", "group"),
    "staff": ("staff-1", "staff"),
    # A department's liaison is city staff by token; this part asks nothing more of one.
    "liaison": ("liaison-1", "staff"),
    "coordinator": ("coord-1", "coordinator"),
    "auditor": ("auditor-1", "auditor"),
}
EVERYONE = ("nobody", *CALLERS)


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=["sqlite", "postgres"])
async def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_url: str
) -> AsyncIterator[Hub]:
    async with hub_platform(request, tmp_path_factory, nats_url) as h:
        yield h


# --- every route × every kind of caller --------------------------------------------------------------------------

Row = tuple[str, str, str, str, int, str | None]

COORDINATOR_ROUTES: list[tuple[str, str, str, int]] = [
    ("POST", "/news", "", 201),
    ("PUT", "/news/{news_id}", "draft", 200),
    ("POST", "/news/{news_id}/attachments", "draft", 201),
    ("DELETE", "/news/{news_id}/attachments/{sha256}", "attached", 200),
    ("PUT", "/news/{news_id}/schedule", "draft", 200),
    ("DELETE", "/news/{news_id}/schedule", "scheduled", 200),
    ("POST", "/news/{news_id}/publication", "draft", 200),
    ("POST", "/news/{news_id}/corrections", "published", 200),
    ("POST", "/news/{news_id}/withdrawal", "published", 200),
    ("POST", "/exchange/topics", "", 201),
    ("PUT", "/exchange/topics/{topic_id}", "topic_draft", 200),
    ("POST", "/exchange/topics/{topic_id}/publication", "topic_draft", 200),
]
PUBLIC_ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/news", ""),
    ("GET", "/news.atom", ""),
    ("GET", "/news/{news_id}", "published"),
    ("GET", "/news/{news_id}/attachments/{sha256}", "published"),
    ("GET", "/exchange/topics", ""),
    ("GET", "/exchange/topics/{topic_id}", "topic_open"),
]


def rows() -> list[Row]:
    table: list[Row] = []
    for method, path, stage, status in COORDINATOR_ROUTES:
        for who in EVERYONE:
            expected = (status, None) if who == "coordinator" else (403, "forbidden_role")
            table.append((method, path, stage, who, *(expected if who != "nobody" else (401, "missing_token"))))
    for method, path, stage in PUBLIC_ROUTES:
        table.extend((method, path, stage, who, 200, None) for who in EVERYONE)
    # Drafts are the center's: to anyone else as if they did not exist.
    for method, path, stage, code in (
        ("GET", "/news/{news_id}", "draft", "news_not_found"),
        ("GET", "/news/{news_id}/attachments/{sha256}", "attached", "news_not_found"),
        ("GET", "/exchange/topics/{topic_id}", "topic_draft", "exchange_topic_not_found"),
    ):
        table.extend(
            (method, path, stage, who, *((200, None) if who == "coordinator" else (404, code))) for who in EVERYONE
        )
    opinion = "/exchange/topics/{topic_id}/opinions/{group_id}"
    for who in EVERYONE:
        opinion_expected: tuple[int, str | None] = {
            "nobody": (401, "missing_token"),
            "group": (200, None),
            "other_group": (403, "not_acting_for_group"),
        }.get(who, (403, "forbidden_role"))
        table.append(("PUT", opinion, "topic_open", who, *opinion_expected))
        answer = {"nobody": (401, "missing_token"), "coordinator": (201, None), "staff": (201, None)}
        answer["liaison"] = (201, None)
        table.append(("PUT", opinion + "/answer", "topic_closed", who, *answer.get(who, (403, "forbidden_role"))))
    return table


ROWS = rows()


def body_for(p: Platform, method: str, path: str) -> dict[str, Any] | None:
    if method in ("GET", "DELETE") or path.endswith("/publication"):
        return None
    if path.endswith("/attachments"):
        return attachment_body(b"%PDF-1.4 " + uuid.uuid4().bytes)
    if path.endswith("/schedule"):
        return {"publish_at": (hub_now(p) + timedelta(days=3)).isoformat()}
    if path.endswith("/corrections"):
        return {"title_ja": "ボランティア募集", "body_ja": "訂正後の本文", "note_ja": "日時を訂正しました"}
    if path.endswith("/withdrawal"):
        return {"reason_ja": "募集を終了しました"}
    if path.endswith("/answer"):
        return {"answer_ja": "市の考え方です。"}
    if "/opinions/" in path:
        return {"opinion_ja": "意見です。"}
    if path.startswith("/exchange"):
        return topic_body(p)
    return news_body()


async def subjects(h: Hub, stages: set[str]) -> dict[str, list[dict[str, Any]]]:
    """One fresh subject per row in each stage (a 2xx row changes its subject); closed topics are closed together
    by moving info-hub's clock past their period once each has the group's opinion."""
    p, hub = h.p, h.p.clients["info-hub"]
    per_stage = {s: sum(1 for r in ROWS if r[2] == s) for s in stages}
    made: dict[str, list[dict[str, Any]]] = {}
    for stage, count in per_stage.items():
        if stage.startswith("topic_"):
            kind = "published" if stage in ("topic_open", "topic_closed") else "draft"
            lasts = timedelta(hours=1) if stage == "topic_closed" else timedelta(days=30)
            made[stage] = [await topic_at(p, kind, lasts=lasts) for _ in range(count)]
        elif stage:
            made[stage] = [await news_at(p, stage) for _ in range(count)]
    for topic in made.get("topic_closed", []):
        await ok(
            hub.put(
                f"/exchange/topics/{topic['id']}/opinions/{h.groups['みどりの会']}",
                json={"opinion_ja": "みどりの会の意見"},
                headers=p.token("rep-1", "group"),
            )
        )
    if made.get("topic_closed"):
        move_hub_clock(p, timedelta(hours=2))

        async def all_closed() -> bool:
            for topic in made["topic_closed"]:
                read = await hub.get(f"/exchange/topics/{topic['id']}")
                if read.json()["status"] != "closed":
                    return False
            return True

        await eventually(all_closed, timeout=30)
    return made


async def test_every_route_answers_each_kind_of_caller_as_its_rules_say(hub: Hub) -> None:
    p = hub.p
    client = p.clients["info-hub"]
    spec = (await ok(client.get("/openapi.json"))).json()
    operations = {
        (m.upper(), path) for path, ops in spec["paths"].items() for m in ops if path.startswith(("/news", "/exchange"))
    }
    covered = {(method, path) for method, path, *_ in ROWS}
    assert operations - covered == set(), "routes missing from the table"
    assert covered - operations == set(), "the table names routes the service does not have"
    assert operations - {(m, path) for m, path, _, _, status, _ in ROWS if status < 300} == set()
    anonymous = {(m, path) for m, path, _, who, status, _ in ROWS if who == "nobody" and status in (200, 401)}
    assert operations - anonymous == set(), "every route says what a caller without a token gets"

    made = await subjects(hub, {r[2] for r in ROWS})
    wrong: list[tuple[Any, ...]] = []
    for method, path, stage, who, status, code in ROWS:
        subject = made[stage].pop() if stage else {}
        headers: dict[str, str] = {"If-Match": f'"{subject["version"]}"'} if subject else {}
        if who != "nobody":
            sub, *roles = CALLERS[who]
            headers.update(p.token(sub, *roles))
        attachments = subject.get("attachments") or [{"sha256": "0" * 64}]
        url = path.format(
            news_id=subject.get("id"),
            topic_id=subject.get("id"),
            sha256=attachments[0]["sha256"],
            group_id=hub.groups["みどりの会"],
        )
        body = body_for(p, method, path)
        before = center_events(p)
        response = await client.request(method, url, headers=headers, json=body)
        problem = response.headers["content-type"].startswith("application/problem+json")
        answered = (response.status_code, response.json()["code"] if problem else None)
        if answered != (status, code):
            wrong.append((method, path, stage, who, (status, code), answered, response.text[:300]))
        elif status >= 300 and center_events(p) != before:
            wrong.append((method, path, stage, who, "stored something although refused"))
    assert wrong == []


# --- bad input, If-Match, lists ------------------------------------------------------------------------------------


async def test_bad_input_is_refused_naming_the_field_and_stores_nothing(hub: Hub) -> None:
    p = hub.p
    client, who = p.clients["info-hub"], coordinator(p)
    draft = await news_at(p, "draft")
    news_url, match = f"/news/{draft['id']}", {**who, "If-Match": f'"{draft["version"]}"'}
    before = center_events(p)
    refused(
        await client.post("/news", json=news_body(category="sports"), headers=who),
        422,
        "validation_failed",
        "category enum",
    )
    refused(
        await client.post("/news", json=news_body(title_ja="  "), headers=who),
        422,
        "validation_failed",
        "title_ja string_too_short",
    )
    refused(
        await client.post("/news", json=news_body(colour="red"), headers=who),
        422,
        "validation_failed",
        "colour extra_forbidden",
    )
    refused(
        await client.post(f"{news_url}/attachments", json=attachment_body(media_type="application/zip"), headers=match),
        422,
        "validation_failed",
        "media_type news_attachment_type",
    )
    refused(
        await client.post(f"{news_url}/attachments", json=attachment_body(content_base64="***"), headers=match),
        422,
        "validation_failed",
        "content_base64 news_attachment_base64",
    )
    refused(
        await client.put(f"{news_url}/schedule", json={"publish_at": "2030-01-01T09:00:00"}, headers=match),
        422,
        "validation_failed",
        "publish_at timezone_aware",
    )
    refused(
        await client.put(f"{news_url}/schedule", json={"publish_at": "2020-01-01T09:00:00+09:00"}, headers=match),
        422,
        "news_publish_at_past",
        "publish_at news_publish_at_past",
    )
    body = topic_body(p)
    body["closes_at"] = body["opens_at"]
    refused(
        await client.post("/exchange/topics", json=body, headers=who),
        422,
        "exchange_period_invalid",
        "closes_at exchange_period_invalid",
    )
    assert center_events(p) == before, "a refused request stores nothing"
    assert (await ok(client.get(news_url, headers=who))).json()["version"] == draft["version"]


async def test_a_change_needs_the_version_read_and_a_stale_one_is_refused(hub: Hub) -> None:
    p = hub.p
    client, who = p.clients["info-hub"], coordinator(p)
    draft = await news_at(p, "draft")
    url = f"/news/{draft['id']}"
    refused(await client.put(url, json=news_body(), headers=who), 428, "precondition_required")
    revised = await ok(
        client.put(url, json=news_body(title_ja="改題"), headers={**who, "If-Match": f'"{draft["version"]}"'})
    )
    assert revised.headers["ETag"] == f'"{draft["version"] + 1}"'
    refused(
        await client.put(url, json=news_body(), headers={**who, "If-Match": f'"{draft["version"]}"'}),
        412,
        "precondition_failed",
    )
    refused(
        await client.put(f"/news/{uuid.uuid4()}", json=news_body(), headers={**who, "If-Match": '"1"'}),
        404,
        "news_not_found",
    )


async def test_a_time_no_longer_scheduled_has_its_timer_cancelled(hub: Hub) -> None:
    p = hub.p
    client, who = p.clients["info-hub"], coordinator(p)
    timers = p.apps["info-hub"].state.kernel.timers
    item = await news_at(p, "scheduled")
    first = timer_id_for(PUBLISH_TIMER, item["id"], datetime.fromisoformat(item["publish_at"]))
    assert timers.state_of(first) == "pending"
    later = (datetime.fromisoformat(item["publish_at"]) + timedelta(days=1)).isoformat()
    url, match = f"/news/{item['id']}", {**who, "If-Match": f'"{item["version"]}"'}
    moved = (await ok(client.put(f"{url}/schedule", json={"publish_at": later}, headers=match))).json()
    second = timer_id_for(PUBLISH_TIMER, item["id"], datetime.fromisoformat(later))
    assert (timers.state_of(first), timers.state_of(second)) == ("cancelled", "pending")
    now = await ok(client.post(f"{url}/publication", headers={**who, "If-Match": f'"{moved["version"]}"'}))
    assert now.json()["status"] == "published"
    assert timers.state_of(second) == "cancelled"


async def test_lists_show_the_published_newest_first_and_drafts_to_the_center_only(hub: Hub) -> None:
    p = hub.p
    client, who = p.clients["info-hub"], coordinator(p)
    first = await news_at(p, "published")
    second = await news_at(p, "published")
    draft = await news_at(p, "draft")

    async def listed() -> list[str]:
        page = (await ok(client.get("/news", params={"per_page": 100}))).json()
        return [i["id"] for i in page["items"]]

    ids = await eventually(lambda: _has(listed, second["id"]), timeout=15)
    assert ids.index(second["id"]) < ids.index(first["id"]), "newest first"
    assert draft["id"] not in ids
    refused(await client.get("/news", params={"status": "draft"}), 403, "coordinator_only")
    refused(
        await client.get("/news", params={"status": "draft"}, headers=p.token("rep-1", "group")),
        403,
        "coordinator_only",
    )

    async def drafts() -> list[str]:
        page = (await ok(client.get("/news", params={"status": "draft", "per_page": 100}, headers=who))).json()
        return [i["id"] for i in page["items"]]

    await eventually(lambda: _has(drafts, draft["id"]), timeout=15)
    grant = (await ok(client.post("/news", json=news_body(category="grant"), headers=who), 201)).json()
    await ok(client.post(f"/news/{grant['id']}/publication", headers={**who, "If-Match": f'"{grant["version"]}"'}))

    async def grants() -> list[str]:
        page = (await ok(client.get("/news", params={"category": "grant", "per_page": 100}))).json()
        assert all(i["category"] == "grant" for i in page["items"])
        assert page["total"] == len(page["items"])
        return [i["id"] for i in page["items"]]

    filtered = await eventually(lambda: _has(grants, grant["id"]), timeout=15)
    assert second["id"] not in filtered, "a recruitment item is not a grant"


async def _has(read: Any, item: str) -> list[str] | None:
    ids: list[str] = await read()
    return ids if item in ids else None


async def test_opinions_are_sealed_until_the_close_then_public_with_the_groups_names_and_answers(hub: Hub) -> None:
    p = hub.p
    client = p.clients["info-hub"]
    g1, g2 = hub.groups["みどりの会"], hub.groups["ひかりの会"]
    topic = await topic_at(p, "published", lasts=timedelta(hours=1))
    url = f"/exchange/topics/{topic['id']}"
    rep1, rep2 = p.token("rep-1", "group"), p.token("rep-2", "group")
    await ok(client.put(f"{url}/opinions/{g1}", json={"opinion_ja": "最初の意見"}, headers=rep1))
    await ok(client.put(f"{url}/opinions/{g1}", json={"opinion_ja": "差し替えた意見"}, headers=rep1))
    await ok(client.put(f"{url}/opinions/{g2}", json={"opinion_ja": "ひかりの会の意見"}, headers=rep2))
    refused(
        await client.put(f"{url}/opinions/{g1}/answer", json={"answer_ja": "早すぎる"}, headers=coordinator(p)),
        409,
        "exchange_topic_not_closed",
    )

    async def seen(headers: dict[str, str]) -> list[tuple[str, str]]:
        body = (await ok(client.get(url, headers=headers))).json()
        return [(o["group_id"], o["opinion_ja"]) for o in body["opinions"]]

    assert await seen({}) == []
    assert await seen(p.token("staff-1", "staff")) == []
    assert await seen(rep1) == [(g1, "差し替えた意見")]
    assert await seen(rep2) == [(g2, "ひかりの会の意見")]
    assert sorted(await seen(coordinator(p))) == sorted([(g1, "差し替えた意見"), (g2, "ひかりの会の意見")])

    move_hub_clock(p, timedelta(hours=2))
    closed = await eventually(lambda: _closed(client, url), timeout=30)
    assert sorted((o["group_name"], o["opinion_ja"]) for o in closed["opinions"]) == [
        ("ひかりの会", "ひかりの会の意見"),
        ("みどりの会", "差し替えた意見"),
    ]
    refused(
        await client.put(f"{url}/opinions/{g1}", json={"opinion_ja": "遅い"}, headers=rep1),
        409,
        "exchange_period_not_open",
    )
    await ok(
        client.put(
            f"{url}/opinions/{g1}/answer", json={"answer_ja": "市の考え方"}, headers=p.token("staff-1", "staff")
        ),
        201,
    )
    refused(
        await client.put(f"{url}/opinions/{g1}/answer", json={"answer_ja": "再"}, headers=coordinator(p)),
        409,
        "exchange_already_answered",
    )
    answered = (await ok(client.get(url))).json()
    by_group = {o["group_id"]: o for o in answered["opinions"]}
    assert by_group[g1]["answer"]["answer_ja"] == "市の考え方"
    assert by_group[g2]["answer"] is None


async def _closed(client: httpx.AsyncClient, url: str) -> dict[str, Any] | None:
    body: dict[str, Any] = (await client.get(url)).json()
    return body if body["status"] == "closed" else None


async def test_the_audit_history_shows_drafts_to_the_center_and_a_sealed_opinion_to_auditors_only(hub: Hub) -> None:
    p = hub.p
    client, auditor = p.clients["info-hub"], p.token("auditor-1", "auditor")
    item = await news_at(p, "published")
    topic = await topic_at(p, "published")
    opinion = {"opinion_ja": "監査で見える意見"}
    await ok(
        client.put(
            f"/exchange/topics/{topic['id']}/opinions/{hub.groups['みどりの会']}",
            json=opinion,
            headers=p.token("rep-1", "group"),
        )
    )
    shown: dict[str, dict[str, Any]] = {}
    for kind, aggregate in (
        ("info-hub.News.Drafted", item["id"]),
        ("info-hub.News.Published", item["id"]),
        ("info-hub.Topic.Drafted", topic["id"]),
        ("info-hub.Topic.OpinionSubmitted", topic["id"]),
    ):
        query = {"type": kind, "aggregate": aggregate}
        items = (await ok(client.get("/audit/events", params=query, headers=auditor))).json()["items"]
        assert [(i["type"], isinstance(i["body"], dict)) for i in items] == [(kind, True)], items
        shown[kind] = items[0]

    visibility, now = p.apps["info-hub"].state.kernel.visibility, datetime.now(UTC)
    callers = [
        Principal("rep-1", frozenset({Role.GROUP})),
        Principal("staff-1", frozenset({Role.STAFF})),
        Principal("coord-1", frozenset({Role.COORDINATOR})),
        Principal("auditor-1", frozenset({Role.AUDITOR})),
    ]

    def sees(kind: str) -> list[bool]:
        shown_item = shown[kind]
        rendered = [visibility.render(shown_item["topic"], shown_item["body"], who, now) for who in callers]
        assert all(r in ("[restricted]", shown_item["body"]) for r in rendered)
        return [r == shown_item["body"] for r in rendered]

    assert sees("info-hub.News.Drafted") == [False, False, True, True]
    assert sees("info-hub.Topic.Drafted") == [False, False, True, True]
    assert sees("info-hub.News.Published") == [True, True, True, True]
    assert sees("info-hub.Topic.OpinionSubmitted") == [False, False, False, True]


async def test_groups_submitting_at_once_each_keep_their_own_latest_opinion(hub: Hub) -> None:
    p = hub.p
    client = p.clients["info-hub"]
    topic = await topic_at(p, "published")
    url = f"/exchange/topics/{topic['id']}/opinions"
    writers = [(hub.groups["みどりの会"], "rep-1"), (hub.groups["ひかりの会"], "rep-2")]
    rounds = 6
    answers = await asyncio.gather(
        *[
            client.put(f"{url}/{group}", json={"opinion_ja": f"{rep} 第{n}稿"}, headers=p.token(rep, "group"))
            for n in range(rounds)
            for group, rep in writers
        ]
    )
    assert [a.status_code for a in answers] == [200] * rounds * len(writers), [
        a.text for a in answers if a.status_code != 200
    ]
    center = (await ok(client.get(f"/exchange/topics/{topic['id']}", headers=coordinator(p)))).json()
    assert sorted(o["group_id"] for o in center["opinions"]) == sorted(g for g, _ in writers)
    assert center["version"] == 2 + rounds * len(writers), "every submission stored, none lost to a race"
