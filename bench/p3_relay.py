"""P3: the outbox relay draining 100k stored registry events to a fresh stream, beside raw `js.publish_async` of
the same messages with the same in-flight window (256), measured in the same run.

Seeding (not timed): whole group lifecycles written through RegistryApplication — Applied, six CriterionAssessed,
Registered: 8 events per group, each mapping to one contract — into registry's PostgreSQL store.

The relay is built as `Kernel.start()` builds it (same settings, `publish_async_max_pending=max_in_flight`) and
timed from the first `drain_once()` until its position reaches the last event. Each timed batch size gets a fresh
stream (fresh namespace) and a reset relay position. The baseline publishes the very messages the relay produced
(subject, CloudEvents headers, body; prepared untimed through the relay's own read/map/encode) to another fresh
stream, awaiting every ack; a diagnostic repeats it with the relay's Nats-Msg-Id / Expected-Last-Sequence headers.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import nats
import psycopg
from nats.js.api import RetentionPolicy, StorageType, StreamConfig

from bench.common import (
    CpuMeter,
    Servers,
    bench_database,
    bench_namespace,
    percentiles,
    sealed_representative,
    server_groups,
)
from bench.profiling import PySpy

EVENTS_PER_GROUP = 8
WINDOW = 256


def run_p3(
    servers: Servers, *, events: int, batch_sizes: list[int], profile: Path | None, proposed: bool = True
) -> dict[str, Any]:
    result: dict[str, Any] = {"events": events, "window": WINDOW}
    sg = server_groups(servers)
    with bench_database(servers.pg_dsn) as dsn:
        started = time.monotonic()
        stored = seed_events(dsn, events)
        result["seeded_events"] = stored
        result["seed_s"] = time.monotonic() - started
        result["relay"] = []
        for i, batch_size in enumerate(batch_sizes):
            spy_path = profile / f"p3-relay-batch{batch_size}.txt" if profile is not None and i == 0 else None
            result["relay"].append(asyncio.run(time_relay(servers, dsn, stored, batch_size, sg, spy_path)))
        if proposed:
            # A variant under study (bench/relay_variants.py), default batch size, same data.
            result["relay_proposed"] = [
                asyncio.run(time_relay(servers, dsn, stored, batch_sizes[0], sg, None, variant=variant))
                for variant in ("prefetch",)
            ]
        messages, prep = asyncio.run(prepare_messages(servers, dsn, stored))
        result["prepare_untimed"] = prep
        result["raw_publish"] = asyncio.run(raw_publish(servers, messages, sg, relay_headers=False))
        result["diag_raw_publish_with_relay_headers"] = asyncio.run(
            raw_publish(servers, messages, sg, relay_headers=True)
        )
        result["diag_raw_publish_with_wait_stall"] = asyncio.run(
            raw_publish(servers, messages, sg, relay_headers=False, wait_stall=10.0)
        )
        result["ratio"] = result["relay"][0]["per_second"] / result["raw_publish"]["per_second"]
        result["best_ratio"] = max(r["per_second"] for r in result["relay"]) / result["raw_publish"]["per_second"]
    return result


def _store_settings(dsn: str) -> Any:
    from kyodo_shared.settings import StoreSettings

    return StoreSettings(backend="postgres", pg_dsn=dsn, pg_schema="registry", pg_pool_size=8)


def _application(store: Any) -> Any:
    """The registry application as the composition root constructs it (its vault a throwaway SQLite file)."""
    import tempfile

    from bench.common import registry_application

    return registry_application(store, Path(tempfile.mkdtemp(prefix="kyodo-bench-vault-")) / "vault.sqlite")


def _close(app: Any) -> None:
    app.close()
    app.db.close()
    app.vault.db.close()


def seed_events(dsn: str, events: int) -> int:
    from bench.common import bylaws_document
    from kyodo_registry.app_base import one_year_after
    from kyodo_registry.domain import CRITERIA, Group

    from support.registry import application

    app = _application(_store_settings(dsn))
    body = application(name="ベンチ・リレーの会")
    profile = {k: body[k] for k in ("name", "purpose", "fields_of_activity", "area")}
    declarations = {c: d["evidence"] for c, d in body["criteria"].items()}
    bylaws = bylaws_document(body)
    app.documents.put(bylaws, app.clock())
    sealed = sealed_representative(body["representative"])
    due = one_year_after(app.today()).isoformat()
    trace = {"correlation_id": "bench-seed", "causation_id": "bench-seed", "actor": "bench"}
    groups = -(-events // EVENTS_PER_GROUP)
    pending: list[Group] = []
    for i in range(groups):
        group = Group(uuid.uuid4(), {**profile, "name": f"{profile['name']} {i}"}, f"rep-{i}", sealed,
                      declarations, bylaws.reference(), [], trace, secrets.token_hex(16))  # fmt: skip
        for criterion in CRITERIA:
            group.assess(criterion, True, "会則と活動実績で確認", "bench-seeder", due, trace)
        pending.append(group)
        if len(pending) == 50:
            app.save(*pending)
            pending.clear()
    if pending:
        app.save(*pending)
    _close(app)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM registry.registry_events").fetchone()
    return int(row[0]) if row else 0


def _relay(dsn: str, js: Any, namespace: str, batch_size: int, variant: str = "shipped") -> Any:
    from kyodo_registry.bus import to_contracts
    from kyodo_shared.bus.relay import OutboxRelay
    from kyodo_shared.observability.metrics import KernelMetrics
    from kyodo_shared.settings import BusSettings, RelaySettings
    from kyodo_shared.store.db import open_database
    from kyodo_shared.store.migrations import upgrade_kernel

    store = _store_settings(dsn)
    db = open_database(store)
    upgrade_kernel(db)
    with db.transaction() as tx:
        tx.execute("DELETE FROM kyodo_relay_position WHERE service = %s", ("registry",))
    app = _application(store)
    cls = OutboxRelay
    if variant == "prefetch":
        from bench.relay_variants import PrefetchRelay

        cls = PrefetchRelay
    relay = cls(
        service="registry",
        application=app,
        mapper=to_contracts,
        db=db,
        js=js,
        bus=BusSettings(nats_url="nats://unused", namespace=namespace, provision="create"),
        settings=RelaySettings(batch_size=batch_size),
        metrics=KernelMetrics(),
    )
    return relay, app, db


async def time_relay(
    servers: Servers,
    dsn: str,
    events: int,
    batch_size: int,
    sg: dict,
    spy_path: Path | None,
    *,
    variant: str = "shipped",
) -> dict[str, Any]:
    from kyodo_shared.settings import RelaySettings

    window = RelaySettings().max_in_flight
    with bench_namespace(servers.nats_url) as namespace:
        nc = await nats.connect(servers.nats_url)
        try:
            js = nc.jetstream(publish_async_max_pending=window)
            relay, app, db = _relay(dsn, js, namespace, batch_size, variant)
            await relay.ensure_stream()
            await relay.reconcile()
            meter = CpuMeter(groups={"bench (relay)": [os.getpid()], **sg})
            spy = PySpy(os.getpid(), spy_path) if spy_path is not None else None
            meter.start()
            batches: list[float] = []
            started = time.perf_counter()
            while relay.position.sequence < events:
                t = time.perf_counter()
                published = await relay.drain_once()
                batches.append((time.perf_counter() - t) * 1000)
                if not published and relay.position.sequence < events:
                    raise RuntimeError(f"relay stalled at {relay.position}")
            elapsed = time.perf_counter() - started
            cpu = meter.stop()
            profile = spy.stop() if spy is not None else None
            info = await js.stream_info(relay.stream)
            _close(app)
            db.close()
        finally:
            await nc.close()
    out: dict[str, Any] = {
        "variant": variant,
        "batch_size": batch_size,
        "max_in_flight": window,
        "published": relay.position.sequence,
        "stream_last_seq": info.state.last_seq,
        "stream_bytes": info.state.bytes,
        "seconds": elapsed,
        "per_second": relay.position.sequence / elapsed,
        "drain_once_ms": percentiles(batches, (50, 99)),
        "cpu": cpu,
    }
    if profile is not None:
        out["profile"] = profile
    return out


async def prepare_messages(servers: Servers, dsn: str, events: int) -> tuple[list[tuple[str, dict, bytes]], dict]:
    """The relay's exact messages, built by its own read/map/encode path (timed only as a diagnostic)."""
    from kyodo_shared.bus.cloudevents import Envelope, encode, message_id
    from kyodo_shared.bus.relay import Position

    nc = await nats.connect(servers.nats_url)
    try:
        relay, app, db = _relay(dsn, nc.jetstream(), "bprep", 500)
        messages: list[tuple[str, dict, bytes]] = []
        position = Position()
        read_s = encode_s = 0.0
        sequence = 0
        while len(messages) < events:
            t = time.perf_counter()
            items, last = relay._read(position)
            relay.last_read = last  # the next read checks its first notification against this one
            read_s += time.perf_counter() - t
            if not items:
                break
            t = time.perf_counter()
            for item in items:
                sequence += 1
                msg_id = message_id("registry", item.notification_id, item.index)
                envelope = Envelope(
                    id=msg_id,
                    source="/kyodo/registry",
                    type=item.contract.ce_type(),
                    time=item.time,
                    subject=item.subject,
                    sequence=sequence,
                    correlation_id=item.trace.get("correlation_id", msg_id),
                    causation_id=item.trace.get("causation_id", msg_id),
                    data=item.contract,
                    notification_id=item.notification_id,
                    index=item.index,
                )
                headers, body = encode(envelope)
                messages.append((item.contract.subject("bprep"), headers, body))
            encode_s += time.perf_counter() - t
            position = Position(last.notification_id if last else position.notification_id, 2**30, sequence)
        _close(app)
        db.close()
    finally:
        await nc.close()
    body_sizes = [len(b) for _, _, b in messages]
    header_sizes = [sum(len(k) + len(v) + 4 for k, v in h.items()) for _, h, _ in messages]
    return messages, {
        "messages": len(messages),
        "read_and_map_per_second": len(messages) / read_s if read_s else 0.0,
        "envelope_encode_per_second": len(messages) / encode_s if encode_s else 0.0,
        "avg_body_bytes": sum(body_sizes) / len(body_sizes) if body_sizes else 0,
        "avg_header_bytes": sum(header_sizes) / len(header_sizes) if header_sizes else 0,
    }


async def raw_publish(
    servers: Servers,
    messages: list[tuple[str, dict, bytes]],
    sg: dict,
    *,
    relay_headers: bool,
    wait_stall: float | None = None,
) -> dict[str, Any]:
    namespace = f"b{uuid.uuid4().hex[:8]}"
    stream = f"{namespace.upper()}_P3RAW"
    nc = await nats.connect(servers.nats_url)
    try:
        js = nc.jetstream(publish_async_max_pending=WINDOW)
        await js.add_stream(
            StreamConfig(
                name=stream,
                subjects=[f"{namespace}.>"],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                duplicate_window=120.0,
            )
        )
        prefixed = [(f"{namespace}.{s.split('.', 1)[1]}", h, b) for s, h, b in messages]
        meter = CpuMeter(groups={"bench (publisher)": [os.getpid()], **sg})
        meter.start()
        started = time.perf_counter()
        futures = []
        for seq, (subject, headers, body) in enumerate(prefixed, start=1):
            hdrs = dict(headers)
            if relay_headers:
                hdrs["Nats-Msg-Id"] = headers["ce-id"]
                hdrs["Nats-Expected-Last-Sequence"] = str(seq - 1)
            futures.append(await js.publish_async(subject, body, headers=hdrs, stream=stream, wait_stall=wait_stall))
        acks = await asyncio.wait_for(asyncio.gather(*futures), timeout=120)
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
        info = await js.stream_info(stream)
        return {
            "what": "js.publish_async of the relay's messages, window 256, all acks awaited"
            + (" + Nats-Msg-Id + Nats-Expected-Last-Sequence" if relay_headers else "")
            + (f" + wait_stall={wait_stall}" if wait_stall is not None else ""),
            "published": len(acks),
            "stream_last_seq": info.state.last_seq,
            "seconds": elapsed,
            "per_second": len(acks) / elapsed,
            "cpu": cpu,
        }
    finally:
        try:
            await js.delete_stream(stream)
        finally:
            await nc.close()
