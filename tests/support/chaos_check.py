"""The chaos run's convergence check, after the faults:

- every acknowledged command is in its source exactly once: the aggregate's version (its ETag) is the number of its
  commands acknowledged — one more only where the last command's answer was lost;
- every read model that follows a source shows an aggregate exactly when the source reached that state (info-hub's
  directory each registered group, its calls each published call, its screening register each decision, its
  collaboration projects each concluded agreement, its case list each routed case);
- what a unit creates under a name of its own is there once (a group by name in the registry, a project by title in
  screening's inventory, a case by its problem in info-hub's case list): a create answered 503 yet written shows twice;
- no consumer parked a message;
- every service's read models equal a rebuild from its streams and store (`kyodo replay --from-scratch`, the
  services stopped), row for row (support.chaos_rebuild);
- every service stream's messages carry sequences 1..n, each id once;
- `kyodo audit verify` is clean for every service.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from contextlib import suppress
from typing import Any

import httpx
import nats

from kyodo_contracts import stream_name
from kyodo_shared.bus.cloudevents import H_ID, H_SEQUENCE

from support.chaos import ChaosPlatform
from support.chaos_kinds import UNREAD, World, case_list, inventory_titles, kind_in_reader, kind_state
from support.chaos_rebuild import MARK
from support.chaos_workload import Record, Unit
from support.harness import eventually
from support.procs import TESTS_DIR


def _version(etag: str) -> int:
    return int(etag.strip('W/"'))


async def source_state(platform: ChaosPlatform, world: World, unit: Unit) -> tuple[int, bool, str]:
    """The aggregate's version in its source, whether it reached the state a read model shows (a registered
    group, a published call; support.chaos_kinds for the others), and what its reader is asked for."""
    if unit.kind not in ("group", "call"):
        return await kind_state(platform, world, unit)
    service, path = ("registry", f"/groups/{unit.id}") if unit.kind == "group" else ("proposals", f"/calls/{unit.id}")
    async with httpx.AsyncClient(base_url=platform.services[service].base, timeout=30) as client:
        answer = await client.get(path, headers=platform.token("coord-1", "coordinator"))
    assert answer.status_code == 200, answer.text
    status = answer.json()["status"]
    final = status == "registered" if unit.kind == "group" else status != "draft"
    return _version(answer.headers["ETag"]), final, unit.id


async def registry_names(platform: ChaosPlatform) -> Counter[str]:
    """How many groups of each name the registry holds (each unit applies under a name of its own)."""
    names: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=platform.services["registry"].base, timeout=30) as client:
        for page in range(1, 1000):
            answer = await client.get(
                "/groups", params={"page": page, "per_page": 100}, headers=platform.token("coord-1", "coordinator")
            )
            assert answer.status_code == 200, answer.text
            items = answer.json()["items"]
            names.update(item["name"] for item in items)
            if len(items) < 100:
                break
    return names


async def in_read_model(platform: ChaosPlatform, world: World, unit: Unit, key: str) -> bool:
    if unit.kind not in ("group", "call"):
        return await kind_in_reader(platform, world, unit, key)
    path = f"/groups/{unit.id}" if unit.kind == "group" else f"/calls/{unit.id}"
    async with httpx.AsyncClient(base_url=platform.services["info-hub"].base, timeout=30) as client:
        answer = await client.get(path)
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


async def created_names(platform: ChaosPlatform, world: World) -> dict[str, Counter[str]]:
    """By kind, how many times each name a unit creates under is held where it was created."""
    cases = await case_list(platform)
    return {
        "group": await registry_names(platform),
        "screening": Counter(await inventory_titles(platform, world)),
        "case": Counter(str(c["problem_ja"]) for c in cases),
    }


async def check_effects(platform: ChaosPlatform, record: Record, world: World) -> tuple[dict[str, int], list[str]]:
    """Exactly once in each source; in info-hub exactly when the source reached the final state. Returns counts and
    the units info-hub disagrees about."""
    figures = {"lost": 0, "duplicated": 0, "indeterminate": 0, "reached_read_model": 0}
    final: dict[str, bool] = {}
    keys: dict[str, str] = {}
    details: list[str] = []
    for unit in [u for u in record.units if u.id]:
        # The version the last acknowledged answer named: the source holds exactly that many events unless the
        # unit's last command may have been written without an answer.
        version, final[unit.id], keys[unit.id] = await source_state(platform, world, unit)
        acknowledged = _version(unit.etag) if unit.etag else 0
        figures["indeterminate"] += unit.indeterminate
        if version < acknowledged:
            figures["lost"] += 1
            details.append(f"lost: {unit} at version {version}")
        elif version > acknowledged and not unit.indeterminate:
            figures["duplicated"] += 1
            details.append(f"more than acknowledged: {unit} at version {version}")
    # A create answered 503 yet written would be sent again and held twice: each name once.
    held = await created_names(platform, world)
    for unit in [u for u in record.units if u.name]:
        names = held[unit.kind]
        if names[unit.name] > 1:
            figures["duplicated"] += 1
            details.append(f"{names[unit.name]} {unit.kind}s named {unit.name} ({unit})")
        elif unit.id and names[unit.name] == 0:
            figures["lost"] += 1
            details.append(f"no {unit.kind} named {unit.name} ({unit})")

    disagreeing: list[str] = []

    async def read_models_agree() -> bool:
        disagreeing.clear()
        for unit in [u for u in record.units if u.id and u.kind not in UNREAD]:
            if await in_read_model(platform, world, unit, keys[unit.id]) != final[unit.id]:
                disagreeing.append(f"{unit} (in its source: {'final' if final[unit.id] else 'not final'})")
        return not disagreeing

    with suppress(AssertionError):  # what still disagrees after the wait is reported
        await eventually(read_models_agree, timeout=60, interval=1.0)
    figures["reached_read_model"] = sum(final.values())
    return figures, details + disagreeing


async def no_parked(platform: ChaosPlatform) -> dict[str, Any]:
    parked: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for name, service in platform.services.items():
            body = (await client.get(f"{service.base}/readyz")).json()
            if body.get("parked"):
                parked[name] = body["parked"]
    return parked


def rebuilt_and_verified(platform: ChaosPlatform, service: str) -> dict[str, Any]:
    """support.chaos_rebuild for one stopped service: caught up, its read models against a rebuild from scratch,
    its audit verified."""
    env = platform.operator_env(service)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS_DIR), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "support.chaos_rebuild", service]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    results = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    assert results, f"{service}: {(done.stdout + done.stderr)[-2000:]}"
    result: dict[str, Any] = json.loads(results[-1][len(MARK) :])
    result["output"] = (done.stdout + done.stderr)[-600:]
    return result


async def stream_sound(platform: ChaosPlatform, service: str) -> tuple[bool, int]:
    """The service's stream carries source sequences 1..n, each message id once."""
    nc = await nats.connect(platform.nats.url)
    try:
        js = nc.jetstream()
        name = stream_name(platform.namespace, service)
        try:
            last = int((await js.stream_info(name)).state.last_seq)
        except Exception:
            return True, 0
        headers = [(await js.get_msg(name, seq)).headers or {} for seq in range(1, last + 1)]
    finally:
        await nc.close()
    sequences = [int(h[H_SEQUENCE]) for h in headers if H_SEQUENCE in h]
    ids = [h[H_ID] for h in headers if H_ID in h]
    return sequences == list(range(1, len(sequences) + 1)) and len(set(ids)) == len(ids), len(sequences)


async def converge(platform: ChaosPlatform, record: Record, world: World) -> dict[str, Any]:
    """Every check above; returns the figures and a list of failures (empty when the run converged)."""
    failures: list[str] = []
    effects, disagreeing = await check_effects(platform, record, world)
    figures: dict[str, Any] = dict(effects)
    if disagreeing:
        failures.append(
            f"sources or info-hub disagree with what was acknowledged ({len(disagreeing)}): {disagreeing[:5]}"
        )
    parked = await no_parked(platform)
    if parked:
        failures.append(f"parked messages: {parked}")
    streams = {}
    for name in platform.services:
        sound, count = await stream_sound(platform, name)
        streams[name] = count
        if not sound:
            failures.append(f"{name}'s stream has a gap or a duplicate")
    figures["stream_messages"] = streams
    await asyncio.to_thread(platform.stop_all)
    checked = await asyncio.gather(*(asyncio.to_thread(rebuilt_and_verified, platform, n) for n in platform.services))
    figures["read_model_rows"] = {}
    for name, result in zip(platform.services, checked, strict=True):
        figures["read_model_rows"][name] = result["rows"]
        if result["caught_up"] or result["rebuilt"]:
            failures.append(f"kyodo replay {name} failed: {result['output']}")
        if result["differing"]:
            failures.append(f"{name}'s read models differ from a rebuild (rows live, rebuilt): {result['differing']}")
        if result["audit"]:
            failures.append(f"kyodo audit verify {name} failed: {result['output']}")
    if figures["lost"] or figures["duplicated"]:
        failures.append(f"lost {figures['lost']}, duplicated {figures['duplicated']}")
    figures["failures"] = failures
    return figures
