"""A service started while NATS does not answer: it waits for it a bounded time — starting normally if NATS comes
up within the wait — and otherwise exits, its log naming the URL and what to check, instead of hanging in its
startup without a word. Real `kyodo serve` processes; the NATS server is the test's own."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from support.harness import eventually
from support.procs import free_port, kyodo_serve, serve_env
from support.servers import spawn_nats


def start(tmp_path: Path, nats_url: str, wait: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    port, log = free_port(), tmp_path / "registry.log"
    env = serve_env("registry", tmp_path / "registry.sqlite", nats_url, "atstart")
    env["KYODO_BUS__CONNECT_WAIT_SECONDS"] = wait
    with log.open("ab") as out:
        proc = subprocess.Popen(kyodo_serve("registry", port), env=env, stdout=out, stderr=subprocess.STDOUT)
    return proc, port, log


def test_a_service_whose_nats_does_not_answer_exits_after_the_wait_naming_the_url(tmp_path: Path) -> None:
    nowhere = f"nats://127.0.0.1:{free_port()}"
    proc, _, log = start(tmp_path, nowhere, "2")
    try:
        returncode = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert returncode != 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    unreachable = [line for line in lines if line.get("event") == "bus_unreachable_at_start"]
    assert len(unreachable) == 1, log.read_text()[-3000:]
    assert unreachable[0]["url"] == nowhere
    assert "KYODO_BUS__NATS_URL" in unreachable[0]["hint"]
    assert f"NATS at {nowhere} did not answer within 2 s" in log.read_text()


async def test_a_service_started_before_its_nats_starts_once_nats_answers_within_the_wait(tmp_path: Path) -> None:
    nats_port = free_port()
    proc, port, log = start(tmp_path, f"nats://127.0.0.1:{nats_port}", "60")
    try:
        with spawn_nats(port=nats_port):

            async def ready() -> bool:
                assert proc.poll() is None, log.read_text()[-3000:]
                try:
                    async with httpx.AsyncClient(timeout=2) as client:
                        answer = await client.get(f"http://127.0.0.1:{port}/api/registry/readyz")
                    return answer.status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, timeout=45, interval=0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "bus_unreachable_at_start" not in log.read_text()
