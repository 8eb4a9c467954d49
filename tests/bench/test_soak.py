"""The soak script (`python -m bench.soak`, issue 22) stays runnable, and its verdict tells growth from noise.

The first test is a smoke run of the harness, not of a figure: a few seconds of the mixed workload against the five
services as `kyodo serve` processes on the test's own servers must answer every request as expected and write a
report with samples of every process. The 30-minute run of record is in bench/RESULTS.md ("Issue 22: soak").
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the repository's `bench` package (bench/__init__.py) is not installed

from bench.soak import measure  # noqa: E402
from bench.soak.platform import SERVICES  # noqa: E402

# Kinds every few seconds of the cycle reaches (a proposal needs a group registered 5 s before, so it may not; a
# screening stage needs the one before it, evaluation's first a decision 10 s old: only longer runs reach them all).
ALWAYS = ("registry.apply", "registry.assess", "proposals.open_call", "info-hub.news", "info-hub.directory",
          "info-hub.training_registration", "info-hub.open_data_csv", "page.portal", "screening.rounds",
          "screening.enter", "evaluation.projects", "info-hub.screening_register",
          "info-hub.collaborations")  # fmt: skip


def test_the_soak_runs_a_few_seconds_of_mixed_load_end_to_end_and_reports(
    tmp_path: Path, nats_url: str, pg_dsn: str
) -> None:
    out = tmp_path / "soak.json"
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests"), *inherited])}
    args = ["--duration", "6s", "--sample-every", "2s", "--warmup", "0", "--nats-url", nats_url, "--pg-dsn", pg_dsn]
    run = subprocess.run(
        [sys.executable, "-m", "bench.soak", *args, "--json", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    # 0 or 3 (a verdict over 6 s means nothing); 4 = a request answered unexpectedly or a service died.
    assert run.returncode in (0, 3), run.stdout[-4000:] + run.stderr[-4000:]
    assert "verdict:" in run.stdout
    report = json.loads(out.read_text())
    assert report["requests"]["unexpected"] == 0, report["requests"]["errors"]
    for kind in ALWAYS:
        assert report["requests"]["by_kind"].get(kind, 0) > 0, kind
        assert report["latency_per_minute"][kind][0]["p50"] > 0, kind
    watched = {f"kyodo serve {name}" for name in SERVICES}
    assert len(report["samples"]) >= 3
    for sample in report["samples"]:
        assert watched <= set(sample["processes"]), sample["processes"].keys()
        for name in watched:
            proc = sample["processes"][name]
            assert proc["rss_mib"] > 50, (name, proc)
            assert proc["fds"] > 5, (name, proc)
            assert proc["threads"] > 1, (name, proc)
        assert len(sample["loadavg"]) == 3
    assert watched <= set(report["verdicts"]["processes"])


def _samples(rss: list[float], fds: list[int]) -> list[dict[str, object]]:
    return [
        {"t_min": float(t), "processes": {"p": {"rss_mib": r, "anon_mib": r, "fds": f, "threads": 20, "processes": 1}}}
        for t, (r, f) in enumerate(zip(rss, fds, strict=True))
    ]


def test_the_verdict_fails_a_steady_leak_and_passes_noise_around_a_level() -> None:
    noise = random.Random(22)
    flat = [200 + noise.uniform(-4, 4) for _ in range(30)]
    leaking = [200 + 1.0 * t + noise.uniform(-4, 4) for t in range(30)]  # 1 MiB a minute: 20 MiB after the warm-up
    fds_flat = [30 + noise.choice((0, 0, 1, -1)) for _ in range(30)]
    fds_leaking = [30 + t // 3 for t in range(30)]  # one descriptor lost every 3 minutes
    ok = measure.judge_processes(_samples(flat, fds_flat), warmup_min=10)["p"]
    bad = measure.judge_processes(_samples(leaking, fds_leaking), warmup_min=10)["p"]
    assert (ok["rss_mib"]["verdict"], ok["fds"]["verdict"], ok["threads"]["verdict"]) == ("PASS", "PASS", "PASS")
    assert (bad["rss_mib"]["verdict"], bad["fds"]["verdict"]) == ("FAIL", "FAIL")
    assert ok["rss_mib"]["points"] == 20
    series = {"k": [{"minute": m, "p50": 10.0, "p95": 20.0 + (m if m > 20 else 0), "p99": 40.0} for m in range(30)]}
    latency = measure.judge_latency(series, warmup_min=10, last_minute=30)["k"]
    assert (latency["p50"]["verdict"], latency["p95"]["verdict"]) == ("PASS", "FAIL")
