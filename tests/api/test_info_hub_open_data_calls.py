"""The calls' read model applied again (real NATS; SQLite and PostgreSQL stores): rows written before info_hub_0009
kept no publication times; a replay of the proposals' stream fills them and changes nothing else (no amendment
twice), and the feeds never date a call by its deadline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest_asyncio

from kyodo_contracts import proposals as p
from kyodo_info_hub.settings import CenterSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, platform, settings_for
from support.info_hub_open_data import PUBLISHED_AT, call, feed, hub


@pytest_asyncio.fixture(loop_scope="session")
async def info_hub(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    center = CenterSettings(public_url="https://center.example")
    settings = settings_for("info-hub", api_backend, nats_url, bus_namespace, issuer, center=center)
    async with platform({"info-hub": settings}, issuer) as p:
        yield p


async def test_a_replay_fills_the_times_an_older_row_lacks_and_applies_no_amendment_twice(info_hub: Platform) -> None:
    published = call("古い募集")
    amended_at = PUBLISHED_AT + timedelta(days=3)
    amendment = p.CallAmended(
        call_id=published.call_id,
        rules=published.rules.model_copy(update={"deadline": published.rules.deadline + timedelta(days=7)}),
        changed=["deadline"],
        reason="説明会の延期",
        board_subs=published.board_subs,
        chair_sub=published.chair_sub,
        vice_chair_sub=None,
    )
    feed(info_hub, "proposals", published)
    feed(info_hub, "proposals", amendment, at=amended_at)
    db = info_hub.apps["info-hub"].state.kernel.db
    # The row as a store before info_hub_0009 holds it after the upgrade: no times.
    with db.transaction() as tx:
        tx.execute(
            "UPDATE portal_calls SET published_at = NULL, updated_at = NULL WHERE call_id = %s",
            (str(published.call_id),),
        )
    feed(info_hub, "proposals", call("新しい募集"))
    entries = feedparser.parse((await hub(info_hub).get("/calls.atom")).content).entries
    assert [e.title for e in entries] == ["新しい募集", "古い募集"], "the undated call comes last"
    assert entries[1].updated == "2026-04-01T00:00:00+09:00", "a fixed time, not the deadline (2026-07-31)"
    assert "published" not in entries[1]

    # The tracking of proposals forgotten: the consumer applies the stream again from its first message.
    with db.transaction() as tx:
        tx.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'proposals'")
    feed(info_hub, "proposals", published)
    feed(info_hub, "proposals", amendment, at=amended_at)
    with db.transaction() as tx:
        tx.execute("DELETE FROM portal_calls WHERE call_id <> %s", (str(published.call_id),))
    with db.transaction(read_only=True) as tx:
        row = tx.fetchone(
            "SELECT published_at, updated_at, amendments FROM portal_calls WHERE call_id = %s",
            (str(published.call_id),),
        )
    assert row is not None
    # PUBLISHED_AT is 2026-06-01 01:00 UTC (10:00 in Tokyo); the amendment three days later.
    assert (row[0], row[1]) == ("2026-06-01T10:00:00+09:00", "2026-06-04T10:00:00+09:00")
    assert row[2].count("説明会の延期") == 1, "the amendment is not applied twice"
    entry = feedparser.parse((await hub(info_hub).get("/calls.atom")).content).entries[0]
    assert (entry.published, entry.updated) == ("2026-06-01T10:00:00+09:00", "2026-06-04T10:00:00+09:00")
    assert datetime.fromisoformat(entry.updated) < datetime(2026, 7, 31, tzinfo=UTC)


async def test_an_empty_feed_keeps_its_etag_from_one_request_to_the_next(info_hub: Platform) -> None:
    for url in ("/calls.atom", "/call-results.atom"):
        first = await hub(info_hub).get(url)
        later = await hub(info_hub).get(url, headers={"If-None-Match": first.headers["etag"]})
        assert later.status_code == 304
