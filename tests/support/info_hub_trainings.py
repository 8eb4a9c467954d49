"""Helpers for tests of the center's trainings: a training's body, drafting and announcing one, a registered group
heard by info-hub, and moving info-hub's clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kyodo_info_hub.settings import CenterSettings
from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, eventually, serving, settings_for
from support.lifecycle import GroupClient

TOKYO = ZoneInfo("Asia/Tokyo")
CENTER = ("coord-1", "coordinator")


def hub(p: Platform) -> httpx.AsyncClient:
    return p.clients["info-hub"]


def kernel(p: Platform) -> Any:
    return p.apps["info-hub"].state.kernel


def hub_settings(
    backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer, *, per_window: int = 5, retention: int = 365
) -> Any:
    """info-hub's settings with the citizens' rate limit and the registrations' retention the test needs."""
    settings = settings_for(
        "info-hub",
        backend,
        nats_url,
        namespace,
        issuer,
        center=CenterSettings(citizen_registrations_per_window=per_window, public_url="https://center.example"),
    )
    retention_days = {**settings.privacy.retention_days, "training_registration": retention}
    return settings.model_copy(
        update={"privacy": settings.privacy.model_copy(update={"retention_days": retention_days})}
    )


def plan(
    starts_in: timedelta = timedelta(days=10),
    *,
    capacity: int = 20,
    audience: tuple[str, ...] = ("groups", "staff", "citizens"),
    kind: str = "training",
    **overrides: Any,
) -> dict[str, Any]:
    """A two-hour training `starts_in` from now, registration open from an hour ago until the start."""
    starts = (datetime.now(TOKYO) + starts_in).replace(microsecond=0)
    body: dict[str, Any] = {
        "kind": kind,
        "title_ja": "市民活動のための会計講座",
        "title_en": "Bookkeeping for civic groups",
        "description_ja": "団体の会計の基礎を学びます。",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "place": "市民活動センター 会議室A",
        "capacity": capacity,
        "audience": list(audience),
        "registration_opens_at": (datetime.now(TOKYO) - timedelta(hours=1)).replace(microsecond=0).isoformat(),
        "registration_closes_at": starts.isoformat(),
    }
    body.update(overrides)
    return body


async def drafted(p: Platform, body: dict[str, Any]) -> dict[str, Any]:
    made = await hub(p).post("/trainings", json=body, headers=p.token(*CENTER))
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def announced(p: Platform, body: dict[str, Any]) -> dict[str, Any]:
    draft = await drafted(p, body)
    done = await hub(p).post(
        f"/trainings/{draft['id']}/announcement", headers={**p.token(*CENTER), "If-Match": f'"{draft["version"]}"'}
    )
    assert done.status_code == 200, done.text
    result: dict[str, Any] = done.json()
    return result


async def hub_group(p: Platform, rep: str, name: str) -> str:
    """A group registered in the registry, and heard by info-hub (its representative acts for it)."""
    group = GroupClient(p, representative=rep)
    await group.apply(name=name)
    await group.assess_all()
    people = kernel(p).application.people
    await eventually(lambda: people.acts_for(rep, group.group_id, registered_only=True), timeout=30)
    return group.group_id


def move_hub_clock(p: Platform, to: datetime) -> None:
    """info-hub (its application and timers) lives at `to` from now on, running on from there."""
    offset = to - datetime.now(UTC)
    kernel(p).clock = lambda: datetime.now(UTC) + offset


@asynccontextmanager
async def another_replica(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A second info-hub replica on the same store (its own application object, kernel and replica id)."""
    settings = settings.model_copy(update={"replica_id": "replica-two"})
    app = discover()["info-hub"].create_app(settings, JwksVerifier(settings.auth))
    try:
        async with serving(app) as client:
            yield client
    finally:
        app.state.kernel.close()
