"""A node of the StatefulSet's 3-server cluster (tests/support/nats_conf.py) killed under the services' workload:
what each server's monitoring says about a stream (/jsz), the stream leader moved onto the server a kernel is
connected to, a SIGKILL, and a steady workload of registry commands whose every acknowledgement is recorded.

Also runnable for longer than CI allows: support/nats_cluster_run.py.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats

from kyodo_contracts import stream_name
from kyodo_shared.bus.cloudevents import H_ID, H_SEQUENCE, H_SUBJECT
from kyodo_shared.bus.permissions import NAMESPACE, OPERATOR

from support.harness import Platform
from support.nats_conf import ClusterNode, ConfiguredCluster
from support.registry import CRITERIA, application
from support.servers import LOOPBACK

STREAM = stream_name(NAMESPACE, "registry")


async def monitor(node: ClusterNode, path: str) -> Any:
    async with httpx.AsyncClient(base_url=f"http://{LOOPBACK}:{node.monitor_port}", timeout=5) as client:
        answer = await client.get(path)
        answer.raise_for_status()
        return answer.json()


async def healthy(cluster: ConfiguredCluster) -> bool:
    """Every running server's JetStream is current (the StatefulSet's startup probe, /healthz)."""
    for node in cluster.nodes:
        try:
            async with httpx.AsyncClient(base_url=f"http://{LOOPBACK}:{node.monitor_port}", timeout=5) as client:
                if (await client.get("/healthz")).status_code != 200:
                    return False
        except httpx.HTTPError:
            return False
    return True


async def stream_on(node: ClusterNode, stream: str = STREAM) -> dict[str, Any] | None:
    """The stream as this server holds it (its own replica's state, its view of the leader), from /jsz."""
    try:
        jsz = await monitor(node, "/jsz?streams=true")
    except httpx.HTTPError:
        return None
    for account in jsz.get("account_details") or []:
        for detail in account.get("stream_detail") or []:
            if detail.get("name") == stream:
                return dict(detail)
    return None


async def leader_of(cluster: ConfiguredCluster, stream: str = STREAM) -> ClusterNode | None:
    """The server the running servers agree leads the stream (None during an election)."""
    seen = set()
    for node in cluster.nodes:
        if node.process is None:
            continue
        detail = await stream_on(node, stream)
        if detail is None or not (detail.get("cluster") or {}).get("leader"):
            return None
        seen.add(detail["cluster"]["leader"])
    if len(seen) != 1:
        return None
    name = seen.pop()
    return next((node for node in cluster.nodes if node.name == name), None)


async def step_down(cluster: ConfiguredCluster, preferred: ClusterNode, stream: str = STREAM) -> None:
    """Ask the stream's leader to hand over to `preferred` (the operator's user holds `$JS.API.>`)."""
    nc = await nats.connect(cluster.urls(OPERATOR).split(","), connect_timeout=5, tls=cluster.tls())
    try:
        body = f'{{"placement": {{"preferred": "{preferred.name}"}}}}'.encode()
        await nc.request(f"$JS.API.STREAM.LEADER.STEPDOWN.{stream}", body, timeout=10)
    finally:
        await nc.close()


def kill(node: ClusterNode) -> None:
    """SIGKILL: no lame-duck mode, no goodbye to the routes or the clients — a node lost, not a node stopped."""
    assert node.process is not None
    node.process.send_signal(signal.SIGKILL)
    node.process.wait(10)
    node.process = None


async def stream_messages(cluster: ConfiguredCluster, stream: str = STREAM) -> list[dict[str, str]]:
    """Every message's headers, in stream order, read as the operator."""
    nc = await nats.connect(cluster.urls(OPERATOR).split(","), connect_timeout=5, tls=cluster.tls())
    try:
        js = nc.jetstream(timeout=10)
        last = int((await js.stream_info(stream)).state.last_seq)
        return [dict((await js.get_msg(stream, seq)).headers or {}) for seq in range(1, last + 1)]
    finally:
        await nc.close()


def stream_faults(headers: list[dict[str, str]]) -> list[str]:
    """A stream without gap or duplicate: source sequences 1..n in order, each Nats-Msg-Id (and CloudEvents id) once,
    and every group's events as many as every other's (each group went through the same commands)."""
    faults = []
    sequences = [int(h.get(H_SEQUENCE, 0)) for h in headers]
    if sequences != list(range(1, len(headers) + 1)):
        faults.append(f"source sequences are not 1..{len(headers)}")
    for key in ("Nats-Msg-Id", H_ID):
        repeated = [k for k, n in Counter(h.get(key) for h in headers).items() if n > 1]
        if repeated:
            faults.append(f"{key} repeated: {repeated[:5]}")
    per_group = Counter(Counter(h.get(H_SUBJECT) for h in headers).values())
    if len(per_group) > 1:
        faults.append(f"groups with differing event counts (events: groups) {dict(per_group)}")
    return faults


@dataclass
class Workload:
    """Groups applied and assessed one after another in the registry, each under a name of its own; what each
    acknowledged answer said is kept (the group's id and ETag), and any answer that was not an acknowledgement."""

    platform: Platform
    prefix: str
    acknowledged: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (id, ETag) of its last command
    commands: int = 0
    refused: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)  # ids of the groups whose every command was acknowledged

    @property
    def complete(self) -> int:
        return len(self.completed)

    async def group(self, n: int) -> None:
        registry = self.platform.clients["registry"]
        name = f"{self.prefix}{n:04d}の会"
        created = await registry.post(
            "/groups", json=application(name=name), headers=self.platform.token(f"rep-{n}", "group")
        )
        if created.status_code != 201:
            self.refused.append(f"{name}: apply {created.status_code} {created.text[:200]}")
            return
        self.commands += 1
        group_id, etag = created.json()["id"], created.headers["ETag"]
        self.acknowledged[name] = (group_id, etag)
        for criterion in CRITERIA:
            assessed = await registry.post(
                f"/groups/{group_id}/assessments",
                json={"criterion": criterion, "met": True, "reason": "会則と活動実績で確認"},
                headers={**self.platform.token("coord-1", "coordinator"), "If-Match": etag},
            )
            if assessed.status_code != 200:
                self.refused.append(f"{name}: assess {assessed.status_code} {assessed.text[:200]}")
                return
            self.commands += 1
            etag = assessed.headers["ETag"]
            self.acknowledged[name] = (group_id, etag)
        self.completed.append(group_id)

    async def run(self, stop: asyncio.Event, pause: float = 0.05) -> None:
        n = 0
        while not stop.is_set():
            await self.group(n)
            n += 1
            await asyncio.sleep(pause)  # a steady pace, not a flood: the machine is shared


async def listed(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> Counter[str]:
    """How many groups of each name a /groups list holds (the registry's, or info-hub's directory)."""
    names: Counter[str] = Counter()
    for page in range(1, 1000):
        answer = await client.get("/groups", params={"page": page, "per_page": 100}, headers=headers or {})
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        names.update(item["name"] for item in items)
        if len(items) < 100:
            return names
    return names


def version(etag: str) -> int:
    return int(etag.strip('W/"'))


async def caught_up(cluster: ConfiguredCluster) -> dict[str, int] | None:
    """Every server's own replica ends at the leader's last sequence (from each one's /jsz); None until then."""
    leader = await leader_of(cluster)
    if leader is None:
        return None
    lasts = {}
    for node in cluster.nodes:
        detail = await stream_on(node)
        if detail is None:
            return None
        lasts[node.name] = int(detail["state"]["last_seq"])
    return lasts if len(set(lasts.values())) == 1 else None
