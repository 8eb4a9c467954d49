"""P4: `kyodo replay`-style rebuild of info-hub's directory from N registry stream messages, beside a raw nats-py
ordered consumer draining the same stream without processing, in the same run.

    .venv/bin/python -m bench.p4_replay --events 1000000 [--nats-url nats://127.0.0.1:PORT] [--json FILE]
        [--one-process] [--profile FILE]

The replay is what `kyodo replay info-hub` runs (`catch_up`): for a stream this long, the bulk path decodes in a
second process (`kyodo_shared/bus/replay_pipeline.py`). `--one-process` also times the in-process bulk path on a
fresh database in the same run; `--profile` records both replay processes with py-spy (raw collapsed stacks, CPU
samples only) and summarises the time per message of each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import nats

from bench.common import Servers
from bench.profiling import py_spy_binary
from kyodo_contracts import stream_name
from kyodo_contracts.registry import GroupRegistered
from kyodo_shared.bus import replay as bulk
from kyodo_shared.cli.rebuild import catch_up
from kyodo_shared.service import discover
from kyodo_shared.web.devissuer import DevIssuer

from support.bus import create_source_stream, message
from support.harness import Backend, settings_for
from support.servers import spawn_nats

SPY_RATE = 200


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


class Spy:
    """py-spy on this process and the processes it starts (the decoding one), CPU samples only."""

    def __init__(self, out: Path) -> None:
        beside = Path(sys.executable).parent / "py-spy"
        binary = py_spy_binary() or (str(beside) if beside.is_file() else None)
        assert binary, "py-spy not found"
        self.out, self.started = out, time.monotonic()
        args = [binary, "record", "--pid", str(os.getpid()), "--subprocesses", "--format", "raw"]
        self.process = subprocess.Popen(
            [*args, "--rate", str(SPY_RATE), "--output", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # attached before the replay starts

    def stop(self, events: int) -> dict[str, Any]:
        wall = time.monotonic() - self.started
        self.process.send_signal(signal.SIGINT)
        self.process.wait(60)
        return per_message(self.out, wall, events)


def per_message(path: Path, wall_s: float, events: int) -> dict[str, Any]:
    """CPU µs per message of each process, by its largest functions (inclusive) and by package (self)."""
    inclusive: dict[str, Counter[str]] = {}
    by_package: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        process = "decoding" if "replay_worker" in stack or "spawn_main" in stack else "replaying"
        totals[process] += count
        for frame in set(frames[1:]):
            inclusive.setdefault(process, Counter())[frame.split(" (")[0] + " (" + _file(frame) + ")"] += count
        by_package.setdefault(process, Counter())[_package(frames[-1])] += count
    us = 1e6 / SPY_RATE / events
    return {
        "wall_s": round(wall_s, 1),
        "cpu_us_per_message": {p: round(n * us, 1) for p, n in totals.items()},
        "self_us_per_message_by_package": {
            p: {k: round(v * us, 1) for k, v in c.most_common(12)} for p, c in by_package.items()
        },
        "inclusive_us_per_message": {
            p: {k: round(v * us, 1) for k, v in c.most_common(30)} for p, c in inclusive.items()
        },
    }


def _file(frame: str) -> str:
    return frame.rpartition("(")[2].split(":")[0].rstrip(")")


def _package(frame: str) -> str:
    path = _file(frame)
    for marker in ("site-packages/", "kyodo_shared/", "kyodo_info_hub/", "kyodo_contracts/", "python3.11/"):
        if marker in path:
            rest = path.split(marker, 1)[1]
            return (marker if marker != "site-packages/" else "") + rest.split("/")[0]
    return path


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_p4(servers: Servers, *, events: int, one_process: bool = False, profile: Path | None = None) -> dict[str, Any]:
    """Seed `events` registrations, drain them raw, rebuild the directory (and, optionally, in one process)."""
    return asyncio.run(_run(servers.nats_url, events, one_process=one_process, profile=profile))


async def _run(url: str, events: int, *, one_process: bool, profile: Path | None) -> dict[str, Any]:
    namespace = f"p4{int(time.time())}"
    result: dict[str, Any] = {"events": events, "load_before": load()}
    with tempfile.TemporaryDirectory(prefix="kyodo-p4-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        await seed(url, namespace, events)
        result["seed_s"] = round(time.perf_counter() - t0, 1)
        raw = await raw_drain(url, namespace, events)
        spy = Spy(profile) if profile is not None else None
        rebuilt = await replay(url, namespace, events, folder / "two")
        if spy is not None:
            result["profile"] = spy.stop(events)
        result |= {
            "raw_ordered_consumer_per_s": round(raw),
            "replay_per_s": round(rebuilt),
            "ratio": round(rebuilt / raw, 3),
            "target": ">= 0.5",
            "replay": "two processes (receive + commit | decode + rows), one SQLite transaction per 5000 messages",
        }
        if one_process:
            threshold, bulk.TWO_PROCESSES_FROM = bulk.TWO_PROCESSES_FROM, events + 1
            try:
                single = await replay(url, namespace, events, folder / "one")
            finally:
                bulk.TWO_PROCESSES_FROM = threshold
            result |= {"one_process_replay_per_s": round(single), "one_process_ratio": round(single / raw, 3)}
        result["load_after"] = load()
        nc = await nats.connect(url)
        await nc.jetstream().delete_stream(stream_name(namespace, "registry"))
        await nc.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--nats-url", default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--one-process", action="store_true", help="also time the in-process bulk path")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy raw stacks of the replay to this file")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = args.nats_url or stack.enter_context(spawn_nats())
        servers = Servers(url, "", nats_spawned=args.nats_url is None, pg_spawned=False)
        result = run_p4(servers, events=args.events, one_process=args.one_process, profile=args.profile)
    print(json.dumps(result, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
