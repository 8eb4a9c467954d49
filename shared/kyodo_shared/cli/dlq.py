"""`kyodo dlq …`: list, retry and skip parked messages of a consuming service, from its own store."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from kyodo_shared.bus.operations import retry_parked, skip_parked
from kyodo_shared.cli.console import out
from kyodo_shared.cli.errors import CliError
from kyodo_shared.cli.operator import open_kernel


def dlq_list(services: list[str], data_dir: Path, as_json: bool | None = None) -> int:
    """A table on a terminal; JSON Lines (one parked message a line) with --json or when piped."""
    rows: list[dict[str, Any]] = []
    for service in services:
        kernel = open_kernel(service, data_dir)
        try:
            rows += [{"service": service, **vars(p)} for p in kernel.ledger.parked()]
        finally:
            kernel.close()
    if as_json is None:
        as_json = not out.is_terminal
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return 0
    if not rows:
        out.print(f"no parked messages / 保留中のメッセージはありません ({', '.join(services)})")
        return 0
    table = Table(title=f"parked messages / 保留中のメッセージ ({len(rows)})")
    columns = list(dict.fromkeys(key for row in rows for key in row))
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    out.print(table)
    out.print("then: kyodo dlq retry|skip <service> <source> --reason …", highlight=False)
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
        raise CliError(str(exc).strip("'\""), hint=f"kyodo dlq list --service {service} shows what is parked") from None
    finally:
        kernel.close()
    return 0
