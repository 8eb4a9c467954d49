"""Helpers for tests of the center's news (お知らせ) and opinion exchange (意見交換) in info-hub: its service clock,
groups in its directory (from the registry's stream), and news items and topics brought to a stage by a coordinator.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kyodo_contracts.registry import GroupApplied, GroupProfile, GroupRegistered
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.servers import delete_streams_sync, temporary_database
from support.streams import SourceStream

PDF = b"%PDF-1.4\n% the center's flyer\n"


def hub_now(p: Platform) -> datetime:
    """info-hub's own clock (tests move it)."""
    now: datetime = p.apps["info-hub"].state.kernel.clock()
    return now


def move_hub_clock(p: Platform, by: timedelta) -> None:
    """info-hub (its application and timers) lives `by` further ahead from now on (forward only)."""
    offset = hub_now(p) - datetime.now(UTC) + by
    p.apps["info-hub"].state.kernel.clock = lambda: datetime.now(UTC) + offset


def hub_people(p: Platform) -> Any:
    return p.apps["info-hub"].state.kernel.application.people


async def groups_in_directory(p: Platform, registry: SourceStream, groups: dict[str, str]) -> dict[str, str]:
    """Registered groups by name with their representatives (`{name: rep_sub}`), once info-hub has heard them;
    answers `{name: group_id}`."""
    ids = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"kyodo-test:{name}:{uuid.uuid4()}")) for name in groups}
    for name, rep in groups.items():
        profile = GroupProfile(name=name, purpose="目的", fields_of_activity=["福祉"], area="本町")
        group_id = uuid.UUID(ids[name])
        await registry.publish(
            GroupApplied(group_id=group_id, profile=profile, representative_sub=rep),
            GroupRegistered(group_id=group_id, profile=profile, representative_sub=rep),
        )
    people = hub_people(p)
    await eventually(
        lambda: all(people.acts_for(rep, ids[name], registered_only=True) for name, rep in groups.items()), timeout=20
    )
    return ids


@dataclass(frozen=True)
class Hub:
    p: Platform
    groups: dict[str, str]


@asynccontextmanager
async def hub_platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_url: str
) -> AsyncIterator[Hub]:
    """info-hub on the backend the fixture's parameter names, with real NATS and two registered groups (みどりの会 of
    rep-1, ひかりの会 of rep-2) heard from the registry's stream."""
    folder = tmp_path_factory.mktemp(f"news-{request.param}")
    namespace = f"t{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        stack.callback(delete_streams_sync, nats_url, f"{namespace.upper()}_")
        dsn = ""
        if request.param == "postgres":
            dsn = stack.enter_context(temporary_database(request.getfixturevalue("pg_dsn")))
        backend = Backend(request.param, folder, dsn)
        issuer = DevIssuer.load_or_create(folder / "issuer")
        registry = SourceStream(nats_url, namespace, "registry")
        await registry.create()
        async with platform({"info-hub": settings_for("info-hub", backend, nats_url, namespace, issuer)}, issuer) as p:
            groups = await groups_in_directory(p, registry, {"みどりの会": "rep-1", "ひかりの会": "rep-2"})
            yield Hub(p, groups)


def center_events(p: Platform) -> int:
    """How many events info-hub stored of news and topics."""
    stored = p.apps["info-hub"].state.kernel.application.recorder.select_notifications(start=1, limit=1_000_000)
    return sum(1 for n in stored if n.topic.startswith(("kyodo_info_hub.news:", "kyodo_info_hub.exchange:")))


def refused(response: httpx.Response, status: int, code: str, *errors: str) -> dict[str, Any]:
    """A problem+json answer with its code, both titles and (if named) its errors as `"<field> <code>"`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, response.text
    assert body["title_ja"]
    assert body["title_en"]
    if errors:
        assert tuple(f"{e['field']} {e['code']}" for e in body.get("errors", [])) == errors, response.text
    return body


def news_body(**overrides: Any) -> dict[str, Any]:
    return {
        "category": "recruitment",
        "title_ja": "ボランティア募集",
        "body_ja": "夏祭りのボランティアを募集します。",
    } | overrides


def attachment_body(content: bytes = PDF, **overrides: Any) -> dict[str, Any]:
    return {
        "filename": "flyer.pdf",
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode(),
    } | overrides


async def news_at(p: Platform, stage: str) -> dict[str, Any]:
    """A news item at a stage (draft, attached, scheduled, published, withdrawn) as the coordinator reads it."""
    hub, who = p.clients["info-hub"], coordinator(p)
    item = (await ok(hub.post("/news", json=news_body(), headers=who), 201)).json()
    if stage in ("attached", "published", "withdrawn"):
        # A random line keeps each item's file its own.
        content = PDF + uuid.uuid4().hex.encode()
        item = (
            await ok(
                hub.post(
                    f"/news/{item['id']}/attachments",
                    json=attachment_body(content),
                    headers={**who, "If-Match": f'"{item["version"]}"'},
                ),
                201,
            )
        ).json()
    if stage == "scheduled":
        at = (hub_now(p) + timedelta(days=3)).isoformat()
        item = (
            await ok(
                hub.put(
                    f"/news/{item['id']}/schedule",
                    json={"publish_at": at},
                    headers={**who, "If-Match": f'"{item["version"]}"'},
                )
            )
        ).json()
    if stage in ("published", "withdrawn"):
        item = (
            await ok(hub.post(f"/news/{item['id']}/publication", headers={**who, "If-Match": f'"{item["version"]}"'}))
        ).json()
    if stage == "withdrawn":
        item = (
            await ok(
                hub.post(
                    f"/news/{item['id']}/withdrawal",
                    json={"reason_ja": "募集を終了しました"},
                    headers={**who, "If-Match": f'"{item["version"]}"'},
                )
            )
        ).json()
    return dict(item)


def topic_body(
    p: Platform, *, opens_in: timedelta = timedelta(minutes=-10), lasts: timedelta = timedelta(days=7)
) -> dict[str, Any]:
    opens = hub_now(p) + opens_in
    return {
        "title_ja": "協働推進の進め方について",
        "body_ja": "市民活動団体の皆さまのご意見を募集します。",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + lasts).isoformat(),
    }


async def topic_at(p: Platform, stage: str, **period: timedelta) -> dict[str, Any]:
    """A topic drafted, or published for comment, by the coordinator."""
    hub, who = p.clients["info-hub"], coordinator(p)
    topic = (await ok(hub.post("/exchange/topics", json=topic_body(p, **period), headers=who), 201)).json()
    if stage == "published":
        topic = (
            await ok(
                hub.post(
                    f"/exchange/topics/{topic['id']}/publication", headers={**who, "If-Match": f'"{topic["version"]}"'}
                )
            )
        ).json()
    return dict(topic)
