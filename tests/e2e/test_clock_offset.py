"""A staging clock (issue 13 item 7), on SQLite and PostgreSQL over HTTP and real NATS: an offset at start, shown in
/readyz and in every response; `kyodo clock advance` while the registry is down; the renewal lapse that fell due
meanwhile happens once after the restart — not zero times, not twice, and not again after a second restart; a store
that lived ahead refuses to start on a clock that went back.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kyodo_registry.app_base import one_year_after
from kyodo_shared.settings import ClockSettings
from kyodo_shared.tasks.recorded_time import ClockBehindStore
from kyodo_shared.web.devissuer import DevIssuer

from support.bus import published_types
from support.cli import run_kyodo
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.lifecycle import GroupClient

TOKYO = ZoneInfo("Asia/Tokyo")
STAGING = ClockSettings(offset=timedelta(days=1), allow_shift=True)


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer, clock=STAGING) for n in ("registry", "info-hub")}


def advance(backend: Backend, by: str, *, allow: bool = True) -> subprocess.CompletedProcess[str]:
    """`kyodo clock advance` as an operator runs it: the embedded data directory (SQLite), or the registry's own
    settings as `kyodo serve` has them (PostgreSQL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_")}
    if backend.kind == "postgres":
        env |= {
            "KYODO_STORE__BACKEND": "postgres",
            "KYODO_STORE__PG_DSN": backend.pg_dsn,
            "KYODO_STORE__PG_SCHEMA": "registry",
            "KYODO_CLOCK__ALLOW_SHIFT": "true" if allow else "false",
        }
    return run_kyodo("--data-dir", str(backend.folder), "clock", "advance", by, "--service", "registry", env=env)


async def status_in_info_hub(p: Platform, group_id: str) -> str | None:
    response = await p.clients["info-hub"].get(f"/groups/{group_id}")
    return response.json()["status"] if response.status_code == 200 else None


async def test_a_lapse_that_falls_due_while_the_registry_is_down_happens_once_on_the_moved_clock(
    backend: Backend,
    nats_url: str,
    bus_namespace: str,
    issuer: DevIssuer,
) -> None:
    settings = services(backend, nats_url, bus_namespace, issuer)
    async with platform(settings, issuer) as p:
        group = GroupClient(p)
        applied = await group.apply()
        assert applied.headers["Kyodo-Clock-Offset"] == "P1D"
        ready = (await p.clients["registry"].get("/readyz")).json()
        assert ready["clock"]["offset"] == "P1D"
        assert ready["clock"]["offset_seconds"] == 86_400
        due = (await group.assess_all())["renewal_due"]
        # Decided on the shifted day: a year after tomorrow (Tokyo), not after today.
        tomorrow = (datetime.now(TOKYO) + timedelta(days=1)).date()
        assert due == one_year_after(tomorrow).isoformat()
        assert (await group.read())["status"] == "registered"
        group_id = group.group_id

    if backend.kind == "postgres":
        refused = advance(backend, "400d", allow=False)
        assert refused.returncode == 3, refused.stderr
        assert "KYODO_CLOCK__ALLOW_SHIFT" in refused.stderr
    moved = advance(backend, "400d")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["shift"] == "P400D"

    async with platform(settings, issuer) as p:
        ready = (await p.clients["registry"].get("/readyz")).json()
        assert ready["clock"]["offset"] == "P401D"
        assert (await p.clients["info-hub"].get("/readyz")).headers["Kyodo-Clock-Offset"] == "P1D"
        group = GroupClient(p, group_id=group_id)

        async def lapsed() -> bool:
            return await status_in_info_hub(p, group_id) == "lapsed"

        await eventually(lapsed, timeout=30)
        assert (await group.read())["status"] == "lapsed"

    async with platform(settings, issuer) as p:
        group = GroupClient(p, group_id=group_id)
        assert (await group.read())["status"] == "lapsed"
        renewed = await group.post(
            "/renewal", {"members_count": 15, "criteria_still_met": True, "bylaws_unchanged": True}, "rep-1"
        )
        assert renewed.status_code == 200, renewed.text

        async def renewal_published() -> bool:
            return (await published_types(nats_url, bus_namespace, "registry"))[-1] == "group.renewed.v1"

        await eventually(renewal_published, timeout=30)
        types = await published_types(nats_url, bus_namespace, "registry")
        assert types.count("group.lapsed.v1") == 1
        # Renewed on the moved clock: the new due date is a year after the shifted today.
        shifted_today = (datetime.now(TOKYO) + timedelta(days=401)).date()
        assert renewed.json()["renewal_due"] == one_year_after(shifted_today).isoformat()


async def test_an_advance_while_the_platform_runs_reaches_the_running_registry_and_lapses_the_group_once(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        group = GroupClient(p)
        await group.apply()
        await group.assess_all()
        moved = advance(backend, "400d")
        assert moved.returncode == 0, moved.stderr

        async def shifted() -> bool:
            response = await p.clients["registry"].get("/healthz")
            return response.headers.get("Kyodo-Clock-Offset") == "P401D"

        await eventually(shifted, timeout=10)

        async def lapsed() -> bool:
            return await status_in_info_hub(p, group.group_id) == "lapsed"

        await eventually(lapsed, timeout=30)
        assert (await p.clients["registry"].get("/readyz")).json()["clock"]["offset"] == "P401D"
        types = await published_types(nats_url, bus_namespace, "registry")
        assert types.count("group.lapsed.v1") == 1


async def test_a_store_that_lived_ahead_refuses_to_start_on_a_clock_that_went_back(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    ahead = {"registry": settings_for("registry", backend, nats_url, bus_namespace, issuer, clock=STAGING)}
    async with platform(ahead, issuer) as p:
        await GroupClient(p).apply()  # recorded a day ahead of real time
    # Started again without its offset (as a forgotten KYODO_CLOCK__OFFSET would): refused, saying what to set.
    real = {"registry": settings_for("registry", backend, nats_url, bus_namespace, issuer)}
    with pytest.raises(ClockBehindStore, match="KYODO_CLOCK__OFFSET"):
        async with platform(real, issuer):
            pass
    # With its offset it starts, and its history goes on.
    async with platform(ahead, issuer) as p:
        await GroupClient(p).apply()
