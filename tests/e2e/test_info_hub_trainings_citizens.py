"""Citizens registering for the center's trainings without login, on SQLite and PostgreSQL with real NATS: the
secret link to view and cancel, one registration per e-mail address, the rate limit per address (429 with
Retry-After), the waitlist promoted on cancellation; the canary — a citizen's name and e-mail never in the stored
event bodies, the bus, a public page or feed, or the service's log; and erasure after the retention period (the
moved clock), which leaves the registration unreadable and the counts intact.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import nats
import pytest
import structlog

from kyodo_contracts import stream_name
from kyodo_shared.privacy.vault import RetentionNotElapsed
from kyodo_shared.web.devissuer import DevIssuer

from support.cli import cli_env
from support.harness import Backend, Platform, eventually, platform
from support.info_hub_trainings import CENTER, announced, hub, hub_settings, kernel, move_hub_clock, plan

HANAKO = {"name": "市民検査花子", "email": "Canary-7f3a@example.jp"}
TARO = {"name": "市民検査太郎", "email": "canary-taro-91c2@example.jp"}


def encodings(value: str) -> list[bytes]:
    escaped = json.dumps(value)[1:-1].encode()
    forms = [value, value.lower()]
    return [f.encode() for f in forms] + [
        escaped,
        base64.b64encode(value.encode()),
        base64.urlsafe_b64encode(value.encode()),
    ]


def leaked(blob: bytes) -> list[str]:
    return [v for person in (HANAKO, TARO) for v in person.values() for form in encodings(v) if form in blob]


async def stream_bytes(nats_url: str, namespace: str) -> bytes:
    nc = await nats.connect(nats_url)
    blob = b""
    try:
        js = nc.jetstream()
        name = stream_name(namespace, "info-hub")
        last = int((await js.stream_info(name)).state.last_seq)
        for seq in range(1, last + 1):
            msg = await js.get_msg(name, seq)
            blob += (msg.data or b"") + json.dumps(msg.headers or {}).encode()
    finally:
        await nc.close()
    return blob


def link_of(link: str) -> tuple[str, dict[str, str]]:
    """What the citizen's page does with the secret link: the API path of the registration, and the token from the
    fragment (never sent to a server) in the X-Registration-Token header."""
    parts = urlsplit(link)
    assert (parts.netloc, parts.query) == ("center.example", ""), "no secret in a query string"
    assert parts.fragment.startswith("token=")
    return parts.path, {"X-Registration-Token": parts.fragment.removeprefix("token=")}


async def test_citizens_register_by_secret_link_within_the_rate_limit_and_their_data_is_sealed_then_erased(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, tmp_path: Path
) -> None:
    settings = hub_settings(backend, nats_url, bus_namespace, issuer, per_window=3, retention=1)
    with structlog.testing.capture_logs() as logs:
        async with platform({"info-hub": settings}, issuer) as p:
            blob = await scenario(p, nats_url, bus_namespace)
            app = kernel(p).application
            await eventually(lambda: kernel(p).chain.head()[0] >= app.recorder.max_notification_id(), timeout=20)
    # The history stays verifiable after the citizens' keys were destroyed: the chain covers sealed bodies as stored.
    verify = [sys.executable, "-m", "kyodo_shared.cli.main", "audit", "verify", "info-hub"]
    verified = await asyncio.to_thread(
        subprocess.run,
        [*verify, "--pin", str(tmp_path / "pins.json")],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert leaked(blob) == []
    assert leaked("\n".join(map(str, logs)).encode()) == [], "never in the service's log"
    if backend.kind == "sqlite":
        event_store = (tmp_path / "info-hub.sqlite").read_bytes()
        assert leaked(event_store) == [], "nor in the store's file"


async def scenario(p: Platform, nats_url: str, namespace: str) -> bytes:
    training = await announced(p, plan(capacity=1, audience=("citizens",)))
    tid = training["id"]
    first = await hub(p).post(f"/trainings/{tid}/citizen-registrations", json=HANAKO)
    assert first.status_code == 201, first.text
    placed = first.json()
    assert (placed["seat"], placed["name"], placed["email"]) == ("registered", HANAKO["name"], HANAKO["email"])
    assert first.headers["Location"] == f"/api/info-hub/trainings/{tid}/registrations/{placed['registration_id']}"
    assert (first.headers["Cache-Control"], first.headers["Referrer-Policy"]) == ("no-store", "no-referrer")
    path, secret = link_of(placed["link"])
    mine = await hub(p).get(path, headers=secret)
    assert (mine.status_code, mine.json()["registration_id"]) == (200, placed["registration_id"]), mine.text
    assert (mine.headers["Cache-Control"], mine.headers["Referrer-Policy"]) == ("no-store", "no-referrer")
    legacy = await hub(p).get(path + "?token=" + secret["X-Registration-Token"])
    assert legacy.status_code == 200, "the query string still works (deprecated)"
    forged = await hub(p).get(path, headers={"X-Registration-Token": "A" * 43})
    assert forged.json()["code"] == "registration_not_found"
    again = await hub(p).post(
        f"/trainings/{tid}/citizen-registrations", json={**HANAKO, "email": HANAKO["email"].lower()}
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_registered")
    second = await hub(p).post(f"/trainings/{tid}/citizen-registrations", json=TARO)
    assert (second.status_code, second.json()["seat"], second.json()["position"]) == (201, "waitlisted", 1)
    # The fourth attempt from one address in the window (three allowed).
    limited = await hub(p).post(
        f"/trainings/{tid}/citizen-registrations", json={"name": "別の人", "email": "other-1@example.jp"}
    )
    assert (limited.status_code, limited.json()["code"]) == (429, "too_many_registrations"), limited.text
    assert 0 < int(limited.headers["Retry-After"]) <= 3600

    cancelled = await hub(p).delete(path, headers=secret)
    assert (cancelled.status_code, cancelled.json()["seat"]) == (200, "cancelled"), cancelled.text
    assert cancelled.headers["Cache-Control"] == "no-store"
    taro_path, taro_secret = link_of(second.json()["link"])
    taro = await hub(p).get(taro_path, headers=taro_secret)
    assert (taro.json()["seat"], taro.json()["position"]) == ("registered", None)

    listed = (await hub(p).get(f"/trainings/{tid}/registrations", headers=p.token(*CENTER))).json()
    assert [(i["name"], i["seat"]) for i in listed["items"]] == [
        (HANAKO["name"], "cancelled"),
        (TARO["name"], "registered"),
    ]
    public = await public_pages(p, tid)

    # Erasure: refused within the retention period; once it has passed (the moved clock), the erasure timers
    # destroy both citizens' keys by themselves. The registrations stay, unreadable, and the counts with them.
    k = kernel(p)
    subject = k.application.repository.get(UUID(tid)).registrations[placed["registration_id"]]["subject"]
    assert len(claims(k)) == 2, "one address claim per registration, outside the events"
    with pytest.raises(RetentionNotElapsed):
        k.vault.erase(subject, k.clock())
    move_hub_clock(p, k.clock() + timedelta(days=3))
    k.nudge()

    async def erased() -> dict[str, Any] | None:
        page: dict[str, Any] = (await hub(p).get(f"/trainings/{tid}/registrations", headers=p.token(*CENTER))).json()
        return page if all(i["erased"] for i in page["items"]) else None

    after = await eventually(erased, timeout=30)
    assert [(i["name"], i["email"], i["seat"]) for i in after["items"]] == [
        (None, None, "cancelled"),
        (None, None, "registered"),
    ]
    assert (
        after["counts"]
        == listed["counts"]
        == {
            "capacity": 1,
            "registered": 1,
            "waitlisted": 0,
            "attended": 0,
            "seats_left": 0,
        }
    )
    assert after["total"] == 2
    gone = await hub(p).get(path, headers=secret)
    assert gone.json()["erased"] is True

    app = k.application
    stored = b"".join(n.state for n in app.recorder.select_notifications(start=1, limit=100_000))
    assert b"sealed" in stored, "the registrations are in the stored bodies, sealed"
    # After erasure nothing links a guessed address to a registration: no keyed hash in the events, no claim left.
    for email in (HANAKO["email"], TARO["email"]):
        assert app.citizen_guard.email_key(email).split(":")[1].encode() not in stored
    await eventually(lambda: claims(k) == [], timeout=30)

    async def streamed() -> bytes | None:
        blob = await stream_bytes(nats_url, namespace)
        return blob if blob.count(b"registrations_changed") >= 4 else None

    bus: bytes = await eventually(streamed, timeout=30)
    return stored + bus + public


def claims(k: Any) -> list[Any]:
    with k.application.db.transaction(read_only=True) as tx:
        return list(tx.fetchall("SELECT email_hash FROM hub_training_emails"))


async def public_pages(p: Platform, tid: str) -> bytes:
    async def listed() -> bytes | None:
        page = await hub(p).get("/trainings")
        return page.content if tid.encode() in page.content else None

    blob: bytes = await eventually(listed, timeout=20)
    for path in (f"/trainings/{tid}", "/trainings.ics", f"/trainings/{tid}.ics", "/trainings?audience=citizens"):
        answer = await hub(p).get(path)
        assert answer.status_code == 200, answer.text
        blob += answer.content
    return blob
