"""A chaos run: the platform of support.chaos, the workload and faults of support.chaos_workload, the convergence
check of support.chaos_check; its figures as a dict (and, from the command line, printed and written as JSON).

    PYTHONPATH=tests .venv/bin/python -m support.chaos_run --minutes 10 --record chaos.json   (or tools/chaos)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from support.chaos import ChaosPlatform, chaos_platform
from support.chaos_check import converge
from support.chaos_faults import kill_nats, kill_service, stop_postgres
from support.chaos_kinds import case, prepare_world, proposed, screened_and_collaborating
from support.chaos_workload import Record, Workload, prepare
from support.harness import eventually

# What the CI test injects, in order: each kind at least once, a service more than once.
CI_PLAN = ("service", "nats", "postgres", "service", "service")


async def inject(kind: str, platform: ChaosPlatform, workload: Workload, rng: random.Random, outage: float) -> None:
    if kind == "service":
        await kill_service(platform, workload.record, rng)
    elif kind == "nats":
        await kill_nats(platform, workload.record)
    else:
        await stop_postgres(platform, workload, outage)


# The longest an answer may take while the store is away. The store's circuit breaker (store/breaker.py) answers 503
# within a fraction of a second once it has seen the server gone (the 3-minute run: slowest answer 2.4 s); before it,
# 503s took 12–17 s (eventsourcing tries each statement ten times) and 15 s failed at 17.4 s. The margin is for a
# loaded two-core CI machine, and stays well below the workload's client timeout (30 s).
SLOWEST_OUTAGE_ANSWER = 8.0


def outage_failures(record: Record) -> list[str]:
    """While the store was away: 503 problem+json with Retry-After, or an answer the store's loss did not stop (one
    already under way); never a 500, never a wait of more than SLOWEST_OUTAGE_ANSWER seconds."""
    failures = []
    unavailable = [a for a in record.outage_answers if a[1] == 503]
    if not unavailable:
        failures.append("no 503 was answered while the store was away")
    for service, status, content_type, retry_after, took in record.outage_answers:
        if status == 503 and (content_type != "application/problem+json" or not retry_after):
            failures.append(f"{service} answered 503 without problem+json and Retry-After ({content_type!r})")
        if status >= 500 and status != 503:
            failures.append(f"{service} answered {status} while the store was away")
        if took > SLOWEST_OUTAGE_ANSWER:
            failures.append(f"{service} took {took:.1f} s to answer while the store was away")
    hung = {k: n for k, n in record.answers.items() if k.endswith("Timeout")}
    if hung:
        failures.append(f"no answer within 30 s: {hung}")
    errors = {k: n for k, n in record.answers.items() if k.endswith(" 500")}
    if errors:
        failures.append(f"server errors: {errors}")
    return failures


async def chaos(
    platform: ChaosPlatform, plan: Iterable[str], *, gap: int, outage: float, seed: int, until: float | None = None
) -> dict[str, Any]:
    """The workload with a fault after every `gap` more acknowledged commands, until the plan (or the time) ends,
    then `gap` more commands without a fault, then the convergence check."""
    started = time.monotonic()
    rng = random.Random(seed)
    workload = await prepare(platform)
    world = await prepare_world(platform)
    workload.kinds = [
        lambda: screened_and_collaborating(workload, world),
        lambda: case(workload, world),
        lambda: proposed(workload, world),
    ]
    record = workload.record
    stop = asyncio.Event()
    running = asyncio.create_task(workload.run(stop))

    async def progress() -> None:
        mark = record.acknowledged
        await eventually(lambda: running.done() or record.acknowledged >= mark + gap, timeout=300, interval=0.2)
        if running.done():
            running.result()  # the workload itself failed: say how

    try:
        for kind in plan:
            await progress()
            await inject(kind, platform, workload, rng, outage)
            if until is not None and time.monotonic() > until:
                break
        await progress()
    finally:
        stop.set()
        await running
    workload_seconds = time.monotonic() - started
    figures = await converge(platform, record, world)
    figures["converge_seconds"] = round(time.monotonic() - started - workload_seconds, 1)
    figures["failures"] = outage_failures(record) + figures["failures"]
    # A 503 should mean nothing was written. Answers that read the store after the commit broke that and are fixed
    # (tests/audit/test_answers_after_commit*.py fail on any). What remains cannot be told apart from outside: the
    # store stopped while a COMMIT was on its way, the server committed, the connection died before the client heard
    # — eventsourcing's retry then meets the open breaker and the answer is 503 though written. Exactly once still
    # holds (the retry with If-Match is refused 412, counted below, and lost/duplicated stay 0), so such a command is
    # reported in the figures (`written_despite_503`), not failed: one in ~200 commands in one CI run of six.
    # docs/RELIABILITY.md keeps it as an open finding (a distinct "outcome unknown" answer needs the commit phase
    # told apart in the store).
    # Any other refusal is a failure too.
    if len(record.unexpected) > len(record.written_despite_503):
        figures["failures"].append(f"unexpected refusals: {[u[:200] for u in record.unexpected]}")
    kinds = sorted({u.kind for u in record.units})
    answered_503 = sum(1 for a in record.outage_answers if a[1] == 503)
    return {
        "commands_acknowledged": record.acknowledged,
        "units": dict(Counter(u.kind for u in record.units)),
        "commands_by_kind": {k: sum(u.acknowledged for u in record.units if u.kind == k) for k in kinds},
        "faults": dict(record.faults),
        "answers": dict(sorted(record.answers.items())),
        "answered_503_during_outage": answered_503,
        "slowest_answer_seconds": round(record.slowest, 2),
        "slowest_outage_answer_seconds": round(max((a[4] for a in record.outage_answers), default=0.0), 2),
        "unexpected_refusals": [u[:160] for u in record.unexpected],
        "written_despite_503": record.written_despite_503,
        "workload_seconds": round(workload_seconds, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        **figures,
    }


def script_plan(rng: random.Random) -> Iterable[str]:
    """The longer run's faults: a random service three times as often as NATS or the store."""
    return (rng.choice(("service", "service", "service", "nats", "postgres")) for _ in itertools.count())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/chaos", description="Chaos across every service, then the convergence check (issue 22)."
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the workload and faults run")
    parser.add_argument("--gap", type=int, default=15, help="acknowledged commands between two faults")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the store is away each time")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--record", type=Path, help="write the figures here as JSON")
    parser.add_argument("--logs", type=Path, help="keep the services', NATS's and PostgreSQL's logs here")
    parser.add_argument("--ci-plan", action="store_true", help="inject the CI test's faults only, then stop")
    args = parser.parse_args(argv)
    with chaos_platform(keep=args.logs) as platform:
        until = time.monotonic() + args.minutes * 60
        plan = CI_PLAN if args.ci_plan else script_plan(random.Random(args.seed))
        figures = asyncio.run(chaos(platform, plan, gap=args.gap, outage=args.outage, seed=args.seed, until=until))
    figures = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "minutes": args.minutes, **figures}
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.record is not None:
        args.record.write_text(text + "\n")
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
