"""Where P1's CPU per command goes: the registry process's CPU per command split by stage of the request (and by
background task), from py-spy's GIL samples of the measured window.

`--gil` samples are taken only from the thread holding the GIL, so they split the process's Python time; the CPU the
process used beyond that (C code that releases the GIL: libpq, the kernel's syscalls, GIL hand-offs between threads)
is shown as its own line, so the lines add up to the measured CPU per command. A stage is the first rule whose
marker appears anywhere in a sample's stack, most specific first.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from bench.profiling import RATE

# (stage, markers), matched anywhere in a sample's stack, first rule first: background tasks (their stacks never
# hold a request's frames), then the request's own steps.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("background: relay (store → JetStream)", ("kyodo_shared/bus/relay",)),
    ("background: audit chain and checkpoints", ("kyodo_shared/audit/",)),
    ("background: projections (query tables)", ("kyodo_shared/tasks/projection",)),
    ("background: leases, timers, health", ("kyodo_shared/tasks/",)),
    ("command: personal data encrypted (vault)", ("KeyVault.encrypt",)),
    ("command: bylaws document stored", ("DocumentStore.put",)),
    ("command: events saved (event store)", ("Application.save (",)),
    ("command: domain (aggregate, events, checks)", ("apply_for_registration",)),
    ("answer: record decrypted and viewed", ("done (kyodo_registry",)),
    ("auth: bearer token verified", ("JwksVerifier", "jwt/")),
    ("request: body parsed and validated", ("solve_dependencies", "request_body_to_args")),
    ("answer: response validated and encoded", ("serialize_response", "jsonable_encoder")),
)
# The web stack wraps everything on the event loop, so the rest goes by the innermost (leaf-most) frame that names a
# layer: uvicorn's protocol is at the root of every request, and what it does itself is at the leaves.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("web: thread hop (to_thread, executor)", ("asyncio/threads.py", "concurrent/futures", "threading.py")),
    ("web: HTTP server (uvicorn, httptools)", ("uvicorn/protocols", "httptools")),
    ("web: routing, middleware, telemetry (Starlette, FastAPI)", ("starlette/", "fastapi/", "kyodo_shared/web/")),
    ("bus client (nats-py)", ("nats/",)),
)
OTHER = "event loop (uvloop, C frames only) and other"
OFF_GIL = "outside the GIL: libpq, system calls, GIL hand-offs"


def stage_of(stack: str) -> str:
    for stage, markers in STAGES:
        if any(marker in stack for marker in markers):
            return stage
    for frame in reversed(stack.split(";")):
        for layer, markers in LAYERS:
            if any(marker in frame for marker in markers):
                return layer
    return OTHER


def account(raw: Path, wall_s: float, cores_used: float, commands_per_second: float) -> dict[str, Any]:
    """Milliseconds of the process's CPU per command, by stage (sums to the measured CPU per command)."""
    counts: Counter[str] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack and count_text.isdigit():
            counts[stage_of(stack)] += int(count_text)
    commands = commands_per_second * wall_s
    if not commands:
        return {"error": "no commands in the window"}
    cpu_ms = 1000.0 * cores_used * wall_s / commands
    gil_ms = 1000.0 * sum(counts.values()) / RATE / commands
    per_stage = {stage: 1000.0 * n / RATE / commands for stage, n in counts.most_common()}
    # Sampling at RATE Hz cannot see more than the wall time: the GIL share is capped by the CPU measured.
    scale = min(1.0, cpu_ms / gil_ms) if gil_ms else 1.0
    per_stage = {k: v * scale for k, v in per_stage.items()}
    per_stage[OFF_GIL] = max(0.0, cpu_ms - gil_ms * scale)
    return {"cpu_ms_per_command": cpu_ms, "gil_ms_per_command": gil_ms * scale, "ms_per_command": per_stage}
