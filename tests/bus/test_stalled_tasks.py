"""No silent failure in the bus, with real `kyodo serve` processes on a NATS server the test starts: a relay that
cannot publish shows in /readyz (503, reason, hint), /metrics and the log, and the documented command fixes it; a
read model whose database was lost rebuilds itself from the stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.harness import eventually
from support.servers import spawn_nats
from support.stalls import Site, remove_sqlite, site

pytestmark = pytest.mark.slow


@pytest.fixture
def own_nats() -> Iterator[str]:
    with spawn_nats() as url:
        yield url


@pytest.fixture
def two_services(tmp_path: Path, own_nats: str) -> Iterator[Site]:
    with site(tmp_path, own_nats, "stall") as running:
        yield running


async def start(s: Site, *services: str) -> None:
    for service in services:
        s.start(service)
    for service in services:
        await s.up(service)


async def test_a_relay_whose_stream_was_lost_is_reported_blocked_until_relay_reset_republishes_everything(
    two_services: Site,
) -> None:
    s = two_services
    await start(s, "registry", "info-hub")
    first = [await s.register(name) for name in ("みどりの会", "こども食堂")]
    await s.listed(2)
    s.stop_all()

    # The bus lost its data; the services restart without `kyodo relay reset`.
    await s.delete_stream("registry")
    await start(s, "registry", "info-hub")
    blocked = await eventually(lambda: s.blocked_reason("registry", "relay"), timeout=20, interval=0.3)
    assert blocked["reason"] == "stream_behind"
    assert "kyodo relay reset registry" in blocked["hint"]
    metrics = await s.metrics("registry")
    assert 'kyodo_task_blocked{reason="stream_behind",service="registry",task="relay"} 1.0' in metrics
    # One error line says what to run, not one per retry.
    await eventually(lambda: "task_blocked" in s.log("registry"), timeout=10)
    assert s.log("registry").count('"event": "task_blocked"') == 1
    third = await s.register("将棋クラブ")  # commands still succeed: they wait in the store

    s.stop("registry")
    reset = s.kyodo("registry", "relay", "reset", "registry")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    await start(s, "registry")

    async def ready() -> bool:
        return (await s.readyz("registry"))[0] == 200

    await eventually(ready, timeout=20, interval=0.3)
    await s.listed(3)
    assert sorted(s.directory()) == sorted([*first, third])
    assert "kyodo_task_blocked{" not in await s.metrics("registry")
    assert (await s.readyz("info-hub"))[0] == 200


async def test_an_info_hub_whose_database_was_deleted_rebuilds_its_directory_from_the_stream_on_start(
    two_services: Site,
) -> None:
    s = two_services
    await start(s, "registry", "info-hub")
    groups = [await s.register(name) for name in ("みどりの会", "こども食堂")]
    await s.listed(2)
    before = sorted(s.directory())

    s.stop("info-hub")
    remove_sqlite(s.sqlite("info-hub"))
    await start(s, "info-hub")
    await s.listed(2)
    assert sorted(s.directory()) == before == sorted(groups)
    assert "consumer_rewound" in s.log("info-hub")
    status, body = await s.readyz("info-hub")
    assert status == 200, body

    # And it keeps following the stream afterwards, each group once.
    third = await s.register("将棋クラブ")
    await s.listed(3)
    assert sorted(s.directory()) == sorted([*groups, third])
