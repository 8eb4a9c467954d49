"""Chaos (issue 22), bounded for CI: all five services as `kyodo serve` processes on the test's own PostgreSQL and
nats-server, under a mixed workload that sends commands to every service (groups applying and assessed in the registry,
calls drafted and published in proposals and proposals submitted to them, projects entered and screened in screening,
the collaborations evaluation starts from those decisions and concludes agreements for, cases raised and routed at
info-hub's window; each heard by the services that follow it), while a random service is killed (three times), NATS is
killed and the store is stopped for 10 s. Then everything must have converged by itself: each acknowledged command
exactly once in its source and in the read models that follow it, no message parked, every read model equal to its
rebuild from the streams, every stream without a gap or duplicate, `kyodo audit verify` clean everywhere; and while the
store was away the APIs answered 503 problem+json with Retry-After, promptly. The longer run is tools/chaos.
"""

from __future__ import annotations

import json

import pytest

from support.chaos import chaos_platform
from support.chaos_run import CI_PLAN, chaos

pytestmark = pytest.mark.smoke


async def test_after_killed_services_a_killed_nats_and_a_stopped_store_every_acknowledged_command_counts_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with chaos_platform() as platform:
        figures = await chaos(platform, CI_PLAN, gap=6, outage=10.0, seed=22)
    with capsys.disabled():
        print("\nchaos figures:", json.dumps(figures, ensure_ascii=False))
    assert figures["failures"] == []
    assert figures["lost"] == 0
    assert figures["duplicated"] == 0
    assert sum(figures["faults"].values()) == len(CI_PLAN)
    assert figures["faults"]["PostgreSQL stopped"] == 1
    assert figures["faults"]["SIGKILL nats-server"] == 1
    # The workload reached the read models: registered groups and published calls, not only refusals.
    assert figures["reached_read_model"] >= 10
    # Every kind of command, so every service, was acknowledged under the faults (at least once each).
    assert set(figures["commands_by_kind"]) == {"group", "call", "screening", "collaboration", "case", "proposal"}
    assert all(figures["commands_by_kind"].values()), figures["commands_by_kind"]
