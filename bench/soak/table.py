"""A soak report (the JSON `python -m bench.soak --json` wrote) as the Markdown tables of bench/RESULTS.md.

.venv/bin/python -m bench.soak.table bench/results/run-issue22-soak-1.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any


def processes(report: dict[str, Any]) -> list[str]:
    rows = [
        "| process | metric | at warm-up end | at the end | min–max (judged) | fitted growth | limit | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, metrics in report["verdicts"]["processes"].items():
        for metric, v in metrics.items():
            if v["verdict"] == "n/a":
                continue
            rows.append(
                f"| {name} | {metric} | {v['first']:g} | {v['last']:g} | {v['min']:g}–{v['max']:g} | "
                f"{v['growth']:+.2f} {v['unit']} | {v['limit']:.2f} | {v['verdict']} |"
            )
    return rows


def latency(report: dict[str, Any]) -> list[str]:
    warmup = report["config"]["warmup_min"]
    rows = [
        "| kind | requests | p50 median (min–max) ms | p95 median (min–max) ms | p99 median ms | p50 / p95 / p99 |",
        "|---|---|---|---|---|---|",
    ]
    for kind, series in report["latency_per_minute"].items():
        judged = [r for r in series if r["minute"] >= warmup]
        if not judged:
            continue
        cells = []
        for p in ("p50", "p95"):
            values = [r[p] for r in judged]
            cells.append(f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})")
        p99 = statistics.median(r["p99"] for r in judged)
        verdicts = report["verdicts"]["latency"][kind]
        shown = " / ".join(verdicts[p]["verdict"] for p in ("p50", "p95", "p99"))
        total = report["requests"]["by_kind"].get(kind, 0)
        rows.append(f"| {kind} | {total} | {cells[0]} | {cells[1]} | {p99:.1f} | {shown} |")
    return rows


def load(report: dict[str, Any]) -> str:
    loads = [s["loadavg"][0] for s in report["samples"]]
    return (
        f"load average (1 min) at the samples: min {min(loads):.1f}, median {statistics.median(loads):.1f}, "
        f"max {max(loads):.1f} ({len(loads)} samples, {report['machine']['cores']} cores)"
    )


def main() -> int:
    report = json.loads(Path(sys.argv[1]).read_text())
    print("\n".join([load(report), "", *processes(report), "", *latency(report)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
