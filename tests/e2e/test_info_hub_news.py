"""The center's news (お知らせ) and opinion exchange (意見交換) end to end, on SQLite and PostgreSQL with real NATS: a
news item with a file, scheduled and published by its durable timer once info-hub's clock passes the time, corrected
with a note (every revision shown), another withdrawn with its reason; the Atom feed read back by feedparser and
checked for Atom's required elements; a topic whose comment period closes by its timer, publishing the groups'
opinions with their names, then the city's answer; each published contract on info-hub's stream decoded as its
type; and the audit chain verifying clean.
"""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import nats

from kyodo_contracts import Contract, stream_name
from kyodo_contracts import info_hub_news as c
from kyodo_contracts.cloudevents import decode_as
from kyodo_shared.bus.cloudevents import H_TYPE
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.cli import cli_env
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.info_hub_news import (
    PDF,
    attachment_body,
    groups_in_directory,
    hub_now,
    move_hub_clock,
    news_at,
    news_body,
    topic_at,
)
from support.streams import SourceStream

ATOM = "{http://www.w3.org/2005/Atom}"


async def contracts_on_stream(nats_url: str, namespace: str, kind: type[Contract]) -> list[Any]:
    """Every message of info-hub's stream of this contract's type, decoded as it (envelope checked)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = stream_name(namespace, "info-hub")
        last = int((await js.stream_info(name)).state.last_seq)
        found = []
        for seq in range(1, last + 1):
            msg = await js.get_msg(name, seq)
            if (msg.headers or {}).get(H_TYPE) == kind.ce_type():
                _, event = decode_as(kind, msg.headers or {}, msg.data or b"")
                found.append(event)
        return found
    finally:
        await nc.close()


async def scheduled_then_published(p: Platform) -> dict[str, Any]:
    hub, who = p.clients["info-hub"], coordinator(p)
    draft = (
        await ok(hub.post("/news", json=news_body(category="course", title_ja="講座のご案内"), headers=who), 201)
    ).json()
    url = f"/news/{draft['id']}"
    attached = (
        await ok(
            hub.post(
                f"{url}/attachments", json=attachment_body(), headers={**who, "If-Match": f'"{draft["version"]}"'}
            ),
            201,
        )
    ).json()
    (file,) = attached["attachments"]
    at = hub_now(p) + timedelta(hours=1)
    scheduled = (
        await ok(
            hub.put(
                f"{url}/schedule",
                json={"publish_at": at.isoformat()},
                headers={**who, "If-Match": f'"{attached["version"]}"'},
            )
        )
    ).json()
    assert (scheduled["status"], scheduled["published_at"]) == ("scheduled", None)
    # Not out yet: to anyone but the center as if it did not exist, its file too.
    assert (await hub.get(url)).status_code == 404
    assert (await hub.get(f"{url}/attachments/{file['sha256']}")).status_code == 404

    move_hub_clock(p, timedelta(hours=2))

    async def published() -> dict[str, Any] | None:
        answer = await hub.get(url)
        return answer.json() if answer.status_code == 200 else None

    item: dict[str, Any] = await eventually(published, timeout=30)
    assert (item["status"], item["revision"], item["body_ja"]) == ("published", 1, news_body()["body_ja"])
    download = await ok(hub.get(f"{url}/attachments/{file['sha256']}"))
    assert (download.content, download.headers["content-type"]) == (PDF, "application/pdf")
    corrected = (
        await ok(
            hub.post(
                f"{url}/corrections",
                json={
                    "title_ja": "講座のご案内",
                    "body_ja": "会場を第2会議室に変更しました。",
                    "note_ja": "会場を訂正しました",
                },
                headers={**who, "If-Match": f'"{item["version"]}"'},
            )
        )
    ).json()
    assert [(r["revision"], r["note_ja"]) for r in corrected["revisions"]] == [(1, None), (2, "会場を訂正しました")]
    assert corrected["revisions"][0]["body_ja"] == news_body()["body_ja"], "the first revision stays shown"
    return dict(corrected)


def atom_checked(body: bytes) -> ET.Element:
    """Well-formed, with the elements RFC 4287 requires of a feed and of each entry."""
    root = ET.fromstring(body)  # noqa: S314 - our own service's output
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "link", "category"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    return root


async def test_news_scheduled_published_by_its_timer_corrected_withdrawn_and_fed_as_atom_and_on_the_bus(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, tmp_path: Path
) -> None:
    settings = settings_for("info-hub", backend, nats_url, bus_namespace, issuer)
    registry = SourceStream(nats_url, bus_namespace, "registry")
    await registry.create()
    async with platform({"info-hub": settings}, issuer) as p:
        hub = p.clients["info-hub"]
        corrected = await scheduled_then_published(p)
        withdrawn = await news_at(p, "withdrawn")
        assert (withdrawn["body_ja"], withdrawn["attachments"], withdrawn["withdrawal"]["reason_ja"]) == (
            None,
            [],
            "募集を終了しました",
        )
        public = (await ok(hub.get(f"/news/{withdrawn['id']}"))).json()
        assert (public["status"], public["body_ja"], public["withdrawal"]["reason_ja"]) == (
            "withdrawn",
            None,
            "募集を終了しました",
        )
        assert all(r["body_ja"] is None for r in public["revisions"]), "no revision shows the body once withdrawn"

        async def fed() -> Any:
            parsed = feedparser.parse((await ok(hub.get("/news.atom"))).content)
            titles = {e.id: e.title for e in parsed.entries}
            # The feed follows the store: wait until it shows both items as they are now.
            current = titles.get(f"urn:uuid:{corrected['id']}", "").endswith("（第2版）")
            return (
                parsed if current and titles.get(f"urn:uuid:{withdrawn['id']}", "").startswith("【取下げ】") else None
            )

        parsed = await eventually(fed, timeout=20)
        raw = await ok(hub.get("/news.atom"))
        assert raw.headers["content-type"].startswith("application/atom+xml")
        root = atom_checked(raw.content)
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"
        assert (parsed.bozo, parsed.version) == (0, "atom10")
        assert parsed.feed.title == "こくぶんじ市民活動センター お知らせ"
        entries = {e.id: e for e in parsed.entries}
        entry = entries[f"urn:uuid:{corrected['id']}"]
        assert (entry.title, entry.tags[0].term, entry.tags[0].label) == ("講座のご案内（第2版）", "course", "講座")
        assert entry.summary == "会場を第2会議室に変更しました。"
        assert entry.title_detail.language == "ja"
        assert entry.link.endswith(f"/api/info-hub/news/{corrected['id']}")
        assert entry.updated_parsed is not None
        gone = entries[f"urn:uuid:{withdrawn['id']}"]
        assert gone.title.startswith("【取下げ】")
        assert "募集を終了しました" in gone.summary
        assert news_body()["body_ja"] not in gone.summary, "a withdrawn item's body is not in the feed"

        published = await eventually(lambda: contracts_on_stream(nats_url, bus_namespace, c.NewsPublished), timeout=20)
        by_id = {str(e.news_id): e for e in published}
        scheduled = by_id[corrected["id"]]
        assert (scheduled.scheduled, scheduled.category, scheduled.title_ja) == (
            True,
            c.NewsCategory.COURSE,
            "講座のご案内",
        )
        assert scheduled.attachments[0].sha256 == corrected["attachments"][0]["sha256"]
        assert by_id[withdrawn["id"]].scheduled is False
        # The withdrawn item's file (named by the contract that published it): no longer public, still the center's.
        gone_file = f"/news/{withdrawn['id']}/attachments/{by_id[withdrawn['id']].attachments[0].sha256}"
        assert (await hub.get(gone_file)).status_code == 404
        await ok(hub.get(gone_file, headers=coordinator(p)))
        (correction,) = await eventually(
            lambda: contracts_on_stream(nats_url, bus_namespace, c.NewsCorrected), timeout=20
        )
        assert (str(correction.news_id), correction.revision, correction.note_ja) == (
            corrected["id"],
            2,
            "会場を訂正しました",
        )
        (withdrawal,) = await eventually(
            lambda: contracts_on_stream(nats_url, bus_namespace, c.NewsWithdrawn), timeout=20
        )
        assert (str(withdrawal.news_id), withdrawal.reason_ja) == (withdrawn["id"], "募集を終了しました")
        assert base64.b64encode(PDF).decode() not in str(published), "bytes never travel, only their hash"
    await verified(settings, tmp_path)


async def test_a_topics_period_closes_by_its_timer_publishing_the_opinions_with_names_and_the_answer_follows(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, tmp_path: Path
) -> None:
    settings = settings_for("info-hub", backend, nats_url, bus_namespace, issuer)
    registry = SourceStream(nats_url, bus_namespace, "registry")
    await registry.create()
    async with platform({"info-hub": settings}, issuer) as p:
        hub = p.clients["info-hub"]
        groups = await groups_in_directory(p, registry, {"みどりの会": "rep-g", "ひかりの会": "rep-h"})
        topic = await topic_at(p, "published", lasts=timedelta(hours=1))
        url = f"/exchange/topics/{topic['id']}"
        for name, rep in (("みどりの会", "rep-g"), ("ひかりの会", "rep-h")):
            await ok(
                hub.put(
                    f"{url}/opinions/{groups[name]}",
                    json={"opinion_ja": f"{name}の意見"},
                    headers=p.token(rep, "group"),
                )
            )
        assert (await ok(hub.get(url))).json()["opinions"] == [], "sealed until the close"
        # The topic's publication on the stream first: the relay has caught up past it, so the absence of the
        # opinions' contract means something (the submissions send nothing).
        await eventually(lambda: contracts_on_stream(nats_url, bus_namespace, c.TopicPublished), timeout=20)
        assert not await contracts_on_stream(nats_url, bus_namespace, c.OpinionsPublished)
        move_hub_clock(p, timedelta(hours=2))

        async def closed() -> dict[str, Any] | None:
            body: dict[str, Any] = (await ok(hub.get(url))).json()
            return body if body["status"] == "closed" else None

        await eventually(closed, timeout=30)
        await ok(
            hub.put(
                f"{url}/opinions/{groups['みどりの会']}/answer",
                json={"answer_ja": "市の考え方"},
                headers=p.token("staff-1", "staff"),
            ),
            201,
        )

        async def listed() -> Any:
            page = (await ok(hub.get("/exchange/topics"))).json()
            return next((t for t in page["items"] if t["id"] == topic["id"] and t["answers"] == 1), None)

        summary = await eventually(listed, timeout=20)
        assert (summary["status"], summary["opinions"]) == ("closed", 2)
        (announced,) = await eventually(
            lambda: contracts_on_stream(nats_url, bus_namespace, c.TopicPublished), timeout=20
        )
        assert str(announced.topic_id) == topic["id"]
        (opinions,) = await eventually(
            lambda: contracts_on_stream(nats_url, bus_namespace, c.OpinionsPublished), timeout=20
        )
        assert sorted((o.group_name, o.opinion_ja) for o in opinions.opinions) == [
            ("ひかりの会", "ひかりの会の意見"),
            ("みどりの会", "みどりの会の意見"),
        ]
        (answer,) = await eventually(
            lambda: contracts_on_stream(nats_url, bus_namespace, c.OpinionAnswered), timeout=20
        )
        assert (str(answer.group_id), answer.answer_ja) == (groups["みどりの会"], "市の考え方")
        assert "rep-g" not in answer.model_dump_json() + opinions.model_dump_json(), "no person on the bus"
    await verified(settings, tmp_path)


async def verified(settings: Any, tmp_path: Path) -> None:
    """`kyodo audit verify info-hub` over the store the test wrote, with a pin file of the test's own."""
    command = [
        sys.executable,
        "-m",
        "kyodo_shared.cli.main",
        "audit",
        "verify",
        "info-hub",
        "--pin",
        str(tmp_path / "pins.json"),
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, env=cli_env(settings), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
