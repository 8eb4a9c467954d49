"""`kyodo audit verify|export|rotate-key`: check a service's history by database or by its audit API alone."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from kyodo_shared.audit.checkpoints import Checkpoint
from kyodo_shared.audit.client import AuditApi
from kyodo_shared.audit.records import AuditRecord
from kyodo_shared.audit.sealed_check import check_listing
from kyodo_shared.audit.verify import PinFile, VerifyReport, verify
from kyodo_shared.cli.console import err, out, progress
from kyodo_shared.cli.errors import USAGE, CliError
from kyodo_shared.cli.operator import open_kernel


def default_pin(data_dir: Path, service: str) -> Path:
    """Where this machine remembers what it verified of a service (trust on first use)."""
    return data_dir / "audit-pins" / f"{service}.json"


@contextmanager
def _bar(description: str, total: int | None, shown: bool) -> Iterator[Callable[[int | None, int | None], None]]:
    """A progress bar on stderr counting positions, or nothing when not shown; yields update(position, total)."""
    if not shown:
        yield lambda position, total: None
        return
    with progress() as bar:
        task = bar.add_task(description, total=total)

        def update(position: int | None, total: int | None) -> None:
            if total is not None:
                bar.update(task, total=total)
            if position is not None:
                bar.update(task, completed=position)

        yield update
        # The walk reports now and then: end on the whole range.
        found = bar.tasks[0]
        if found.total is not None:
            bar.update(task, completed=found.total)


def _counted(records: Iterable[AuditRecord], description: str, total: int | None) -> Iterator[AuditRecord]:
    """Records as they come, with a bar counting positions (the history's size is the last position)."""
    with progress() as bar:
        task = bar.add_task(description, total=total)
        for record in records:
            yield record
            bar.update(task, completed=record.position)


def _api_records(api: AuditApi, description: str) -> Iterator[AuditRecord]:
    api.require_token()
    with progress() as bar:
        task = bar.add_task(description, total=None)
        for record in api.records(on_total=lambda stop: bar.update(task, total=stop)):
            yield record
            bar.update(task, completed=record.position)


def verify_command(
    service: str,
    url: str | None,
    checkpoints_url: str | None,
    pin: Path,
    data_dir: Path,
    as_json: bool = True,
    shown: bool | None = None,
) -> int:
    """`shown`: the progress bar (default: when stderr is a terminal). Both ways stream the history."""
    pins = PinFile(pin)
    shown = err.is_terminal if shown is None else shown
    description = f"reading {service}'s history"
    if url:
        api = AuditApi(url, os.environ.get("KYODO_AUDIT_TOKEN"))
        api.require_token()

        def sealed_chains(report: VerifyReport) -> None:
            # The ended sealed periods' chains as the service serves them (audit/sealed_check.check_listing).
            listing = api.sealed()
            report.sealed_chains = len(listing)
            report.findings.extend(check_listing(listing))

        # Checkpoints first: each was signed at a position the records read next include.
        checkpoints, keys = api.checkpoints(checkpoints_url), api.keys()
        with _bar(description, None, shown) as update:
            rows = api.rows(on_total=lambda stop: update(None, stop))
            report = verify(
                service,
                (),
                checkpoints,
                keys,
                pins,
                rows=rows,
                rescan=api.chained_hashes,
                on_progress=lambda position: update(position, None),
                then=sealed_chains,
            )
    else:
        from kyodo_shared.audit.local import verify_local

        kernel = open_kernel(service, data_dir)
        try:
            app = kernel.application
            total = app.recorder.max_notification_id() or 0
            with _bar(description, total, shown) as update:
                report = verify_local(
                    service,
                    app,
                    kernel.chain,
                    kernel.published_keys(),
                    pins,
                    sealed=kernel.sealed,
                    on_progress=lambda position: update(position, None),
                )
        finally:
            kernel.close()
    return show_report(report, pin, as_json)


def verify_export(service: str, export: Path, pin: Path, as_json: bool = True) -> int:
    """Verify an exported history offline (checkpoints and keys are in the export)."""
    records, checkpoints, keys = [], [], {}
    for number, line in enumerate(export.read_text().splitlines(), 1):
        try:
            item = json.loads(line)
            kind = item.pop("kind")
        except (ValueError, KeyError, AttributeError):
            raise CliError(
                f"{export}:{number} is not a line of `kyodo audit export`",
                hint="pass the file written by `kyodo audit export <service> --output FILE`",
                code=USAGE,
            ) from None
        if kind == "record":
            records.append(AuditRecord.from_dict(item))
        elif kind == "checkpoint":
            checkpoints.append(Checkpoint.model_validate(item))
        elif kind == "key":
            keys[item["kid"]] = item["public_key"]
    return show_report(verify(service, records, checkpoints, keys, PinFile(pin)), pin, as_json)


def export_command(service: str, url: str | None, output: Path, data_dir: Path) -> int:
    """JSON Lines: every chain record (with its event's published type), then the checkpoints and the keys."""
    # A missing directory is a mistyped path more often than a wish: creating it would hide the export elsewhere.
    if not output.parent.is_dir():
        raise CliError(
            f"cannot write {output}: the directory {output.parent} does not exist",
            hint="create it first, or give --output a path in an existing directory",
            code=USAGE,
        )
    partial = output.with_name(output.name + ".partial")
    with partial.open("w") as file:
        if url:
            api = AuditApi(url, os.environ.get("KYODO_AUDIT_TOKEN"))
            counts = _write(file, _api_records(api, f"exporting {service}"), api.checkpoints(), api.keys())
        else:
            from kyodo_shared.audit.checkpointer import stored_checkpoints
            from kyodo_shared.audit.records import records_from_store

            kernel = open_kernel(service, data_dir)
            try:
                app = kernel.application
                stored = records_from_store(app.recorder, kernel.chain, type_of=kernel.visibility.type_of)
                counts = _write(
                    file,
                    _counted(stored, f"exporting {service}", app.recorder.max_notification_id() or 0),
                    stored_checkpoints(app, service),
                    kernel.published_keys(),
                )
            finally:
                kernel.close()
    # Only a complete export takes the name: an interrupted one never passes for the whole history.
    partial.replace(output)
    records, checkpoints, keys = counts
    out.print(
        f"exported {service}: {records} records, {checkpoints} checkpoints, {keys} keys → {output}", highlight=False
    )
    return 0


def _write(
    file: IO[str], records: Iterable[AuditRecord], checkpoints: list[Checkpoint], keys: dict[str, str]
) -> tuple[int, int, int]:
    count = 0
    for record in records:
        file.write(json.dumps({"kind": "record", **record.as_dict()}) + "\n")
        count += 1
    for checkpoint in checkpoints:
        file.write(json.dumps({"kind": "checkpoint", **checkpoint.model_dump(mode="json")}) + "\n")
    for kid, public in keys.items():
        file.write(json.dumps({"kind": "key", "kid": kid, "public_key": public}) + "\n")
    return count, len(checkpoints), len(keys)


def show_report(report: VerifyReport, pin: Path, as_json: bool) -> int:
    """Today's JSON report (for scripts and pipes), or a summary an operator reads at a glance."""
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n")
        return 0 if report.ok else 1
    if report.ok:
        out.print(f"[bold green]OK[/] {report.service}: the history verifies", highlight=False)
    else:
        where = report.first_problem
        at = f", first at position {where}" if where is not None else ""
        out.print(f"[bold red]FAILED[/] {report.service}: the history does not verify{at}", highlight=False)
    out.print(
        f"  events {report.events} · not yet chained {report.unchained_tail} · "
        f"valid checkpoints {report.checkpoints_valid} · sealed chains {report.sealed_chains} · pins {pin}",
        highlight=False,
    )
    for finding in report.findings[:20]:
        out.print(f"  - position {finding.position}: {finding.kind} — {finding.detail}", highlight=False)
    if len(report.findings) > 20:
        out.print(f"  … and {len(report.findings) - 20} more (--json lists them all)", highlight=False)
    for position, reason in report.rejected_checkpoints:
        out.print(f"  - checkpoint at {position} rejected: {reason}", highlight=False)
    for violation in report.pin_violations:
        out.print(f"  - pin: {violation}", highlight=False)
    return 0 if report.ok else 1


def rotate_key(service: str, data_dir: Path) -> int:
    """The next checkpoint, signed by the current key, announces the new one; later ones are signed by it."""
    kernel = open_kernel(service, data_dir)
    try:
        kid = kernel.keys_ring().rotate()
    finally:
        kernel.close()
    sys.stdout.write(json.dumps({"service": service, "next_kid": kid}) + "\n")
    return 0
