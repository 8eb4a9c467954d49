"""`kyodo serve` answers Prometheus on its metrics port only: the public port (API, pages, probes) answers /metrics 404,
and a metrics port it cannot have stops the start, named, before anything connects."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import httpx

from support.harness import eventually
from support.procs import child, free_port, kyodo_serve, serve_env


def registry_env(tmp_path: Path, nats_url: str, namespace: str, metrics_port: int) -> dict[str, str]:
    return serve_env("registry", tmp_path / "registry.sqlite", nats_url, namespace) | {
        "KYODO_METRICS__PORT": str(metrics_port),
    }


async def test_metrics_answer_on_the_metrics_port_and_404_on_the_public_port(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    port, metrics_port = free_port(), free_port()
    public, private = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}"
    env = registry_env(tmp_path, nats_url, bus_namespace, metrics_port)
    with child(kyodo_serve("registry", port), env, tmp_path / "serve.log") as proc:
        async with httpx.AsyncClient(timeout=5) as client:

            async def up() -> bool:
                try:
                    return (await client.get(f"{public}/api/registry/healthz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(up, timeout=30)
            scraped = await client.get(f"{private}/metrics")
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain")
            # The public port's own requests are what it counts.
            assert 'kyodo_http_requests_total{method="GET",route="/healthz",status="200"}' in scraped.text

            for path in ("/api/registry/metrics", "/metrics"):
                assert (await client.get(f"{public}{path}")).status_code == 404, path
            openapi = (await client.get(f"{public}/api/registry/openapi.json")).json()
            assert "/healthz" in openapi["paths"]
            assert "/metrics" not in openapi["paths"]

            # The metrics port serves nothing else: no API, no pages, no other path.
            for path in ("/api/registry/healthz", "/api/registry/metrics", "/"):
                assert (await client.get(f"{private}{path}")).status_code == 404, path
            assert (await client.post(f"{private}/metrics")).status_code == 405
        # One server for both ports: SIGTERM drains and exits cleanly.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0


def serve_briefly(env: dict[str, str], port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        kyodo_serve("registry", port), env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_taken_metrics_port_stops_the_start_naming_the_port_and_the_setting(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        # Refused before the kernel starts: the bus named here is never dialled.
        result = serve_briefly(registry_env(tmp_path, "nats://127.0.0.1:1", "unused", taken), free_port())
    assert result.returncode == 1, result.stderr
    assert f"127.0.0.1:{taken}" in result.stderr
    assert "KYODO_METRICS__PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_metrics_port_equal_to_the_public_port_is_a_usage_mistake(tmp_path: Path) -> None:
    port = free_port()
    result = serve_briefly(registry_env(tmp_path, "nats://127.0.0.1:1", "unused", port), port)
    assert result.returncode == 2, result.stderr
    assert "KYODO_METRICS__PORT" in result.stderr
    assert "Traceback" not in result.stderr
