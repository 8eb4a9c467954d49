"""`kyodo dlq …`: list, retry and skip parked messages of a consuming service, from its own store."""

from __future__ import annotations

import json
from pathlib import Path

from kyodo_shared.bus.operations import retry_parked, skip_parked
from kyodo_shared.cli.operator import open_kernel


def dlq_list(services: list[str], data_dir: Path) -> int:
    rows = []
    for service in services:
        kernel = open_kernel(service, data_dir)
        try:
            rows += [{"service": service, **vars(p)} for p in kernel.ledger.parked()]
        finally:
            kernel.close()
    if not rows:
        print("no parked messages / 保留中のメッセージはありません")
        return 0
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    return 0


def dlq_act(action: str, service: str, source: str, reason: str, operator: str, data_dir: Path) -> int:
    kernel = open_kernel(service, data_dir)
    try:
        if action == "retry":
            sequences = retry_parked(kernel.application, kernel.ledger, service, source, reason, operator)
            print(json.dumps({"retried": sequences, "service": service, "source": source}))
        else:
            message = skip_parked(kernel.application, kernel.ledger, service, source, reason, operator)
            print(json.dumps({"skipped": message.sequence, "service": service, "source": source}))
    except LookupError as exc:
        print(f"error: {exc}")
        return 1
    finally:
        kernel.close()
    return 0
