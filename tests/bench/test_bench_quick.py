"""The benchmarks stay runnable: `bench/run.py --quick` on the test's own servers must exit 0.

A smoke test of the harness, not of a figure: a benchmark that errors (an API that moved under it, a request
answered with anything but its expected status, a relay that did not publish every accepted command) fails here,
so it cannot rot unnoticed between the runs of record (bench/RESULTS.md). Figures are never asserted: they depend
on the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_benchmark_runs_to_the_end_in_its_quick_form(tmp_path: Path, nats_url: str, pg_dsn: str) -> None:
    out = tmp_path / "quick.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    run = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--quick",
            "--only",
            "P1,P2,P3,P4,P5,P6",
            "--nats-url",
            nats_url,
            "--pg-dsn",
            pg_dsn,
            "--json",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    report = json.loads(out.read_text())
    for name in ("P1", "P2", "P3", "P4", "P5", "P6"):
        assert "error" not in report[name], report[name].get("error")
    # The figures exist (their size is the machine's business): P1 beside its plain baseline, in both process counts.
    assert report["P1"]["http"]["accepted_total"] > 0
    assert report["P1"]["plain"]["accepted_total"] > 0
    assert report["P1"]["diag_plain_outbox"]["accepted_total"] > 0  # its outbox published, or the run failed
    assert report["P1"]["ratio_two_processes"] > 0
    assert report["P4"]["ratio"] > 0
    assert report["P5"]["verify_db"]["registry"]["verify_per_s"] > 0
    # P6 checked every export's status, BOM and CSV row count against the rows it seeded, and every poll's 304.
    for backend in ("postgres", "sqlite"):
        assert report["P6"][backend]["poll"]["csv_if_none_match_304"]["requests_per_s"] > 0
