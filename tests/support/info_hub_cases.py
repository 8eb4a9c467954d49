"""Helpers for the coordination window's tests: info-hub with the registry beside it (real NATS), a world of two
departments (liaisons and staff) and three registered groups heard by info-hub, case bodies, moving info-hub's
clock, and reading info-hub's own stream as its relay wrote it (decoded, or every message's raw bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import nats

from kyodo_contracts import Contract, stream_name
from kyodo_contracts.cloudevents import decode_as
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.bus.cloudevents import H_TYPE
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.evaluation import TOKYO, tokyo_today
from support.harness import Backend, Platform, eventually, settings_for
from support.lifecycle import GroupClient
from support.screening import Department, department

HUB = "info-hub"
C = TypeVar("C", bound=Contract)


def hub_settings(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, KernelSettings]:
    """The registry and info-hub; info-hub keeps a citizen's contact for a year (its vault's retention)."""
    privacy = InfoHubSettings().privacy
    retention = {**privacy.retention_days, "case_contact": 365}
    hub_privacy = privacy.model_copy(
        update={"vault_path": backend.folder / "info-hub-vault.sqlite", "retention_days": retention}
    )
    return {
        "registry": settings_for("registry", backend, nats_url, namespace, issuer),
        HUB: settings_for(HUB, backend, nats_url, namespace, issuer, privacy=hub_privacy),
    }


@dataclass(frozen=True)
class World:
    """Departments A (liaison-a, staff-a) and B (liaison-b, staff-b); groups G (rep-g, contact-g: 子育て・まちづくり
    in 本町, the raiser), H (rep-h: 子育て in 本町) and K (rep-k: スポーツ in 西町, matches nothing)."""

    a: Department
    b: Department
    g: str
    h: str
    k: str


def people(p: Platform) -> Any:
    return p.apps[HUB].state.kernel.application.people


async def group(p: Platform, rep: str, name: str, fields: list[str], area: str, contact: str | None = None) -> str:
    client = GroupClient(p, representative=rep)
    await client.apply(name=name, fields_of_activity=fields, area=area)
    await client.assess_all()
    if contact is not None:
        person = {"sub": contact, "name": "連絡 担当", "email": "contact@example.jp", "phone": "042-300-0001"}
        await ok(client.post("/contacts", person, rep), 201)
    view = people(p)

    def heard() -> bool:
        card = view.group(client.group_id)
        return card is not None and card.status == "registered" and view.acts_for(contact or rep, client.group_id)

    await eventually(heard, timeout=30)
    return client.group_id


async def world(p: Platform) -> World:
    since = tokyo_today() - timedelta(days=30)
    a = await department(p, "KYODO", "協働推進課", ["liaison-a", "staff-a"], since)
    b = await department(p, "KOSODATE", "子ども家庭課", ["liaison-b", "staff-b"], since)
    g = await group(p, "rep-g", "みどりの会", ["子育て", "まちづくり"], "本町", contact="contact-g")
    h = await group(p, "rep-h", "ひだまりの会", ["子育て"], "本町")
    k = await group(p, "rep-k", "西町スポーツクラブ", ["スポーツ"], "西町")
    view, today = people(p), tokyo_today()

    def heard() -> bool:
        return (
            view.is_liaison("liaison-a", a.id, today)
            and view.is_liaison("liaison-b", b.id, today)
            and b.id in view.staff_departments("staff-b", today)
        )

    await eventually(heard, timeout=30)
    return World(a, b, g, h, k)


def case_body(raiser: str = "group", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "raiser": raiser,
        "problem_ja": "子育て中の親が気軽に集まれる場所が地域に足りない",
        "fields_of_activity": ["子育て"],
        "area": "本町",
        "urgency": "normal",
    }
    return {**body, **changes}


async def raised(p: Platform, w: World, sub: str = "rep-g", role: str = "group", **changes: Any) -> dict[str, Any]:
    body = case_body(**{**({"group_id": w.g} if "raiser" not in changes else {}), **changes})
    created = await ok(p.clients[HUB].post("/cases", json=body, headers=p.token(sub, role)), 201)
    found: dict[str, Any] = created.json()
    return found


async def read(p: Platform, case_id: str) -> dict[str, Any]:
    found = await ok(p.clients[HUB].get(f"/cases/{case_id}", headers=coordinator(p)))
    body: dict[str, Any] = found.json()
    return body


async def act(p: Platform, case_id: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A coordinator's change at the case's current version."""
    current = await ok(p.clients[HUB].get(f"/cases/{case_id}", headers=coordinator(p)))
    headers = {**coordinator(p), "If-Match": current.headers["ETag"]}
    done = await ok(p.clients[HUB].post(f"/cases/{case_id}{path}", json=body, headers=headers))
    result: dict[str, Any] = done.json()
    return result


def hub_now(p: Platform) -> datetime:
    now: datetime = p.apps[HUB].state.kernel.clock()
    return now.astimezone(TOKYO)


def hub_today(p: Platform) -> date:
    return hub_now(p).date()


def move_hub_clock(p: Platform, to: datetime) -> None:
    """info-hub (its application and timers) lives at `to` from now on, running on from there."""
    offset = to - datetime.now(UTC)
    p.apps[HUB].state.kernel.clock = lambda: datetime.now(UTC) + offset


async def hub_messages(nats_url: str, namespace: str, contract: type[C]) -> list[C]:
    """Every message of info-hub's stream of this contract's type, decoded as the contract."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = stream_name(namespace, "info_hub")
        last = int((await js.stream_info(name)).state.last_seq)
        found: list[C] = []
        for seq in range(1, last + 1):
            msg = await js.get_msg(name, seq)
            if (msg.headers or {}).get(H_TYPE) == contract.ce_type():
                found.append(decode_as(contract, msg.headers, msg.data or b"")[1])
        return found
    finally:
        await nc.close()


async def hub_stream_bytes(nats_url: str, namespace: str) -> bytes:
    """Every message of info-hub's stream, headers and data, as bytes (for canaries)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        name = stream_name(namespace, "info_hub")
        last = int((await js.stream_info(name)).state.last_seq)
        found: list[bytes] = []
        for seq in range(1, last + 1):
            msg = await js.get_msg(name, seq)
            found.append(repr(msg.headers or {}).encode() + (msg.data or b""))
        return b"\n".join(found)
    finally:
        await nc.close()
