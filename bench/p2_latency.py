"""P2: command accepted → visible in info-hub, open loop, beside raw JetStream publish → pull-consumer latency.

Setup: registry and info-hub each run as `kyodo serve` on PostgreSQL (one database, schemas `registry` and
`info_hub`), with a real JetStream. Applications are seeded straight into registry's store with five of the six
criteria assessed (seeding is not measured; the services start afterwards and the bench waits until info-hub has
consumed everything). Each measured command is the sixth assessment, `POST /api/registry/groups/{id}/assessments`,
which emits CriterionAssessed + GroupRegistered in one commit.

Method: "visible" is the commit of the directory row in info-hub's database, observed with LISTEN/NOTIFY from a
trigger the bench adds to `info_hub.directory_groups` (NOTIFY is delivered at commit, i.e. exactly when a
`GET /api/info-hub/groups/{id}` can first return 200). Every 10th command is also checked over HTTP right after its
notification. A core-NATS subscription on registry's subjects timestamps when each GroupRegistered reaches the bus,
splitting the latency into the relay leg and the consumer leg. All timestamps come from one clock in this process.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import nats
import psycopg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig

from bench.common import (
    CpuMeter,
    Issuer,
    Servers,
    bench_database,
    bench_namespace,
    kyodo_serve,
    metric,
    percentiles,
    sealed_representative,
    serve_env,
    server_groups,
    wait_until,
    workdir,
)
from bench.httpclient import ConnectionPool

from support.registry import application

LAST = "self_governing"
FIVE = ("public_interest", "non_profit_distributing", "private", "voluntary", "formally_organized")
PATCHED_LAUNCHER = ["-m", "bench.patched_serve"]


# Scenarios: "register" sends only the measured registrations; "mixed" also sends one new application
# (POST /groups, a single-event command) after every 10th registration, as real traffic would.
SCENARIOS = {"register": None, "mixed": 10}


def run_p2(
    servers: Servers, *, rate: float, warmup: float, duration: float, variants: list[str], scenarios: list[str]
) -> dict:
    result: dict[str, Any] = {"rate_per_s": rate, "warmup_s": warmup, "duration_s": duration, "variants": []}
    for scenario in scenarios:
        for variant in variants:
            result["variants"].append(_run_variant(servers, variant, scenario, rate, warmup, duration))
    result["raw_jetstream"] = asyncio.run(raw_jetstream(servers, rate, warmup, duration))
    return result


def _run_variant(
    servers: Servers, variant: str, scenario: str, rate: float, warmup: float, duration: float
) -> dict[str, Any]:
    launcher = PATCHED_LAUNCHER if variant == "patched" else None
    count = int(rate * (warmup + duration)) + 20
    out: dict[str, Any] = {"variant": variant, "scenario": scenario, "backend": "postgres (both services)"}
    with workdir("p2") as tmp, bench_database(servers.pg_dsn) as dsn, bench_namespace(servers.nats_url) as ns:
        root = Path(tmp)
        issuer = Issuer(root / "issuer")
        started = time.monotonic()
        group_ids = seed_applications(dsn, count)
        out["seeded_groups"] = count
        out["seed_s"] = time.monotonic() - started
        reg_env = serve_env("registry", "registry", dsn, servers.nats_url, ns, issuer)
        hub_env = serve_env("info-hub", "info_hub", dsn, servers.nats_url, ns, issuer)
        with (
            kyodo_serve("registry", reg_env, root, launcher=launcher) as registry,
            kyodo_serve("info-hub", hub_env, root, launcher=launcher) as hub,
        ):
            seeded_events = count * 6  # Applied + 5 CriterionAssessed per group
            started = time.monotonic()
            wait_until(
                lambda: metric(hub.metrics(), 'kyodo_consumer_tracked_sequence{source="registry"}') >= seeded_events,
                timeout=180,
                interval=0.5,
                what="info-hub consumed the seeded events",
            )
            out["catch_up_s"] = time.monotonic() - started
            _install_trigger(dsn)
            meter = CpuMeter(
                groups={
                    "registry": [registry.process.pid],
                    "info-hub": [hub.process.pid],
                    "bench client": [_self_pid()],
                    **server_groups(servers),
                }
            )
            tokens = (issuer.token("bench-coordinator", "coordinator"), issuer.token("bench-rep", "group"))
            measured = asyncio.run(
                _open_loop(
                    servers, ns, dsn, registry.port, hub.port, tokens, group_ids, rate, warmup, duration, meter,
                    apply_every=SCENARIOS[scenario],
                )
            )  # fmt: skip
            out.update(measured)
            out["registry_relay_sequence"] = metric(registry.metrics(), "kyodo_relay_sequence")
            out["info_hub_tracked_sequence"] = metric(
                hub.metrics(), 'kyodo_consumer_tracked_sequence{source="registry"}'
            )
    return out


def _self_pid() -> int:
    import os

    return os.getpid()


def seed_applications(dsn: str, count: int) -> list[uuid.UUID]:
    """`count` applications with five criteria assessed, written through RegistryApplication (100 per commit)."""
    import tempfile

    from bench.common import bylaws_document, registry_application
    from kyodo_registry.app_base import one_year_after
    from kyodo_registry.domain import Group
    from kyodo_shared.settings import StoreSettings

    from support.registry import application

    store = StoreSettings(backend="postgres", pg_dsn=dsn, pg_schema="registry")
    app = registry_application(store, Path(tempfile.mkdtemp(prefix="kyodo-bench-vault-")) / "vault.sqlite")
    body = application(name="ベンチ・みどりの会")
    profile = {k: body[k] for k in ("name", "purpose", "fields_of_activity", "area")}
    declarations = {c: d["evidence"] for c, d in body["criteria"].items()}
    bylaws = bylaws_document(body)
    # The bylaws' bytes are where the registry looks for them (the events carry only the reference).
    app.documents.put(bylaws, app.clock())
    sealed = sealed_representative(body["representative"])
    due = one_year_after(app.today()).isoformat()
    trace = {"correlation_id": "bench-seed", "causation_id": "bench-seed", "actor": "bench"}
    ids: list[uuid.UUID] = []
    pending: list[Group] = []
    for i in range(count):
        group = Group(uuid.uuid4(), {**profile, "name": f"{profile['name']} {i}"}, f"rep-{i}", sealed,
                      declarations, bylaws.reference(), [], trace, secrets.token_hex(16))  # fmt: skip
        for criterion in FIVE:
            group.assess(criterion, True, "会則と活動実績で確認", "bench-seeder", due, trace)
        pending.append(group)
        ids.append(group.id)
        if len(pending) == 100:
            app.save(*pending)
            pending.clear()
    if pending:
        app.save(*pending)
    app.close()
    app.db.close()
    app.vault.db.close()
    return ids


def _install_trigger(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION info_hub.bench_visible() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_notify('bench_visible', NEW.group_id); RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER bench_visible AFTER INSERT OR UPDATE ON info_hub.directory_groups "
            "FOR EACH ROW EXECUTE FUNCTION info_hub.bench_visible()"
        )


async def _open_loop(
    servers: Servers,
    ns: str,
    dsn: str,
    registry_port: int,
    hub_port: int,
    tokens: tuple[str, str],
    group_ids: list[uuid.UUID],
    rate: float,
    warmup: float,
    duration: float,
    meter: CpuMeter,
    *,
    apply_every: int | None,
) -> dict[str, Any]:
    visible: dict[str, float] = {}
    on_bus: dict[str, float] = {}
    http_check: dict[str, tuple[float, int]] = {}
    sampled: set[str] = set()
    registry = ConnectionPool("127.0.0.1", registry_port)
    hub = ConnectionPool("127.0.0.1", hub_port)
    checks: list[asyncio.Task[None]] = []

    async def check_http(gid: str) -> None:
        response = await hub.request("GET", f"/api/info-hub/groups/{gid}")
        http_check[gid] = (time.perf_counter(), response.status)

    listen = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    await listen.execute("LISTEN bench_visible")

    async def listener() -> None:
        async for note in listen.notifies():
            visible.setdefault(note.payload, time.perf_counter())
            if note.payload in sampled:
                checks.append(asyncio.create_task(check_http(note.payload)))

    nc = await nats.connect(servers.nats_url)

    async def on_msg(msg: Any) -> None:
        headers = msg.headers or {}
        if headers.get("ce-type", "").endswith("registry.group.registered.v1"):
            on_bus.setdefault(headers.get("ce-subject", ""), time.perf_counter())

    await nc.subscribe(f"{ns}.registry.>", cb=on_msg)
    listen_task = asyncio.create_task(listener())

    body = json.dumps({"criterion": LAST, "met": True, "reason": "会則と活動実績で確認"}).encode()
    headers = {"Authorization": f"Bearer {tokens[0]}", "If-Match": '"6"'}
    apply_body = json.dumps(application(name="ベンチ・新しい会")).encode()
    apply_headers = {"Authorization": f"Bearer {tokens[1]}"}
    apply_statuses: dict[int, int] = {}

    async def apply() -> None:
        response = await registry.request("POST", "/api/registry/groups", body=apply_body, headers=apply_headers)
        apply_statuses[response.status] = apply_statuses.get(response.status, 0) + 1

    sent: dict[str, float] = {}
    accepted: dict[str, float] = {}
    statuses: dict[int, int] = {}
    registered = 0

    async def command(gid: str) -> None:
        nonlocal registered
        sent[gid] = time.perf_counter()
        response = await registry.request("POST", f"/api/registry/groups/{gid}/assessments", body=body, headers=headers)
        now = time.perf_counter()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.status == 200:
            accepted[gid] = now
            if json.loads(response.body).get("status") == "registered":
                registered += 1

    total = int(rate * (warmup + duration))
    ids = [str(g) for g in group_ids[:total]]
    sampled.update(ids[::10])
    tasks = []
    t0 = time.perf_counter() + 0.2
    measure_from = int(rate * warmup)
    lag_max = 0.0
    for i, gid in enumerate(ids):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag_max = max(lag_max, time.perf_counter() - due)
        if i == measure_from:
            meter.start()
        tasks.append(asyncio.create_task(command(gid)))
        if apply_every and i % apply_every == apply_every // 2:
            tasks.append(asyncio.create_task(apply()))
    await asyncio.gather(*tasks)
    deadline = time.perf_counter() + 15
    while time.perf_counter() < deadline and not all(g in visible for g in accepted):  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    cpu = meter.stop()
    await asyncio.sleep(0.2)
    await asyncio.gather(*checks, return_exceptions=True)
    listen_task.cancel()
    await listen.close()
    await nc.close()
    await registry.close()
    await hub.close()

    window = [g for g in ids[measure_from:] if g in accepted]
    missing = [g for g in window if g not in visible]

    def ms(values: list[float]) -> dict[str, float]:
        return percentiles([v * 1000 for v in values], (50, 95, 99))

    http_ok = [g for g in window if g in http_check]
    return {
        "commands_sent": len(ids),
        "measured_commands": len(window),
        "statuses": {str(k): v for k, v in statuses.items()},
        "apply_statuses": {str(k): v for k, v in apply_statuses.items()},
        "registered_responses": registered,
        "not_visible_within_15s": len(missing),
        "schedule_lag_max_ms": lag_max * 1000,
        "command_latency_ms": ms([accepted[g] - sent[g] for g in window]),
        "accepted_to_visible_ms": ms([visible[g] - accepted[g] for g in window if g in visible]),
        "sent_to_visible_ms": ms([visible[g] - sent[g] for g in window if g in visible]),
        "accepted_to_bus_ms": ms([on_bus[g] - accepted[g] for g in window if g in on_bus]),
        "bus_to_visible_ms": ms([visible[g] - on_bus[g] for g in window if g in on_bus and g in visible]),
        "visible_before_response": sum(1 for g in window if g in visible and visible[g] < accepted[g]),
        "http_check": {
            "checked": len(http_ok),
            "status_200": sum(1 for g in http_ok if http_check[g][1] == 200),
            "accepted_to_http_200_ms": ms([http_check[g][0] - accepted[g] for g in http_ok if http_check[g][1] == 200]),
        },
        "cpu": cpu,
    }


async def raw_jetstream(servers: Servers, rate: float, warmup: float, duration: float) -> dict[str, Any]:
    """Open loop at `rate` ticks/s, two messages per tick (like one command's two events) published with
    publish_async on a fresh stream; a durable pull consumer long-polls fetch(1) and acks each message.
    Latency = second message received − first publish call."""
    namespace = f"b{uuid.uuid4().hex[:8]}"
    stream = f"{namespace.upper()}_P2RAW"
    subject = f"{namespace}.p2raw.x"
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream(publish_async_max_pending=256)
    try:
        await js.add_stream(StreamConfig(name=stream, subjects=[f"{namespace}.p2raw.>"]))
        await js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name="raw", ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, max_deliver=-1
            ),
        )
        psub = await js.pull_subscribe_bind("raw", stream)
        received: dict[int, float] = {}
        total = int(rate * (warmup + duration))
        stop = asyncio.Event()

        async def consume() -> None:
            while not stop.is_set():
                try:
                    msgs = await psub.fetch(1, timeout=1.0)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                for msg in msgs:
                    now = time.perf_counter()
                    headers = msg.headers or {}
                    if headers.get("part") == "2":
                        received[int(headers["tick"])] = now
                    await msg.ack()

        body = b"x" * 420
        started: dict[int, float] = {}
        consumer = asyncio.create_task(consume())
        t0 = time.perf_counter() + 0.2
        pending = []
        for i in range(total):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            started[i] = time.perf_counter()
            pending.append(await js.publish_async(subject, body, headers={"tick": str(i), "part": "1"}))
            pending.append(await js.publish_async(subject, body, headers={"tick": str(i), "part": "2"}))
        await asyncio.gather(*pending)
        deadline = time.perf_counter() + 10
        while len(received) < total and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        stop.set()
        await consumer
        window = range(int(rate * warmup), total)
        latencies = [(received[i] - started[i]) * 1000 for i in window if i in received]
        return {
            "what": "publish_async ×2 per tick → durable pull consumer fetch(1) + ack, open loop",
            "rate_per_s": rate,
            "messages": total * 2,
            "missing": sum(1 for i in window if i not in received),
            "latency_ms": percentiles(latencies, (50, 95, 99)),
        }
    finally:
        try:
            await js.delete_stream(stream)
        finally:
            await nc.close()
