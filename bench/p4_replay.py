"""P4: `kyodo replay`-style rebuild of info-hub's directory from N registry stream messages, beside a raw nats-py
ordered consumer draining the same stream without processing, in the same run.

    .venv/bin/python -m bench.p4_replay --events 1000000 [--nats-url nats://127.0.0.1:PORT]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import nats

from kyodo_contracts import stream_name
from kyodo_contracts.registry import GroupRegistered
from kyodo_shared.cli.rebuild import catch_up
from kyodo_shared.service import discover
from kyodo_shared.web.devissuer import DevIssuer

from support.bus import create_source_stream, message
from support.harness import Backend, settings_for
from support.servers import spawn_nats


async def seed(nats_url: str, namespace: str, events: int) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream(publish_async_max_pending=256)
    await create_source_stream(js, namespace)
    subject = GroupRegistered.subject(namespace)
    futures = []
    for seq in range(1, events + 1):
        headers, body = message(seq, f"団体{seq}")
        futures.append(await js.publish_async(subject, body, headers=headers))
        if len(futures) >= 10_000:
            await asyncio.gather(*futures)
            futures.clear()
    await asyncio.gather(*futures)
    await nc.close()


async def raw_drain(nats_url: str, namespace: str, events: int) -> float:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    done = asyncio.Event()
    count = 0

    async def on_msg(msg: Any) -> None:
        nonlocal count
        count += 1
        if count >= events:
            done.set()

    started = time.perf_counter()
    sub = await js.subscribe(
        f"{namespace}.registry.>", ordered_consumer=True, cb=on_msg, stream=stream_name(namespace, "registry")
    )
    await done.wait()
    elapsed = time.perf_counter() - started
    await sub.unsubscribe()
    await nc.close()
    return events / elapsed


async def replay(nats_url: str, namespace: str, events: int, folder: Path) -> float:
    issuer = DevIssuer.load_or_create(folder / "issuer")
    settings = settings_for("info-hub", Backend("sqlite", folder), nats_url, namespace, issuer)
    settings = settings.model_copy(update={"consumer": settings.consumer.model_copy(update={"fetch_batch": 1000})})
    app = discover()["info-hub"].create_app(settings, None)
    kernel = app.state.kernel
    started = time.perf_counter()
    try:
        # What `kyodo replay info-hub` runs once it has opened the service's kernel.
        assert await catch_up(kernel, 3600) == 0
        elapsed = time.perf_counter() - started
        assert kernel.ledger.tracked("registry") == events
    finally:
        kernel.close()
    return events / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--nats-url", default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with ExitStack() as stack:
        url = args.nats_url or stack.enter_context(spawn_nats())
        namespace = f"p4{int(time.time())}"
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kyodo-p4-")))
        t0 = time.perf_counter()
        await seed(url, namespace, args.events)
        seed_s = time.perf_counter() - t0
        raw = await raw_drain(url, namespace, args.events)
        rebuilt = await replay(url, namespace, args.events, folder)
        result = {
            "events": args.events,
            "seed_s": round(seed_s, 1),
            "raw_ordered_consumer_per_s": round(raw),
            "replay_per_s": round(rebuilt),
            "ratio": round(rebuilt / raw, 3),
            "target": ">= 0.5",
            "store": "SQLite (info-hub directory), one transaction per batch of up to 1000 messages",
        }
        print(json.dumps(result, ensure_ascii=False))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
        nc = await nats.connect(url)
        await nc.jetstream().delete_stream(stream_name(namespace, "registry"))
        await nc.close()


if __name__ == "__main__":
    asyncio.run(main())
