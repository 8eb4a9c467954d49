"""Probe: does a pull `fetch(256, timeout=2)` issued on an idle stream hold the first message until the timeout?

SourceConsumer.run long-polls fetch(1) when idle and switches to fetch(fetch_batch) after any message; if a
batch fetch lingered until its batch filled, a lone event would wait up to idle_wait_seconds (2 s). This replays
that fetch pattern against a real server with one message every 50 ms and prints how long each fetch took and
each message's publish → receive latency.

    .venv/bin/python -m bench.fetch_probe --nats-url nats://127.0.0.1:4222
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import nats
import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig


async def probe(nats_url: str, messages: int = 30, gap: float = 0.05) -> dict[str, object]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    namespace = f"b{uuid.uuid4().hex[:8]}"
    stream = f"{namespace.upper()}_PROBE"
    try:
        await js.add_stream(StreamConfig(name=stream, subjects=[f"{namespace}.>"]))
        await js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name="probe", ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, max_deliver=-1
            ),
        )
        psub = await js.pull_subscribe_bind("probe", stream)
        sent: dict[int, float] = {}
        latencies: list[float] = []
        fetches: list[tuple[int, int, float]] = []

        async def consume() -> None:
            batch = 1
            while True:
                started = time.perf_counter()
                try:
                    msgs = await psub.fetch(batch, timeout=2.0)
                except (nats.errors.TimeoutError, TimeoutError):
                    batch = 1
                    continue
                fetches.append((batch, len(msgs), (time.perf_counter() - started) * 1000))
                batch = 256 if len(msgs) >= batch else 1  # the kernel's rule
                for msg in msgs:
                    latencies.append((time.perf_counter() - sent[int(msg.data)]) * 1000)
                    await msg.ack()

        task = asyncio.create_task(consume())
        for i in range(messages):
            sent[i] = time.perf_counter()
            await js.publish(f"{namespace}.x", str(i).encode())
            await asyncio.sleep(gap)
        await asyncio.sleep(0.5)
        task.cancel()
        info = nc._server_info
        big = [ms for batch, _, ms in fetches if batch > 1]
        return {
            "server": info.get("version"),
            "messages": messages,
            "received": len(latencies),
            "batch_fetches": len(big),
            "batch_fetch_ms_max": max(big) if big else None,
            "latency_ms_max": max(latencies) if latencies else None,
        }
    finally:
        await js.delete_stream(stream)
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    print(asyncio.run(probe(parser.parse_args().nats_url)))


if __name__ == "__main__":
    main()
